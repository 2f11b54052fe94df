// Friendly editor of a criterion's quantitative rule (progressive enhancement).
//
// Each <textarea data-rule-input> of the criteria form holds the rule as JSON (format in
// criteria/rules.py). This script puts a form in front of it — choose the basic-info field, then
// bands (numbers), one score per choice (choice fields) or keywords (text fields) — and writes the
// JSON back into the textarea on every change, sorted. The server (rule_validate) stays the only
// judge: the editor never refuses input, it only shapes it. Without JavaScript the textarea works.
(function () {
  "use strict";
  var configNode = document.getElementById("rule-editor-config");
  if (!configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var T = config.text;
  var FIELDS = {};
  config.fields.forEach(function (f) { FIELDS[f.code] = f; });

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function numberOrText(raw) {
    var text = String(raw || "").replace(/[,，\s]/g, "");
    return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  }

  function smallInput(cls, value, label, testid) {
    return el("input", {
      type: "text", inputmode: "decimal", "class": "form-control " + cls, value: value === undefined ? "" : String(value),
      "aria-label": label, "data-testid": testid
    });
  }

  function Editor(textarea) {
    this.textarea = textarea;
    this.container = textarea.parentElement;
    this.root = el("div", { "class": "rule-editor border rounded p-2 mb-1 bg-light", "data-testid": "rule-editor" });
    this.select = el("select", { "class": "form-select form-select-sm mb-1", "data-testid": "rule-field", "aria-label": T.rule });
    this.select.appendChild(el("option", { value: "", text: T.none }));
    var self = this;
    config.fields.forEach(function (f) {
      self.select.appendChild(el("option", { value: f.code, text: f.label + (f.unit ? "（" + f.unit + "）" : "") }));
    });
    this.body = el("div", { "class": "rule-body" });
    this.note = el("div", { "class": "small text-warning", text: T.unparsable, hidden: "" });
    this.toggle = el("button", { type: "button", "class": "btn btn-link btn-sm p-0", text: T.showJson });
    this.root.appendChild(el("div", { "class": "small fw-semibold", text: T.rule }));
    [this.select, this.body, this.note, this.toggle].forEach(function (n) { self.root.appendChild(n); });
    this.label = this.container.querySelector("label[for='" + textarea.id + "']");
    this.help = this.container.querySelector(".form-text");
    textarea.parentElement.insertBefore(this.root, textarea);

    this.select.addEventListener("change", function () { self.raw = false; self.build(self.select.value, null); self.write(); });
    this.root.addEventListener("input", function (event) {
      if (event.target !== self.select) { self.raw = false; self.write(); }
    });
    this.toggle.addEventListener("click", function () { self.showJson(self.textarea.hidden); });
    textarea.addEventListener("change", function () { self.load(); });
    this.load();
  }

  Editor.prototype.showJson = function (show) {
    this.textarea.hidden = !show;
    if (this.label) { this.label.hidden = !show; }
    if (this.help) { this.help.hidden = !show; }
    this.toggle.textContent = show ? T.hideJson : T.showJson;
  };

  // Read the textarea's JSON into the editor; anything it cannot show stays as raw JSON.
  Editor.prototype.load = function () {
    var text = this.textarea.value.trim();
    var rule = null;
    this.raw = false;
    if (text) {
      try { rule = JSON.parse(text); } catch (e) { rule = undefined; }
      if (!this.fits(rule)) { rule = undefined; }
    }
    if (rule === undefined) {
      this.raw = true;  // keep the user's text untouched until they use the editor
      this.select.value = "";
      this.build("", null);
      this.note.hidden = false;
      this.showJson(true);
      return;
    }
    this.note.hidden = true;
    this.select.value = rule ? rule.field : "";
    this.build(this.select.value, rule);
    this.showJson(false);
  };

  Editor.prototype.fits = function (rule) {
    if (!rule || typeof rule !== "object" || !FIELDS[rule.field]) { return false; }
    var kind = FIELDS[rule.field].kind;
    if (kind === "number") {
      if (!Array.isArray(rule.bands) || !rule.bands.length) { return false; }
      var bounds = rule.bands.map(function (b) { return "min" in b ? "min" : "max" in b ? "max" : "?"; });
      return bounds.every(function (b) { return b === bounds[0] && b !== "?"; });
    }
    if (kind === "choice") { return rule.map && typeof rule.map === "object"; }
    return Array.isArray(rule.keywords);
  };

  Editor.prototype.build = function (code, rule) {
    var body = this.body;
    var self = this;
    body.textContent = "";
    this.rows = this.sortedRows = this.direction = null;
    if (!code) { return; }
    var field = FIELDS[code];
    if (field.kind === "choice") {
      var map = (rule && rule.map) || {};
      field.choices.forEach(function (choice) {
        var value = map[choice[0]] !== undefined ? map[choice[0]] : map[choice[1]];
        var input = smallInput("rule-choice-score", value, choice[1], "rule-choice-" + choice[0]);
        input.dataset.choice = choice[0];
        body.appendChild(el("div", { "class": "input-group input-group-sm mb-1" }, [
          el("span", { "class": "input-group-text flex-grow-1", text: choice[1] + " →" }), input,
          el("span", { "class": "input-group-text", text: T.points })
        ]));
      });
      body.appendChild(el("div", { "class": "form-text", text: T.choiceHint }));
      return;
    }
    if (field.kind === "number") {
      var direction = rule && rule.bands.length && "max" in rule.bands[0] ? "max" : "min";
      this.direction = el("select", { "class": "form-select form-select-sm mb-1", "data-testid": "rule-direction" }, [
        el("option", { value: "min", text: T.higher }), el("option", { value: "max", text: T.lower })
      ]);
      this.direction.value = direction;
      this.direction.addEventListener("change", function () { self.relabel(); self.write(); });
      body.appendChild(this.direction);
    }
    this.rows = el("div", { "class": "rule-rows" });
    body.appendChild(this.rows);
    var items = rule ? (field.kind === "number" ? rule.bands : rule.keywords) : [];
    if (!items.length) { items = [{}]; }
    items.forEach(function (item) { self.addRow(item); });
    var add = el("button", {
      type: "button", "class": "btn btn-sm btn-outline-secondary mb-1", "data-testid": "rule-add-band",
      text: "+ " + (field.kind === "number" ? T.add : T.addKeyword)
    });
    add.addEventListener("click", function () { self.addRow({}); });
    body.appendChild(add);
    this.defaultInput = smallInput("rule-default", rule && rule.default, T.other, "rule-default");
    body.appendChild(el("div", { "class": "input-group input-group-sm" }, [
      el("span", { "class": "input-group-text flex-grow-1", text: T.other + " →" }), this.defaultInput,
      el("span", { "class": "input-group-text", text: T.points })
    ]));
    body.appendChild(el("div", { "class": "form-text", text: T.otherHint }));
  };

  Editor.prototype.addRow = function (item) {
    var field = FIELDS[this.select.value];
    var self = this;
    var first;
    var unit = el("span", { "class": "input-group-text", text: field.unit || "" });
    if (field.kind === "number") {
      var bound = "min" in item ? item.min : item.max;
      first = [el("span", { "class": "input-group-text rule-op" }), smallInput("rule-bound", bound, field.label, "rule-bound")];
      if (field.unit) { first.push(unit); }
    } else {
      var text = el("input", { type: "text", "class": "form-control rule-keyword", value: item.text || "", "aria-label": T.contains, "data-testid": "rule-keyword" });
      first = [el("span", { "class": "input-group-text", text: T.contains }), text];
    }
    var remove = el("button", { type: "button", "class": "btn btn-outline-danger", title: T.remove, "aria-label": T.remove, "data-testid": "rule-remove-band", text: "×" });
    var row = el("div", { "class": "input-group input-group-sm mb-1 rule-row" }, first.concat([
      el("span", { "class": "input-group-text", text: "→" }),
      smallInput("rule-score", item.score, T.points, "rule-score"),
      el("span", { "class": "input-group-text", text: T.points }), remove
    ]));
    remove.addEventListener("click", function () { row.remove(); self.raw = false; self.write(); });
    this.rows.appendChild(row);
    this.relabel();
  };

  Editor.prototype.relabel = function () {
    var op = this.direction && this.direction.value === "max" ? "≤" : "≥";
    this.rows.querySelectorAll(".rule-op").forEach(function (span) { span.textContent = op; });
  };

  // The rule as the server expects it; bands sorted so that the first matching band is the best.
  Editor.prototype.rule = function () {
    var code = this.select.value;
    if (!code) { return null; }
    var field = FIELDS[code];
    var rule = { field: code };
    if (field.kind === "choice") {
      rule.map = {};
      this.body.querySelectorAll(".rule-choice-score").forEach(function (input) {
        if (input.value.trim()) { rule.map[input.dataset.choice] = numberOrText(input.value); }
      });
      return rule;
    }
    var rows = [];
    this.rows.querySelectorAll(".rule-row").forEach(function (row) {
      var score = row.querySelector(".rule-score").value.trim();
      var key = field.kind === "number" ? row.querySelector(".rule-bound").value.trim() : row.querySelector(".rule-keyword").value.trim();
      if (score || key) { rows.push({ row: row, key: key, score: score }); }
    });
    if (field.kind === "number") {
      var bound = this.direction.value;
      var sign = bound === "min" ? -1 : 1;  // ≥: highest bound first; ≤: lowest bound first
      rows.sort(function (a, b) {
        var x = numberOrText(a.key), y = numberOrText(b.key);
        if (typeof x !== "number" || typeof y !== "number") { return (typeof x !== "number") - (typeof y !== "number"); }
        return sign * (x - y);
      });
      rule.bands = rows.map(function (r) {
        var band = {};
        band[bound] = numberOrText(r.key);
        band.score = numberOrText(r.score);
        return band;
      });
    } else {
      rule.keywords = rows.map(function (r) { return { text: r.key, score: numberOrText(r.score) }; });
    }
    this.sortedRows = rows.map(function (r) { return r.row; });
    if (this.defaultInput.value.trim()) { rule["default"] = numberOrText(this.defaultInput.value); }
    return rule;
  };

  Editor.prototype.write = function () {
    if (this.raw) { return; }
    var rule = this.rule();
    this.textarea.value = rule ? JSON.stringify(rule) : "";
    this.note.hidden = true;
  };

  // On save: show the bands in the order they are stored.
  Editor.prototype.sortRows = function () {
    if (this.raw || !this.select.value) { return; }
    this.write();
    var rows = this.rows;
    if (rows && this.sortedRows) { this.sortedRows.forEach(function (row) { rows.appendChild(row); }); }
  };

  var editors = [];
  function enhance(scope) {
    scope.querySelectorAll("textarea[data-rule-input]").forEach(function (textarea) {
      if (textarea.dataset.ruleEditor) { return; }
      textarea.dataset.ruleEditor = "on";
      editors.push(new Editor(textarea));
    });
  }
  document.querySelectorAll(".criteria-form").forEach(function (form) {
    enhance(form);
    form.querySelectorAll("[data-rule-help]").forEach(function (help) { help.hidden = true; });
    form.querySelectorAll(".criterion-rows").forEach(function (rows) {
      new MutationObserver(function () { enhance(rows); }).observe(rows, { childList: true });
    });
    form.addEventListener("submit", function () { editors.forEach(function (e) { e.sortRows(); }); });
  });
})();
