// The OAuth popup's own pages (served by /oauth/start and /oauth/callback).
//
// data-to: the popup is on its way to the provider. It first cuts `window.opener`, so that the
// provider's pages cannot reach (or navigate) the app's or the portal's window; nothing later
// needs it, because the opener learns how the flow ended by polling the flow on the platform.
// data-close: the flow has ended; the window closes itself (it was opened by script).
(function () {
  var data = document.currentScript.dataset;
  window.opener = null;
  // The name the opener gave the window to post the start form into: the provider's pages
  // can read `window.name`, and need nothing of ours.
  window.name = "";
  if (data.to) {
    window.location.replace(data.to);
  } else if (data.close === "true") {
    window.close();
  }
})();
