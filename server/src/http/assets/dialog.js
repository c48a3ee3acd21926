// The portal's card as a modal dialog. The SDK frames this page over the app's whole window,
// transparent above its dimmed page, so what is outside the card is the app's, seen through:
// - Tab and Shift+Tab stay in the card, wrapping at its ends (the frame's own edge would
//   otherwise hand the focus to the app's page behind the dim);
// - a click outside the card dismisses it, as Close does; only a press and a release both
//   outside count, so selecting text in a field and letting go past the card's edge does not.
// portal.js says what dismissing does and which element the opening focus goes to.
var portalDialog = (function () {
  "use strict";

  var FOCUSABLE = "button, [href], input, select, textarea, [tabindex]";

  // The card's elements Tab stops at, in document order.
  function tabStops(card) {
    return Array.prototype.filter.call(card.querySelectorAll(FOCUSABLE), function (element) {
      return element.tabIndex >= 0 && !element.disabled && element.getClientRects().length > 0
        && getComputedStyle(element).visibility !== "hidden";
    });
  }

  function before(a, b) {
    return a !== b && !!(b.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_PRECEDING);
  }

  // Wraps Tab at the card's ends; in between (and from a focused element that is no stop,
  // like the heading) the browser's own order applies.
  function keepTab(card) {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Tab" || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      var stops = tabStops(card);
      if (!stops.length) return;
      var active = document.activeElement;
      var inside = card.contains(active) && active !== card;
      var next = event.shiftKey
        ? (!inside || !stops.some(function (s) { return before(s, active); })) && stops[stops.length - 1]
        : (!inside || !stops.some(function (s) { return before(active, s); })) && stops[0];
      if (!next) return;
      event.preventDefault();
      next.focus();
    });
  }

  function dismissOutside(card, dismiss) {
    var pressedOutside = false;
    var outside = function (event) {
      var target = document.elementFromPoint(event.clientX, event.clientY) || event.target;
      return !card.contains(target);
    };
    document.addEventListener("pointerdown", function (event) {
      pressedOutside = event.isPrimary && event.button === 0 && outside(event);
    });
    document.addEventListener("pointerup", function (event) {
      var dismissed = pressedOutside && event.isPrimary && outside(event);
      pressedOutside = false;
      if (dismissed) dismiss();
    });
  }

  // `options.dismiss()` is called for a click outside the card.
  function init(card, options) {
    keepTab(card);
    dismissOutside(card, options.dismiss);
  }

  return { init: init };
})();
