// The Connect Portal's script. The server serves it after a generated `var MESSAGE = {…}`:
// the types of the port's messages, defined once for this script and the SDK in
// protocol/src/browser.rs.
//
// Trust rules:
// - The user token arrives only in a `paragon:init` message from the framing page
//   (`event.source === window.parent`) on the app origin this page was opened for, carrying
//   one MessagePort. The first such message is accepted; the listener is then removed.
// - From then on the portal talks to the SDK over that port only.
// - The consent popup is opened on about:blank inside the click, then sent to the platform by
//   a form post carrying the flow's one-time start secret (never a URL); the platform binds
//   the flow to this browser with a cookie and cuts the popup's `window.opener`. Completion
//   is read from the platform (long-polling the flow), never from a message, so no `message`
//   listener besides `paragon:init` exists.
// - The token lives in this script's memory: never in a URL, a cookie or storage. When the
//   platform refuses it (401), the portal asks the SDK for a renewed one over the port
//   (`token-expired`, answered by `token` with the renewed one) and retries the request once.
(function () {
  "use strict";

  var body = document.body;
  var projectId = body.dataset.project;
  var integrationType = body.dataset.integration;
  var appOrigin = body.dataset.origin;
  var $ = function (id) { return document.getElementById(id); };

  var port = null;
  var token = null;
  var integration = null; // this integration in /sdk/integrations
  var userState = null; // integrations[type] of /sdk/me
  var flow = null; // a flow created ahead, so that Connect opens the popup inside the click
  var activeFlowId = null;
  var renewal = null; // { promise, answer(token) } while the SDK is asked for a new token

  function setState(state) { body.dataset.state = state; }
  function showError(text) { $("error").textContent = text || ""; }
  function tell(message) { if (port) port.postMessage(message); }

  // Asks the SDK for a token to replace `refused`; resolves true when there is a new one.
  // Concurrent refusals share one request; the SDK answers null when it cannot renew.
  function renewToken(refused) {
    if (token !== refused) return Promise.resolve(true);
    if (!renewal) {
      var answer;
      var promise = new Promise(function (resolve) { answer = resolve; });
      var timer = setTimeout(function () { answer(null); }, 15000);
      renewal = { promise: promise, answer: answer };
      tell({ type: MESSAGE.tokenExpired });
      promise.then(function (fresh) {
        clearTimeout(timer);
        renewal = null;
        if (typeof fresh === "string" && fresh) token = fresh;
      });
    }
    return renewal.promise.then(function () { return token !== refused; });
  }

  function api(method, path, payload, retried) {
    var sent = token;
    var init = {
      method: method,
      headers: { Authorization: "Bearer " + sent },
      credentials: "omit",
      cache: "no-store",
    };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    return fetch("/projects/" + encodeURIComponent(projectId) + "/sdk" + path, init).then(function (response) {
      if (response.status === 401 && !retried) {
        return renewToken(sent).then(function (renewed) {
          return renewed ? api(method, path, payload, true) : read(response);
        });
      }
      return read(response);
    });
  }

  // The JSON of a 2xx answer (null for 204), or an Error with the platform's message.
  function read(response) {
    if (response.status === 204) return null;
    return response.json().catch(function () { return null; }).then(function (data) {
      if (!response.ok) throw new Error((data && data.message) || "HTTP " + response.status);
      return data;
    });
  }

  function onInit(event) {
    if (event.source !== window.parent || event.origin !== appOrigin) return;
    var data = event.data;
    if (!data || data.type !== MESSAGE.init || typeof data.token !== "string") return;
    if (!event.ports || event.ports.length !== 1) return;
    window.removeEventListener("message", onInit);
    port = event.ports[0];
    token = data.token;
    port.onmessage = onPortMessage;
    port.postMessage({ type: MESSAGE.ready, nonce: data.nonce });
    setState("ready");
    refresh();
  }
  window.addEventListener("message", onInit);

  function onPortMessage(event) {
    var data = event.data || {};
    if (data.type === MESSAGE.refresh) refresh();
    if (data.type === MESSAGE.token && renewal) renewal.answer(data.token);
  }

  function refresh() {
    return Promise.all([api("GET", "/me"), api("GET", "/integrations")])
      .then(function (results) {
        var me = results[0];
        integration = (results[1] || []).filter(function (i) { return i.type === integrationType; })[0] || null;
        userState = integration ? me.integrations[integrationType] || null : null;
        render();
        if (integration && !activeFlowId) return prepareFlow();
      })
      .catch(function (error) { showError(error.message); });
  }

  function render() {
    if (!integration) {
      $("status").textContent = "This integration is not available.";
      $("connect").disabled = true;
      return;
    }
    var connected = userState && userState.credentialStatus === "VALID";
    var invalid = userState && userState.credentialStatus === "INVALID";
    $("title").textContent = integration.name;
    $("status").textContent = connected ? "Connected" : invalid ? "Connection expired: reconnect" : "Not connected";
    var data = (userState && userState.providerData) || {};
    $("account").textContent = connected || invalid ? "Account: " + (data.user || data.hubDomain || userState.providerId || "") : "";
    $("connect").textContent = connected || invalid ? "Reconnect" : "Connect";
    $("disconnect").hidden = !(connected || invalid);
    body.dataset.connected = connected ? "true" : "false";
    renderWorkflows();
  }

  function renderWorkflows() {
    var list = $("workflows");
    list.textContent = "";
    var workflows = integration.workflows || [];
    $("no-workflows").hidden = workflows.length > 0;
    workflows.forEach(function (workflow) {
      var item = document.createElement("li");
      var label = document.createElement("label");
      var toggle = document.createElement("input");
      toggle.type = "checkbox";
      toggle.checked = !!workflow.enabled;
      toggle.dataset.workflowId = workflow.id;
      toggle.addEventListener("change", function () { toggleWorkflow(workflow, toggle); });
      label.appendChild(toggle);
      label.appendChild(document.createTextNode(" " + workflow.description));
      item.appendChild(label);
      list.appendChild(item);
    });
  }

  function toggleWorkflow(workflow, toggle) {
    var enable = toggle.checked;
    toggle.disabled = true;
    api(enable ? "POST" : "DELETE", "/workflows/" + encodeURIComponent(workflow.id))
      .then(function () {
        tell({ type: MESSAGE.workflowChanged, integrationId: integration.id, workflowId: workflow.id, workflowStateChange: { enabled: enable } });
      })
      .catch(function (error) { toggle.checked = !enable; showError(error.message); })
      .then(function () { toggle.disabled = false; });
  }

  function prepareFlow() {
    $("connect").disabled = true;
    return api("POST", "/oauth/flows", { integration: integrationType, origin: appOrigin }).then(function (created) {
      flow = created;
      $("connect").disabled = false;
    });
  }

  $("connect").addEventListener("click", function () {
    if (!flow) return;
    showError("");
    // Opened inside the click, so popup blockers let it through; on about:blank, under a name
    // of its own, so that the start form can be posted into it.
    var name = "paragon-oauth-" + flow.flowId;
    var popup = window.open("about:blank", name, "popup,width=600,height=720");
    if (!popup) {
      showError("The browser blocked the sign-in window. Allow pop-ups for this page and try again.");
      return;
    }
    postStart(flow, name);
    activeFlowId = flow.flowId;
    flow = null;
    $("connect").disabled = true;
    setState("connecting");
    checkFlow(activeFlowId, 25);
  });

  // The popup's first navigation: a form post of the flow id and its start secret.
  function postStart(created, target) {
    var form = document.createElement("form");
    form.method = "POST";
    form.action = created.startUrl;
    form.target = target;
    form.hidden = true;
    [["flow", created.flowId], ["secret", created.startSecret]].forEach(function (field) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = field[0];
      input.value = field[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
    form.remove();
  }

  // Long-polls the flow: completion comes from here alone (the popup has no opener).
  function checkFlow(flowId, wait) {
    api("GET", "/oauth/flows/" + encodeURIComponent(flowId) + "?wait=" + wait)
      .then(function (state) {
        if (flowId !== activeFlowId) return;
        if (state.status === "pending") {
          if (wait > 0) checkFlow(flowId, 25);
          return;
        }
        activeFlowId = null;
        if (state.status === "done") {
          setState("installed");
          return refresh().then(function () {
            tell({ type: MESSAGE.installed, integrationId: integration.id, integrationType: integrationType, credentialId: state.credentialId });
          });
        }
        setState("ready");
        showError(state.error || "The connection was not completed.");
        tell({ type: MESSAGE.error, integrationType: integrationType, message: state.error || "not completed" });
        return refresh();
      })
      .catch(function (error) { showError(error.message); });
  }

  $("disconnect").addEventListener("click", function () {
    if (!integration) return;
    $("disconnect").disabled = true;
    api("DELETE", "/integrations/" + encodeURIComponent(integration.id))
      .then(function () {
        setState("ready");
        tell({ type: MESSAGE.uninstalled, integrationId: integration.id, integrationType: integrationType });
        return refresh();
      })
      .catch(function (error) { showError(error.message); })
      .then(function () { $("disconnect").disabled = false; });
  });

  $("close").addEventListener("click", function () { tell({ type: MESSAGE.close }); });

  ["overview", "configuration"].forEach(function (name) {
    $("tab-" + name).addEventListener("click", function () {
      ["overview", "configuration"].forEach(function (other) {
        $("tab-" + other).setAttribute("aria-selected", String(other === name));
        $("panel-" + other).hidden = other !== name;
      });
    });
  });
})();
