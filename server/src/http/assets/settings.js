// The user settings' forms of the Connect Portal: the integration's shared settings and each
// workflow's own, as the platform describes them (`/sdk/integrations`' inputs, Paragon's
// shape: TEXT_NO_VARS, NUMBER, BOOLEAN_INPUT, ENUM, DYNAMIC_ENUM). portal.js owns the page and
// the calls; this file builds a form into a holder and reads it back. A form is rebuilt only
// when its inputs change, so a re-render never wipes what the user is typing.
var portalSettings = (function () {
  "use strict";

  var counter = 0;

  // One input's label, control and hint; `read()` gives its value (null when empty).
  function field(input, value, load) {
    if (input.type === "FIELD_MAPPER") return mapper(input, value, load);
    var id = "setting-" + (++counter);
    var wrap = document.createElement("div");
    wrap.className = "field";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = input.title + (input.required ? " (required)" : "");
    var hint = null;
    if (input.tooltip) {
      hint = document.createElement("p");
      hint.className = "hint";
      hint.id = id + "-hint";
      hint.textContent = input.tooltip;
    }
    var control;
    var extra = null;
    if (input.type === "BOOLEAN_INPUT") {
      wrap.classList.add("check");
      control = document.createElement("input");
      control.type = "checkbox";
    } else if (input.type === "ENUM" || input.type === "DYNAMIC_ENUM") {
      control = document.createElement("select");
    } else {
      control = document.createElement("input");
      control.type = input.type === "NUMBER" ? "number" : "text";
      if (input.type === "NUMBER") control.step = "any";
      else control.maxLength = 1000;
    }
    control.id = id;
    control.dataset.setting = input.id;
    if (input.required) control.setAttribute("aria-required", "true");
    if (hint) control.setAttribute("aria-describedby", hint.id);
    if (input.type === "BOOLEAN_INPUT") {
      wrap.appendChild(control);
      wrap.appendChild(label);
    } else {
      wrap.appendChild(label);
      wrap.appendChild(control);
    }
    if (hint) wrap.appendChild(hint);

    var f = { input: input, element: wrap, control: control, dirty: false };
    control.addEventListener("input", function () { f.dirty = true; });
    control.addEventListener("change", function () { f.dirty = true; });

    if (input.type === "ENUM") {
      options(control, input.values || [], input.required);
    } else if (input.type === "DYNAMIC_ENUM") {
      // The search box first: it narrows the list below it.
      extra = dynamic(f, load);
      wrap.insertBefore(extra, control);
    }
    f.set = function (next) {
      if (input.type === "BOOLEAN_INPUT") control.checked = next === true;
      else if (input.type === "DYNAMIC_ENUM") f.choose(next);
      else control.value = next === null || next === undefined ? "" : String(next);
    };
    f.read = function () {
      if (input.type === "BOOLEAN_INPUT") return control.checked;
      var text = control.value;
      if (text === "") return null;
      if (input.type === "NUMBER") return Number(text);
      return text;
    };
    f.set(value);
    return f;
  }

  // Replaces a select's options: an empty choice first, then `choices` ({value, label}).
  function options(select, choices, required) {
    var keep = select.value;
    select.textContent = "";
    var none = document.createElement("option");
    none.value = "";
    none.textContent = required ? "Choose…" : "None";
    select.appendChild(none);
    choices.forEach(function (choice) {
      var option = document.createElement("option");
      option.value = choice.value;
      option.textContent = choice.label;
      select.appendChild(option);
    });
    select.value = keep;
  }

  // A dynamic dropdown: its choices come from the user's account, a page at a time, filtered
  // by a search box. The saved value stays a choice even before its page is loaded.
  function dynamic(f, load) {
    var box = document.createElement("div");
    box.className = "dynamic";
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = "Search";
    search.setAttribute("aria-label", "Search " + f.input.title);
    var more = document.createElement("button");
    more.type = "button";
    more.className = "secondary small";
    more.textContent = "Show more";
    more.hidden = true;
    var note = document.createElement("p");
    note.className = "hint";
    note.setAttribute("role", "status");
    box.appendChild(search);
    box.appendChild(more);
    box.appendChild(note);
    var choices = [];
    var saved = null;
    var cursor = null;
    var query = "";
    var timer = null;
    function show() {
      var list = choices.slice();
      if (saved && !list.some(function (c) { return c.value === saved; })) list.unshift({ value: saved, label: saved });
      options(f.control, list, f.input.required);
      if (!f.dirty) f.control.value = saved || "";
    }
    function fetchPage(append) {
      note.textContent = "Loading…";
      load(f.input.sourceType, query, append ? cursor : null).then(function (page) {
        choices = append ? choices.concat(page.data || []) : (page.data || []);
        cursor = page.nextPageCursor || null;
        more.hidden = !cursor;
        note.textContent = choices.length ? "" : "Nothing to choose from" + (query ? " for “" + query + "”." : ".");
        show();
      }, function (error) {
        note.textContent = "Couldn't load the choices. " + error.text;
        more.hidden = true;
      });
    }
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { query = search.value.trim(); fetchPage(false); }, 300);
    });
    more.addEventListener("click", function () { fetchPage(true); });
    f.choose = function (value) {
      saved = typeof value === "string" && value ? value : null;
      show();
    };
    f.start = function () { if (!f.started) { f.started = true; fetchPage(false); } };
    f.lock = function (locked) {
      search.disabled = locked;
      more.disabled = locked;
      if (!locked) f.start();
    };
    return box;
  }

  // What a field shows: the user's saved value, else the setting's default.
  function shown(input, values) {
    var saved = (values || {})[input.id];
    return saved === undefined || saved === null ? input.defaultValue : saved;
  }

  // A field mapping: for each of the app's fields, the provider's property it goes to, chosen
  // from the properties the user's account has (loaded once, for every row). Its value is an
  // object of field to property; a field left on "Don't send" is not in it.
  function mapper(input, value, load) {
    var set = document.createElement("fieldset");
    set.className = "field mapping";
    var legend = document.createElement("legend");
    legend.textContent = input.title + (input.required ? " (required)" : "");
    set.appendChild(legend);
    if (input.tooltip) {
      var hint = document.createElement("p");
      hint.className = "hint";
      hint.textContent = input.tooltip;
      set.appendChild(hint);
    }
    var note = document.createElement("p");
    note.className = "hint";
    note.setAttribute("role", "status");
    var rows = (input.fields || []).map(function (appField) {
      var id = "setting-" + (++counter);
      var row = document.createElement("div");
      row.className = "mapping-row";
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = appField.label;
      var select = document.createElement("select");
      select.id = id;
      select.dataset.field = appField.id;
      row.appendChild(label);
      row.appendChild(select);
      set.appendChild(row);
      return { field: appField.id, select: select };
    });
    set.appendChild(note);
    var f = { input: input, element: set, control: set, dirty: false, saved: {} };
    rows.forEach(function (row) {
      row.select.addEventListener("change", function () { f.dirty = true; });
    });
    var properties = [];
    function show() {
      rows.forEach(function (row) {
        var chosen = f.saved[row.field];
        var list = properties.slice();
        if (chosen && !list.some(function (p) { return p.value === chosen; })) list.unshift({ value: chosen, label: chosen });
        var keep = row.select.value;
        options(row.select, list, false);
        row.select.options[0].textContent = "Don't send";
        row.select.value = f.dirty ? keep : chosen || "";
      });
    }
    f.set = function (next) {
      f.saved = next && typeof next === "object" ? next : {};
      show();
    };
    f.read = function () {
      var mapped = {};
      rows.forEach(function (row) { if (row.select.value) mapped[row.field] = row.select.value; });
      return mapped;
    };
    f.lock = function (locked) {
      rows.forEach(function (row) { row.select.disabled = locked; });
      if (locked || f.started) return;
      f.started = true;
      note.textContent = "Loading…";
      (function page(cursor) {
        load(input.sourceType, "", cursor).then(function (answer) {
          properties = properties.concat(answer.data || []);
          if (answer.nextPageCursor) return page(answer.nextPageCursor);
          note.textContent = "";
          show();
        }, function (error) {
          note.textContent = "Couldn't load the properties. " + error.text;
        });
      })(null);
    };
    // The form sets `disabled` on each field's control; a fieldset disables its selects.
    f.set(value);
    return f;
  }

  // Builds (or updates) the form of `spec` in `holder`:
  // { inputs, values, disabled, save(values) -> Promise, load(source, search, cursor) -> Promise }.
  function render(holder, spec) {
    var signature = JSON.stringify(spec.inputs);
    var state = holder.portalForm;
    if (!state || state.signature !== signature) {
      holder.textContent = "";
      state = { signature: signature, fields: [] };
      holder.portalForm = state;
      var form = document.createElement("form");
      form.className = "settings-form";
      form.noValidate = true;
      spec.inputs.forEach(function (input) {
        var f = field(input, shown(input, spec.values), spec.load);
        state.fields.push(f);
        form.appendChild(f.element);
      });
      var footer = document.createElement("div");
      footer.className = "settings-footer";
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "primary small";
      button.textContent = "Save";
      var status = document.createElement("p");
      status.className = "settings-status";
      status.setAttribute("role", "status");
      footer.appendChild(button);
      footer.appendChild(status);
      form.appendChild(footer);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var values = {};
        state.fields.forEach(function (f) { values[f.input.id] = f.read(); });
        button.disabled = true;
        status.dataset.kind = "";
        status.textContent = "Saving…";
        state.spec.save(values).then(function () {
          state.fields.forEach(function (f) { f.dirty = false; });
          status.dataset.kind = "ok";
          status.textContent = "Saved";
        }, function (error) {
          status.dataset.kind = "error";
          status.textContent = error.text;
        }).then(function () { button.disabled = !!state.spec.disabled; });
      });
      state.button = button;
      holder.appendChild(form);
    }
    state.spec = spec;
    state.button.disabled = !!spec.disabled;
    state.fields.forEach(function (f) {
      if (!f.dirty) f.set(shown(f.input, spec.values));
      f.control.disabled = !!spec.disabled;
      if (f.lock) f.lock(!!spec.disabled);
    });
  }

  return { render: render };
})();
