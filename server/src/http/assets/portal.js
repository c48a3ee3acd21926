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
//
// No dead ends: every message the portal shows comes with a way forward (Connect again, Try
// again, Reconnect or Close), a closed provider window brings Connect back, Cancel abandons a
// connection in progress, and Escape or a click outside the card closes the portal.
(function () {
  "use strict";

  var body = document.body;
  var projectId = body.dataset.project;
  var integrationType = body.dataset.integration;
  var appOrigin = body.dataset.origin;
  var appName = body.dataset.app || "The app";
  // `api_key` or `basic`: the user types the provider's credentials into the portal's own form
  // (`#key-form`, drawn by the server from the provider's definition) instead of a consent page.
  var keyed = body.dataset.auth === "api_key" || body.dataset.auth === "basic";
  var asking = false; // the key form is open
  var $ = function (id) { return document.getElementById(id); };

  var port = null;
  var token = null;
  var integration = null; // this integration in /sdk/integrations
  var userState = null; // integrations[type] of /sdk/me
  var flow = null; // a flow created ahead, so that Connect opens the popup inside the click
  var preparing = null; // the promise of the flow being created
  var renewal = null; // { promise, answer(token) } while the SDK is asked for a new token
  // The flow whose outcome the portal is reading: { id, expiresAt, popup, timer }. `waiting`
  // is true while the provider's window is (as far as the portal can tell) open.
  var watched = null;
  var waiting = false;
  var loaded = false;

  function setState(state) { body.dataset.state = state; }
  function tell(message) { if (port) port.postMessage(message); }
  function name() { return integration ? integration.name : $("title").textContent; }

  // The one rule for naming the connected account, shared with the demo app (www/app.js) and
  // documented in docs/sdk.md: "<integration name> account <provider id>", e.g. "HubSpot
  // account 70001" (HubSpot's provider id is the hub id).
  function accountName() {
    var id = userState && userState.providerId;
    return id ? name() + " account " + id : "your " + name() + " account";
  }

  // ---- Talking to the platform ----

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

  function api(method, path, payload, options) {
    options = options || {};
    var sent = token;
    var init = {
      method: method,
      headers: { Authorization: "Bearer " + sent },
      credentials: "omit",
      cache: "no-store",
      keepalive: !!options.keepalive,
    };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    var url = "/projects/" + encodeURIComponent(projectId) + "/sdk" + path;
    return fetch(url, init).then(function (response) {
      if (response.status === 401 && !options.retried) {
        return renewToken(sent).then(function (renewed) {
          return renewed ? api(method, path, payload, { retried: true }) : read(response);
        });
      }
      return read(response);
    }, function () {
      var error = new Error("network");
      error.status = 0;
      throw error;
    });
  }

  // The JSON of a 2xx answer (null for 204), or an Error carrying the status. The platform's
  // message stays in `detail` for the console: the user is told in plain words (`plain`).
  function read(response) {
    if (response.status === 204) return null;
    return response.json().catch(function () { return null; }).then(function (data) {
      if (!response.ok) {
        var error = new Error((data && data.message) || "HTTP " + response.status);
        error.status = response.status;
        throw error;
      }
      return data;
    });
  }

  // What went wrong, in words for the person in front of the portal, and what to do next.
  function plain(error) {
    var status = error && error.status;
    if (status === 0) return "We couldn't reach the server. Check your internet connection, then try again.";
    if (status === 401) return "Your session with " + appName + " has ended. Close this window and open it again from " + appName + ".";
    if (status === 429) return "There were too many attempts in a short time. Wait a minute, then try again.";
    if (status >= 500) return "Something went wrong on our side. Try again in a moment.";
    return "This could not be done right now. Close this window, open it again and retry.";
  }
  function sessionEnded(error) { return error && error.status === 401; }

  // ---- What the page shows ----

  // A message with its way forward: `actions` are [{ label, run, primary }]. `kind` is
  // "info", "ok" or "error".
  function notice(kind, text, actions, reference) {
    var box = $("notice");
    box.dataset.kind = kind;
    $("notice-text").textContent = text;
    $("notice-reference").hidden = !reference;
    $("notice-reference").textContent = reference ? "Reference: " + reference : "";
    var holder = $("notice-actions");
    holder.textContent = "";
    (actions || []).forEach(function (action) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = action.primary ? "primary" : "secondary";
      button.textContent = action.label;
      button.dataset.action = action.id;
      button.addEventListener("click", action.run);
      holder.appendChild(button);
    });
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
    syncConnectButtons();
  }
  function clearNotice() { $("notice").hidden = true; }

  var CLOSE = { id: "close", label: "Close", run: closePortal };
  function retry(run) { return { id: "retry", label: "Try again", run: run, primary: true }; }

  // Connect opens the provider's window only once a flow is prepared.
  function syncConnectButtons() {
    var ready = keyed ? loaded && !waiting : !!flow && !waiting;
    $("connect").disabled = !ready;
  }

  function connection() {
    var status = userState && userState.credentialStatus;
    return status === "VALID" ? "connected" : status === "INVALID" ? "expired" : "none";
  }

  function render() {
    var state = connection();
    var connected = state === "connected";
    body.dataset.connected = connected ? "true" : "false";
    body.dataset.view = waiting ? "waiting" : connected ? "connected" : "connect";
    if (integration) $("title").textContent = integration.name;
    renderPage();
    $("connect").hidden = waiting || connected || asking;
    if (keyed) $("key-form").hidden = !asking || connected;
    $("connect").textContent = state === "expired" ? "Reconnect" : "Connect";
    $("waiting").hidden = !waiting;
    $("connected").hidden = waiting || !connected;
    $("account").textContent = connected ? accountName() : "";
    if (!connected) closeMenu(false);
    if (!connected) hideConfirm(false);
    $("status").textContent = !loaded ? "Loading…"
      : waiting ? "Waiting for " + name() + "…"
        : connected ? "Connected as " + accountName()
          : state === "expired" ? "The connection to " + name() + " has expired. Reconnect to keep workflows running."
            : "Not connected";
    syncConnectButtons();
    renderSharedSettings(connected);
    renderWorkflows(connected);
  }

  // ---- What the project wrote about the integration, and the user's settings ----

  // The portal's content of the current deploy (`configs[0].values`, Paragon's shape).
  function content() {
    var configs = (integration && integration.configs) || [];
    return (configs[0] && configs[0].values) || {};
  }

  var shownOverview = null;
  function renderPage() {
    var values = content();
    if (values.description) $("tagline").textContent = values.description;
    if (values.overview !== shownOverview) {
      shownOverview = values.overview || null;
      var holder = $("overview");
      holder.textContent = "";
      if (shownOverview) holder.appendChild(portalMarkdown(shownOverview));
      holder.hidden = !shownOverview;
      // The platform's own words stand in only for a project that wrote none.
      $("description").hidden = !!shownOverview;
    }
  }

  // A settings form's save: the values merged on the platform (every value checked, nothing
  // saved on a refusal), then the user's state as the platform answers it.
  function saveSettings(config) {
    var credential = userState && userState.credentialId;
    return api("PATCH", "/credentials/" + encodeURIComponent(credential), { config: config })
      .then(function (updated) {
        // The answer is the credential, its one configuration holding the user's values.
        var saved = (updated.configurations || [])[0] || {};
        if (userState) {
          userState.sharedSettings = saved.sharedSettings || {};
          userState.workflowSettings = saved.workflowSettings || {};
        }
        render();
      }, function (error) {
        console.warn("portal: saving the settings failed:", error.message);
        // The platform's refusals of values are written for the user ("“Region” takes text").
        error.text = error.status === 422 ? error.message : plain(error);
        throw error;
      });
  }

  function loadOptions(source, search, cursor) {
    var query = [];
    if (search) query.push("search=" + encodeURIComponent(search));
    if (cursor) query.push("cursor=" + encodeURIComponent(cursor));
    var path = "/integrations/" + encodeURIComponent(integrationType) + "/sources/" + encodeURIComponent(source);
    return api("GET", path + (query.length ? "?" + query.join("&") : "")).catch(function (error) {
      error.text = plain(error);
      throw error;
    });
  }

  function renderSharedSettings(connected) {
    var inputs = (content().sharedMeta || {}).inputs || [];
    $("shared-settings").hidden = inputs.length === 0;
    if (!inputs.length) return;
    portalSettings.render($("shared-form"), {
      inputs: inputs,
      values: (userState && userState.sharedSettings) || {},
      disabled: !connected,
      load: loadOptions,
      save: function (values) { return saveSettings({ sharedSettings: values }); },
    });
  }

  function renderWorkflowSettings(row, connected) {
    var meta = (content().workflowMeta || {})[row.workflow.id] || {};
    var inputs = meta.inputs || [];
    row.info.textContent = meta.infoText || "";
    row.info.hidden = !meta.infoText;
    row.settings.hidden = inputs.length === 0;
    if (!inputs.length) return;
    var saved = ((userState && userState.workflowSettings) || {})[row.workflow.id] || {};
    portalSettings.render(row.settings, {
      inputs: inputs,
      values: saved.settings || {},
      disabled: !connected,
      load: loadOptions,
      save: function (values) {
        var update = {};
        update[row.workflow.id] = { settings: values };
        return saveSettings({ workflowSettings: update });
      },
    });
  }

  // Each workflow: its name and a switch, usable once the user is connected.
  var rows = {}; // workflow id → { item, toggle, state }
  function renderWorkflows(connected) {
    var workflows = (integration && integration.workflows) || [];
    var list = $("workflows");
    $("no-workflows").hidden = !loaded || workflows.length > 0;
    $("workflows-locked").hidden = connected || workflows.length === 0;
    $("workflows-locked").textContent = connection() === "expired"
      ? "Reconnect " + name() + " to turn workflows on."
      : "Connect " + name() + " to turn workflows on.";
    var seen = {};
    workflows.forEach(function (workflow) {
      seen[workflow.id] = true;
      var row = rows[workflow.id];
      if (!row) {
        row = makeRow(workflow);
        rows[workflow.id] = row;
        list.appendChild(row.item);
      }
      row.workflow = workflow;
      row.name.textContent = workflow.description;
      if (row.toggle.getAttribute("aria-busy") !== "true") {
        row.toggle.setAttribute("aria-checked", String(!!workflow.enabled));
      }
      row.toggle.disabled = !connected;
      renderWorkflowSettings(row, connected);
    });
    Object.keys(rows).forEach(function (id) {
      if (!seen[id]) { rows[id].item.remove(); delete rows[id]; }
    });
  }

  function makeRow(workflow) {
    var id = "workflow-" + Object.keys(rows).length;
    var item = document.createElement("li");
    item.className = "workflow";
    var text = document.createElement("div");
    text.className = "workflow-text";
    var label = document.createElement("span");
    label.className = "workflow-name";
    label.id = id + "-name";
    var state = document.createElement("span");
    state.className = "workflow-state";
    state.id = id + "-state";
    state.setAttribute("role", "status");
    var info = document.createElement("span");
    info.className = "workflow-info";
    info.hidden = true;
    text.appendChild(label);
    text.appendChild(info);
    text.appendChild(state);
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "switch";
    toggle.setAttribute("role", "switch");
    toggle.setAttribute("aria-checked", "false");
    toggle.setAttribute("aria-labelledby", label.id);
    toggle.setAttribute("aria-describedby", state.id);
    toggle.dataset.workflowId = workflow.id;
    var settings = document.createElement("div");
    settings.className = "workflow-settings";
    settings.hidden = true;
    item.appendChild(text);
    item.appendChild(toggle);
    item.appendChild(settings);
    var row = { item: item, toggle: toggle, name: label, info: info, settings: settings, state: state, workflow: workflow };
    toggle.addEventListener("click", function () {
      if (toggle.getAttribute("aria-busy") === "true") return;
      setWorkflow(row, toggle.getAttribute("aria-checked") !== "true");
    });
    return row;
  }

  function setWorkflow(row, enable) {
    var toggle = row.toggle;
    var workflow = row.workflow;
    toggle.setAttribute("aria-busy", "true");
    toggle.setAttribute("aria-checked", String(enable));
    rowState(row, "", "Saving…");
    api(enable ? "POST" : "DELETE", "/workflows/" + encodeURIComponent(workflow.id))
      .then(function () {
        workflow.enabled = enable;
        rowState(row, "ok", "Saved");
        tell({ type: MESSAGE.workflowChanged, integrationId: integration.id, workflowId: workflow.id, workflowStateChange: { enabled: enable } });
      }, function (error) {
        toggle.setAttribute("aria-checked", String(!enable));
        console.warn("portal: the workflow change failed:", error.message);
        // A required setting not filled in: the platform says which, in words for the user.
        if (error.status === 422) return rowState(row, "error", error.message);
        rowState(row, "error", "Couldn't save this change. " + plain(error),
          sessionEnded(error) ? null : { label: "Try again", run: function () { setWorkflow(row, enable); } });
        if (sessionEnded(error)) notice("error", plain(error), [CLOSE]);
      })
      .then(function () { toggle.removeAttribute("aria-busy"); });
  }

  function rowState(row, kind, text, action) {
    row.state.dataset.kind = kind;
    row.state.textContent = text;
    if (action) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = action.label;
      button.addEventListener("click", action.run);
      row.state.appendChild(document.createTextNode(" "));
      row.state.appendChild(button);
    }
  }

  // ---- Loading the user's state ----

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
    focusOpening();
    refresh().then(function () { return preparing; }).then(function () {
      if (!moved()) focusOpening();
    });
  }
  window.addEventListener("message", onInit);

  // ---- Focus while the portal opens ----

  // The first sensible element: Connect once it can be pressed, else the heading, which names
  // the dialog (it is no Tab stop; the next Tab goes to the first control).
  function focusOpening() {
    var connect = $("connect");
    if (!connect.hidden && !connect.disabled) connect.focus();
    else $("title").focus();
  }
  // Whether the user has moved the focus since the portal opened.
  function moved() {
    var active = document.activeElement;
    return active !== $("title") && active !== body && active !== null;
  }
  // The SDK shows the frame and focuses it once the portal is ready; a focus given while the
  // frame was still hidden may not have held.
  window.addEventListener("focus", function () {
    if (port && !moved()) focusOpening();
  });

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
        loaded = true;
        if (!integration) {
          render();
          $("connect").hidden = true;
          notice("error", name() + " is not available in " + appName + " right now. Close this window and try again later.", [CLOSE]);
          return;
        }
        render();
        if (!keyed && !flow && !preparing && !waiting) return prepareFlow();
      }, function (error) {
        console.warn("portal: loading failed:", error.message);
        notice("error", "Couldn't load your " + name() + " connection. " + plain(error),
          sessionEnded(error) ? [CLOSE] : [retry(function () { clearNotice(); refresh(); }), CLOSE]);
      });
  }

  // Creates the flow that the next Connect uses (the popup must open inside the click, so the
  // flow cannot be created then).
  function prepareFlow() {
    preparing = api("POST", "/oauth/flows", { integration: integrationType, origin: appOrigin }).then(function (created) {
      flow = created;
    }, function (error) {
      console.warn("portal: preparing the connection failed:", error.message);
      notice("error", "Couldn't prepare the connection to " + name() + ". " + plain(error),
        sessionEnded(error) ? [CLOSE] : [retry(function () { clearNotice(); prepareFlow(); }), CLOSE]);
    }).then(function () {
      preparing = null;
      syncConnectButtons();
    });
    syncConnectButtons();
    return preparing;
  }

  // ---- Connecting ----

  function startConnect() {
    if (keyed) return openKeyForm();
    if (!flow || waiting) return;
    clearNotice();
    // Opened inside the click, so popup blockers let it through; on about:blank, under a name
    // of its own, so that the start form can be posted into it.
    var target = "paragon-oauth-" + flow.flowId;
    var popup = window.open("about:blank", target, "popup,width=600,height=720");
    if (!popup) {
      notice("error", "Your browser blocked " + name() + "'s window. Allow pop-ups for this page, then press Connect again.", []);
      return;
    }
    // A flow whose window looked closed but might still finish (see `watchPopup`) is given up
    // now: the user has chosen to start again.
    if (watched) abandon(watched);
    postStart(flow, target);
    watched = { id: flow.flowId, expiresAt: flow.expiresAt, popup: popup, timer: null };
    flow = null;
    waiting = true;
    render();
    $("cancel").focus();
    watchPopup(watched);
    checkFlow(watched, 25);
  }
  $("connect").addEventListener("click", startConnect);

  // ---- Connecting with a key or a password ----

  function openKeyForm() {
    clearNotice();
    asking = true;
    $("key-error").hidden = true;
    render();
    var first = $("key-form").querySelector("input");
    if (first) first.focus();
  }

  function closeKeyForm() {
    asking = false;
    render();
    focusConnect();
  }

  function keyError(text, input) {
    $("key-error").textContent = text;
    $("key-error").hidden = false;
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }

  function submitKeys(event) {
    event.preventDefault();
    if (waiting) return;
    var inputs = Array.prototype.slice.call($("key-form").querySelectorAll("input"));
    var fields = {};
    var empty = null;
    inputs.forEach(function (input) {
      input.removeAttribute("aria-invalid");
      fields[input.name] = input.value.trim();
      if (!empty && !fields[input.name]) empty = input;
    });
    if (empty) {
      var label = document.querySelector('label[for="' + empty.id + '"]');
      return keyError((label ? label.textContent : "Every field") + " is required.", empty);
    }
    $("key-error").hidden = true;
    $("key-submit").disabled = true;
    $("key-submit").textContent = "Checking…";
    $("status").textContent = "Checking your credentials with " + name() + "…";
    api("POST", "/integrations/" + encodeURIComponent(integrationType) + "/credential", { fields: fields })
      .then(function (credential) {
        inputs.forEach(function (input) { input.value = ""; });
        asking = false;
        return refresh().then(function () {
          tell({ type: MESSAGE.installed, integrationId: integration.id, integrationType: integrationType, credentialId: credential.id });
          notice("ok", name() + " is connected. Turn on the workflows you want in Configuration.", [
            { id: "configure", label: "Open Configuration", run: function () { selectTab("configuration", true); } },
          ]);
        });
      }, function (error) {
        // A 422 is the platform's words for this person (a missing field, or the provider
        // refused the key); anything else is told plainly.
        keyError(error.status === 422 ? error.message : plain(error), inputs[0]);
      })
      .then(function () {
        $("key-submit").disabled = false;
        $("key-submit").textContent = "Connect";
      });
  }

  if (keyed) {
    $("key-form").addEventListener("submit", submitKeys);
    $("key-cancel").addEventListener("click", closeKeyForm);
    $("key-form").addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.stopPropagation();
        closeKeyForm();
      }
    });
  }

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

  // Notices the user closing the provider's window. `popup.closed` stays truthful through the
  // popup's navigations here (the platform's pages and the sandbox send no
  // Cross-Origin-Opener-Policy, and the popup cutting its own `window.opener` does not cut
  // this side's reference). A provider page with COOP `same-origin` would cut it, and
  // `closed` then reads true while the window is still open; so a closed window only brings
  // Connect back, and the flow is still read until it ends or a new Connect replaces it: a
  // consent given in a window that only looked closed still connects.
  function watchPopup(w) {
    w.timer = setInterval(function () {
      var closed;
      try { closed = w.popup.closed; } catch (e) { closed = true; }
      if (!closed) return;
      clearInterval(w.timer);
      w.timer = null;
      if (w !== watched || !waiting) return;
      // One look without waiting: the callback page closes the window itself when it is done.
      api("GET", "/oauth/flows/" + encodeURIComponent(w.id) + "?wait=0").then(function (state) {
        if (w !== watched || !waiting) return;
        if (state.status !== "pending") return finish(w, state);
        waiting = false;
        render();
        notice("info", name() + "'s window was closed before the connection finished. Connect again when you are ready.", []);
        if (!flow && !preparing) prepareFlow();
        focusConnect();
      }, function () { /* the long-poll reports errors */ });
    }, 400);
  }

  // Long-polls the flow: completion comes from here alone (the popup has no opener).
  function checkFlow(w, wait) {
    api("GET", "/oauth/flows/" + encodeURIComponent(w.id) + "?wait=" + wait)
      .then(function (state) {
        if (w !== watched) return;
        if (state.status === "pending") {
          if (Date.now() / 1000 < w.expiresAt + 5) checkFlow(w, 25);
          else if (waiting) finish(w, { status: "failed", error: null });
          return;
        }
        finish(w, state);
      }, function (error) {
        if (w !== watched) return;
        console.warn("portal: reading the connection failed:", error.message);
        if (!waiting) return;
        notice("error", "We lost track of the connection to " + name() + ". " + plain(error),
          sessionEnded(error) ? [CLOSE] : [retry(function () { clearNotice(); checkFlow(w, 0); })]);
      });
  }

  // The flow ended: say how, in the portal's own words, with the way forward.
  function finish(w, state) {
    if (w.timer) clearInterval(w.timer);
    watched = null;
    waiting = false;
    if (state.status === "done") {
      clearNotice();
      return refresh().then(function () {
        tell({ type: MESSAGE.installed, integrationId: integration.id, integrationType: integrationType, credentialId: state.credentialId });
        notice("ok", name() + " is connected. Turn on the workflows you want in Configuration.", [
          { id: "configure", label: "Open Configuration", run: function () { selectTab("configuration", true); } },
        ]);
      });
    }
    render();
    var denied = state.reason === "denied";
    if (denied) {
      notice("info", "You cancelled the connection to " + name() + ". Connect again when you are ready.", []);
      tell({ type: MESSAGE.error, integrationType: integrationType, reason: "denied", message: "The user cancelled the connection on " + name() + "'s page." });
    } else {
      // The platform's words are written for the popup ("close this window"); the portal
      // keeps only the reference that support can look up.
      var reference = /\(reference ([A-Za-z0-9-]+)\)\s*$/.exec(state.error || "");
      notice("error", name() + " could not be connected. Press Connect to try again; if it keeps failing, contact " + appName + "'s support.",
        [], reference && reference[1]);
      tell({ type: MESSAGE.error, integrationType: integrationType, message: state.error || "The connection was not completed." });
    }
    if (!flow && !preparing) prepareFlow();
    focusConnect();
  }

  // After an outcome that brings Connect back: focus it once it can be used, so that Enter
  // (or Space) is the way forward.
  function focusConnect() {
    if (keyed) return $("connect").focus();
    if (preparing) preparing.then(function () { if (flow) $("connect").focus(); });
    else if (flow) $("connect").focus();
  }

  // Moves focus to the notice's first way forward (once it can be used).
  function focusFirstAction() {
    var first = document.querySelector("#notice-actions button");
    if (!first) return;
    if (first.disabled && preparing) preparing.then(function () { first.focus(); });
    else first.focus();
  }

  // Ends a flow the user gave up on, so that a consent given later in its window stores nothing.
  function abandon(w, keepalive) {
    if (w.timer) clearInterval(w.timer);
    api("DELETE", "/oauth/flows/" + encodeURIComponent(w.id), undefined, { keepalive: !!keepalive })
      .catch(function (error) { console.warn("portal: ending the flow failed:", error.message); });
    try { w.popup.close(); } catch (e) { /* a window of another group */ }
  }

  $("cancel").addEventListener("click", function () {
    if (!watched) return;
    abandon(watched);
    watched = null;
    waiting = false;
    render();
    if (!flow && !preparing) prepareFlow();
    focusConnect();
  });

  // ---- The connection's menu and Disconnect ----

  function menuOpen() { return !$("account-menu").hidden; }
  function openMenu() {
    $("account-menu").hidden = false;
    $("account-menu-button").setAttribute("aria-expanded", "true");
    $("disconnect").focus();
  }
  function closeMenu(refocus) {
    if (!menuOpen()) return;
    $("account-menu").hidden = true;
    $("account-menu-button").setAttribute("aria-expanded", "false");
    if (refocus) $("account-menu-button").focus();
  }
  $("account-menu-button").addEventListener("click", function () {
    if (menuOpen()) closeMenu(true); else openMenu();
  });
  $("account-menu-button").addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") { event.preventDefault(); openMenu(); }
  });
  $("account-menu").addEventListener("keydown", function (event) {
    var items = Array.prototype.slice.call($("account-menu").querySelectorAll('[role="menuitem"]'));
    var at = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      items[(at + step + items.length) % items.length].focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      items[event.key === "Home" ? 0 : items.length - 1].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      closeMenu(true);
    } else if (event.key === "Tab") {
      closeMenu(false);
    }
  });
  document.addEventListener("click", function (event) {
    if (menuOpen() && !event.target.closest(".menu-wrap")) closeMenu(false);
  });

  $("disconnect").addEventListener("click", function () {
    closeMenu(false);
    clearNotice();
    $("confirm").hidden = false;
    $("confirm-cancel").focus();
  });

  function hideConfirm(refocus) {
    if ($("confirm").hidden) return;
    $("confirm").hidden = true;
    if (refocus && !$("connected").hidden) $("account-menu-button").focus();
  }
  $("confirm-cancel").addEventListener("click", function () { hideConfirm(true); });

  function disconnect() {
    if (!integration) return;
    var confirmButton = $("confirm-disconnect");
    confirmButton.disabled = true;
    $("confirm-cancel").disabled = true;
    api("DELETE", "/integrations/" + encodeURIComponent(integration.id))
      .then(function () {
        hideConfirm(false);
        tell({ type: MESSAGE.uninstalled, integrationId: integration.id, integrationType: integrationType });
        return refresh().then(function () {
          notice("ok", name() + " is disconnected. Connect again at any time.", []);
          if (!$("connect").disabled) $("connect").focus();
        });
      }, function (error) {
        console.warn("portal: disconnecting failed:", error.message);
        hideConfirm(false);
        notice("error", "Couldn't disconnect " + name() + ". " + plain(error),
          sessionEnded(error) ? [CLOSE] : [retry(function () { clearNotice(); disconnect(); }), CLOSE]);
        focusFirstAction();
      })
      .then(function () {
        confirmButton.disabled = false;
        $("confirm-cancel").disabled = false;
      });
  }
  $("confirm-disconnect").addEventListener("click", disconnect);

  // ---- Closing ----

  // Tells the SDK to remove the portal. A connection still in progress is abandoned first,
  // so that its window cannot connect an account the app no longer waits for.
  function closePortal() {
    if (watched) {
      abandon(watched, true);
      watched = null;
      waiting = false;
    }
    tell({ type: MESSAGE.close });
  }
  $("close").addEventListener("click", closePortal);
  portalDialog.init($("portal"), { dismiss: closePortal });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    if (menuOpen()) { closeMenu(true); return; }
    if (!$("confirm").hidden) { hideConfirm(true); return; }
    closePortal();
  });

  // ---- Tabs: arrows, Home and End move between them (WAI-ARIA tabs, automatic activation) ----

  var TABS = ["overview", "configuration"];
  function selectTab(which, focus) {
    // "Connected: turn on workflows in Configuration" has done its job once a tab is chosen.
    if ($("notice").dataset.kind === "ok") clearNotice();
    TABS.forEach(function (other) {
      var tab = $("tab-" + other);
      var selected = other === which;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      $("panel-" + other).hidden = !selected;
    });
    if (focus) $("tab-" + which).focus();
  }
  TABS.forEach(function (which, index) {
    var tab = $("tab-" + which);
    tab.addEventListener("click", function () { selectTab(which, false); });
    tab.addEventListener("keydown", function (event) {
      var next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: TABS.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      selectTab(TABS[(next + TABS.length) % TABS.length], true);
    });
  });
})();
