// The OAuth popup's last page: tell the opener how the flow ended, then close.
// Posted with exact target origins (the portal's and the app's); the browser delivers only to
// an opener of one of them. The message carries the flow id and status, never a token.
(function () {
  var data = document.currentScript.dataset;
  var message = { type: "paragon:oauth", flowId: data.flowId, status: data.status };
  if (window.opener) {
    data.targets.split(" ").forEach(function (target) {
      try {
        window.opener.postMessage(message, target);
      } catch (e) {
        // An opener that navigated away: the portal falls back to polling the flow.
      }
    });
  }
  window.close();
})();
