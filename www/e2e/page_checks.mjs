// Checks of the app's page that are not about one step of the guide: axe-core's accessibility
// rules, and that the page fits the screen it is shown on.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const AXE = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * axe-core's rules on the app's page (not inside the portal's frame, which the portal's own
 * tests check); fails on a serious or critical violation. Evaluated through the browser's
 * debugging protocol, which the page's CSP does not govern: the page itself is not loosened.
 */
export async function assertAccessible(page, state) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"], iframes: false }));
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
    `axe-core on the app, ${state}`,
  );
}

/**
 * No sideways scroll, and every visible control and cell of the page inside the viewport's
 * width. What is hidden for the eyes only (a 1-px box that hides its overflow, kept for screen
 * readers, as the runs' column headers on a narrow screen) is not looked at.
 */
export async function assertFits(page, state) {
  const outside = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const seen = (element) => {
      for (let box = element; box; box = box.parentElement) {
        if (getComputedStyle(box).overflow === "hidden" && box.getBoundingClientRect().width <= 1) return false;
      }
      return true;
    };
    const found = [];
    if (document.documentElement.scrollWidth > width) found.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${width})`);
    for (const control of document.querySelectorAll("button, input, select, a, th, td")) {
      const box = control.getBoundingClientRect();
      if (box.width > 0 && seen(control) && (box.left < 0 || box.right > width + 0.5)) found.push(`${control.outerHTML.slice(0, 60)} reaches ${Math.round(box.right)} px`);
    }
    return found;
  });
  assert.deepEqual(outside, [], `the app fits the screen, ${state}`);
}
