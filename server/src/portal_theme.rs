//! The Connect Portal's theme: the stylesheet `/ui/theme.css` that the portal links after its
//! own `portal.css`, holding every colour, the font and the corner radius `portal.css` reads
//! as CSS custom properties (`var(--surface)`, `var(--accent)`, …).
//!
//! It is generated rather than written into the page because the portal's CSP allows no inline
//! style (`style-src 'self'`): a project's look reaches the page only as a file of the platform.
//! The two palettes are the platform's and both reach WCAG AA (tested below); a project's accent
//! is fitted into each with the arithmetic of [`crate::color`], so no accent can make the
//! portal unreadable.

use std::fmt::Write;

use crate::{
    color::Rgb,
    workflows::{Appearance, ThemeMode},
};

/// The portal's accent when the project chose none.
pub const DEFAULT_ACCENT: Rgb = Rgb::new(0x1f, 0x5f, 0xd1);
const DEFAULT_FONT: &str = r#"system-ui, -apple-system, "Segoe UI", Roboto, sans-serif"#;
const DEFAULT_RADIUS: u8 = 8;

/// WCAG 2.x AA: text (1.4.3) and the parts of controls that say what they are (1.4.11).
const TEXT_RATIO: f64 = 4.5;
const CONTROL_RATIO: f64 = 3.0;

/// The neutral colours of one mode. Text colours reach 4.5:1 on every background they are
/// used on, control borders 3:1 (the tests check each pair).
struct Palette {
    /// The colour scheme of the browser's own parts (a select's list, a scrollbar).
    scheme: &'static str,
    /// The card.
    surface: Rgb,
    /// Bars and notices on the card, hovered buttons.
    soft: Rgb,
    /// Menus above the card.
    raised: Rgb,
    text: Rgb,
    muted: Rgb,
    /// Separators (decoration: no contrast needed).
    line: Rgb,
    /// Borders of buttons, fields and switches.
    control: Rgb,
    field: Rgb,
    field_disabled: Rgb,
    disabled: Rgb,
    disabled_text: Rgb,
    danger: Rgb,
    danger_fill: Rgb,
    on_danger: Rgb,
    danger_soft: Rgb,
    danger_line: Rgb,
    ok: Rgb,
    ok_soft: Rgb,
    ok_line: Rgb,
    switch_off: Rgb,
    code: Rgb,
    /// The card's outline and shadows (with transparency, so not [`Rgb`]).
    edge: &'static str,
    shadow: &'static str,
    menu_shadow: &'static str,
}

const fn hex(value: u32) -> Rgb {
    // Each channel is masked to 8 bits first: the casts cannot truncate anything.
    Rgb::new(
        ((value >> 16) & 0xff) as u8,
        ((value >> 8) & 0xff) as u8,
        (value & 0xff) as u8,
    )
}

const LIGHT: Palette = Palette {
    scheme: "light",
    surface: hex(0xffffff),
    soft: hex(0xf4f6fa),
    raised: hex(0xffffff),
    text: hex(0x1d2330),
    muted: hex(0x4f5a6d),
    line: hex(0xdfe3ea),
    control: hex(0x6b7589),
    field: hex(0xffffff),
    field_disabled: hex(0xeef1f5),
    disabled: hex(0xe4e8ef),
    disabled_text: hex(0x5b6578),
    danger: hex(0xb42318),
    danger_fill: hex(0xb42318),
    on_danger: hex(0xffffff),
    danger_soft: hex(0xfdf0ee),
    danger_line: hex(0xf1b8b0),
    ok: hex(0x11734b),
    ok_soft: hex(0xecf8f2),
    ok_line: hex(0xa6dcc1),
    switch_off: hex(0xeef1f5),
    code: hex(0xeef1f5),
    edge: "rgba(15, 23, 42, .06)",
    shadow: "0 24px 64px rgba(15, 23, 42, .28), 0 2px 8px rgba(15, 23, 42, .12)",
    menu_shadow: "0 8px 24px rgba(15, 23, 42, .16)",
};

/// Not the light palette inverted: a blue-grey night surface with raised layers lighter than
/// the card (as light falls on them), softer text than pure white, and status colours
/// lightened until they read on it.
const DARK: Palette = Palette {
    scheme: "dark",
    surface: hex(0x171a21),
    soft: hex(0x20242d),
    raised: hex(0x232833),
    text: hex(0xe8ebf1),
    muted: hex(0xa4aec0),
    line: hex(0x2c323d),
    control: hex(0x7c869a),
    field: hex(0x11141a),
    field_disabled: hex(0x1c2028),
    disabled: hex(0x2a2f3a),
    disabled_text: hex(0x9aa3b4),
    danger: hex(0xff9b91),
    danger_fill: hex(0xf2766b),
    on_danger: hex(0x1a0b0a),
    danger_soft: hex(0x34191b),
    danger_line: hex(0x6e3332),
    ok: hex(0x5dd6a0),
    ok_soft: hex(0x13291f),
    ok_line: hex(0x2b6a4f),
    switch_off: hex(0x20242d),
    code: hex(0x262b36),
    edge: "rgba(255, 255, 255, .09)",
    shadow: "0 24px 64px rgba(0, 0, 0, .55), 0 2px 8px rgba(0, 0, 0, .35)",
    menu_shadow: "0 8px 24px rgba(0, 0, 0, .5)",
};

impl Palette {
    /// The colour a shade moves toward to stand out more on this palette's surface.
    fn away_from_surface(&self) -> Rgb {
        self.surface.text_on()
    }

    fn colours(&self) -> [(&'static str, Rgb); 21] {
        [
            ("surface", self.surface),
            ("soft", self.soft),
            ("raised", self.raised),
            ("text", self.text),
            ("muted", self.muted),
            ("line", self.line),
            ("control", self.control),
            ("field", self.field),
            ("field-disabled", self.field_disabled),
            ("disabled", self.disabled),
            ("disabled-text", self.disabled_text),
            ("danger", self.danger),
            ("danger-fill", self.danger_fill),
            ("on-danger", self.on_danger),
            ("danger-soft", self.danger_soft),
            ("danger-line", self.danger_line),
            ("ok", self.ok),
            ("ok-soft", self.ok_soft),
            ("ok-line", self.ok_line),
            ("switch-off", self.switch_off),
            ("code", self.code),
        ]
    }
}

/// The project's accent fitted into one palette.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Accent {
    /// Fills (the main button, a switch that is on): 3:1 against the card, so the control
    /// stands out from it.
    fill: Rgb,
    /// Text on a fill: black or white, whichever reads better.
    on_fill: Rgb,
    /// A hovered fill: moved away from its text, so the text reads even better.
    hover: Rgb,
    /// Text, borders and the focus ring on the card and its soft bars: 4.5:1 against both.
    text: Rgb,
}

impl Accent {
    fn fit(accent: Rgb, palette: &Palette) -> Self {
        let toward = palette.away_from_surface();
        let fill = accent.until_contrast(toward, &[palette.surface], CONTROL_RATIO);
        let on_fill = fill.text_on();
        Self {
            fill,
            on_fill,
            hover: fill.mix(on_fill.text_on(), 0.15),
            text: accent.until_contrast(toward, &[palette.surface, palette.soft], TEXT_RATIO),
        }
    }
}

/// The stylesheet for `appearance` in `mode`: `light` and `dark` set one palette, `auto` the
/// light one with the dark one under `@media (prefers-color-scheme: dark)`.
pub fn stylesheet(appearance: &Appearance, mode: ThemeMode) -> String {
    let accent = appearance.accent.unwrap_or(DEFAULT_ACCENT);
    let font = appearance
        .font
        .as_ref()
        .map_or(DEFAULT_FONT, |font| font.as_str());
    let radius = appearance.radius.unwrap_or(DEFAULT_RADIUS);
    let mut css = format!(
        "/* The Connect Portal's theme ({}), generated by the platform from the project's \
         appearance.yaml. */\n:root {{\n  --font: {font};\n  --radius: {radius}px;\n}}\n",
        mode.as_str()
    );
    match mode {
        ThemeMode::Light => palette_rule(&mut css, &LIGHT, accent, ""),
        ThemeMode::Dark => palette_rule(&mut css, &DARK, accent, ""),
        ThemeMode::Auto => {
            palette_rule(&mut css, &LIGHT, accent, "");
            css.push_str("@media (prefers-color-scheme: dark) {\n");
            palette_rule(&mut css, &DARK, accent, "  ");
            css.push_str("}\n");
        }
    }
    css
}

/// One `:root { … }` of a palette and the accent fitted into it, indented by `indent`.
fn palette_rule(css: &mut String, palette: &Palette, accent: Rgb, indent: &str) {
    let accent = Accent::fit(accent, palette);
    let colours = palette.colours().into_iter().chain([
        ("accent", accent.fill),
        ("on-accent", accent.on_fill),
        ("accent-hover", accent.hover),
        ("accent-text", accent.text),
    ]);
    // Writing into a String cannot fail.
    let _ = writeln!(css, "{indent}:root {{");
    let _ = writeln!(css, "{indent}  --scheme: {};", palette.scheme);
    for (name, colour) in colours {
        let _ = writeln!(css, "{indent}  --{name}: {colour};");
    }
    for (name, value) in [
        ("edge", palette.edge),
        ("shadow", palette.shadow),
        ("menu-shadow", palette.menu_shadow),
    ] {
        let _ = writeln!(css, "{indent}  --{name}: {value};");
    }
    let _ = writeln!(css, "{indent}}}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflows::FontFamily;

    /// Each `(what, foreground, background)` reaches `ratio`.
    fn check(pairs: &[(&str, Rgb, Rgb)], ratio: f64) {
        for (what, fg, bg) in pairs {
            let found = fg.contrast(*bg);
            assert!(found >= ratio, "{what}: {fg} on {bg} is {found:.2}:1");
        }
    }

    #[test]
    fn both_palettes_reach_wcag_aa_for_every_text_and_control_they_draw() {
        for p in [&LIGHT, &DARK] {
            // Every background text is put on: the card, its bars, menus, notices, fields, code.
            let backgrounds = [
                p.surface,
                p.soft,
                p.raised,
                p.danger_soft,
                p.ok_soft,
                p.field,
                p.code,
            ];
            let mut text: Vec<(&str, Rgb, Rgb)> = backgrounds
                .iter()
                .flat_map(|bg| [("text", p.text, *bg), ("muted text", p.muted, *bg)])
                .collect();
            text.extend([
                ("a disabled field", p.text, p.field_disabled),
                ("danger", p.danger, p.surface),
                ("danger in a notice", p.danger, p.danger_soft),
                ("danger in a bar", p.danger, p.soft),
                ("Disconnect", p.on_danger, p.danger_fill),
                ("ok", p.ok, p.surface),
                ("ok in a notice", p.ok, p.ok_soft),
                ("a disabled button", p.disabled_text, p.disabled),
            ]);
            let controls = [
                ("a control's border", p.control, p.surface),
                ("a control's border on a bar", p.control, p.soft),
                ("a field's border", p.control, p.field),
                ("a switch's knob when off", p.control, p.switch_off),
            ];

            check(&text, TEXT_RATIO);
            check(&controls, CONTROL_RATIO);
        }
    }

    #[test]
    fn any_accent_is_fitted_so_that_its_fills_stand_out_and_its_text_reads() {
        let accents = [
            "#1f5fd1", "#4a154b", "#ffd400", "#ffffff", "#000000", "#00a86b", "#ff5a5f", "#777",
            "#0ff", "#171a21",
        ];
        for p in [&LIGHT, &DARK] {
            for text in accents {
                let a = Accent::fit(Rgb::parse(text).expect("a colour"), p);

                check(&[("fill on the card", a.fill, p.surface)], CONTROL_RATIO);
                check(
                    &[
                        ("text on the fill", a.on_fill, a.fill),
                        ("text on the hovered fill", a.on_fill, a.hover),
                        ("accent text on the card", a.text, p.surface),
                        ("accent text on a bar", a.text, p.soft),
                    ],
                    TEXT_RATIO,
                );
            }
        }
    }

    #[test]
    fn an_accent_that_already_reads_is_kept_and_one_that_does_not_is_darkened_or_lightened() {
        let aubergine = Rgb::parse("#4a154b").expect("a colour");
        let light = Accent::fit(aubergine, &LIGHT);
        assert_eq!(
            (light.fill, light.text, light.on_fill),
            (aubergine, aubergine, Rgb::WHITE)
        );
        assert_eq!(
            light.hover,
            aubergine.mix(Rgb::BLACK, 0.15),
            "darker under white text"
        );

        let dark = Accent::fit(aubergine, &DARK);
        assert!(
            dark.text.luminance() > aubergine.luminance(),
            "lightened on the night card"
        );

        let yellow = Rgb::parse("#ffd400").expect("a colour");
        let on_white = Accent::fit(yellow, &LIGHT);
        assert!(
            on_white.text.luminance() < yellow.luminance(),
            "darkened on white"
        );
        assert_eq!(
            Accent::fit(yellow, &DARK).fill,
            yellow,
            "a bright fill stands out at night"
        );
    }

    #[test]
    fn light_and_dark_set_one_palette_and_auto_follows_the_system_setting() {
        let appearance = Appearance::default();

        let light = stylesheet(&appearance, ThemeMode::Light);
        let dark = stylesheet(&appearance, ThemeMode::Dark);
        let auto = stylesheet(&appearance, ThemeMode::Auto);

        assert!(
            light.contains("  --surface: #ffffff;\n") && !light.contains("@media"),
            "{light}"
        );
        assert!(
            light.contains("  --accent: #1f5fd1;\n  --on-accent: #ffffff;\n"),
            "{light}"
        );
        assert!(light.contains("  --scheme: light;\n"), "{light}");
        assert!(
            dark.contains("  --surface: #171a21;\n") && !dark.contains("#ffffff;\n  --soft"),
            "{dark}"
        );
        assert!(dark.contains("  --scheme: dark;\n"), "{dark}");
        assert!(
            light.contains(r#"--font: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;"#)
        );
        assert!(light.contains("--radius: 8px;"));
        let (before, after) = auto
            .split_once("@media (prefers-color-scheme: dark) {\n")
            .expect("a media query");
        assert!(
            before.contains("--surface: #ffffff;") && after.contains("    --surface: #171a21;"),
            "{auto}"
        );
        assert_eq!(
            auto.matches('{').count(),
            auto.matches('}').count(),
            "{auto}"
        );
    }

    #[test]
    fn the_projects_accent_font_and_radius_are_written_as_the_file_gave_them() {
        let appearance = Appearance {
            accent: Rgb::parse("#4A154B"),
            theme: ThemeMode::Light,
            font: Some(FontFamily::parse("\"Inter\", sans-serif").expect("a font")),
            radius: Some(0),
        };

        let css = stylesheet(&appearance, ThemeMode::Light);

        assert!(
            css.contains("  --accent: #4a154b;\n") && css.contains("  --accent-text: #4a154b;\n"),
            "{css}"
        );
        assert!(css.contains("  --font: \"Inter\", sans-serif;\n"), "{css}");
        assert!(css.contains("  --radius: 0px;\n"), "{css}");
    }
}
