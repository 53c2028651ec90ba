/* Curation admin: the unit follows the chosen quantity; a study's new figure rows show the number
   ("#") that "compared with #" refers to, and one button adds a treated/control pair; every search
   box (a paper, an electrolyte, an author) is named for screen readers. Works on the study page's
   figure rows and on a single figure's page; without JavaScript the form works the same, less the
   pair button and the values a new row takes from others. */
(function () {
  "use strict";

  var FIGURES = ".atlas-measurements";
  // A pair's control row follows its treated row in these fields until the curator changes them
  // in the control row: the same quantity, read in the same place, under the same test conditions.
  var FOLLOWS = [
    "quantity",
    "locator",
    "source",
    "source_url",
    "source_kind",
    "temperature_c",
    "stack_pressure_mpa",
    "current_density_ma_cm2",
    "areal_capacity_mah_cm2",
    "cell_type",
  ];
  // Where a figure was read: a new figure takes it from its neighbour (takeWhereRead).
  var READ_WHERE = ["source", "source_url", "source_kind"];

  function unitCell(select) {
    var row = select.closest("tr") || select.closest("fieldset") || document;
    return row.querySelector(".field-unit p") || row.querySelector(".field-unit .readonly");
  }

  function showUnit(select) {
    var units = JSON.parse(select.dataset.units || "{}");
    var cell = unitCell(select);
    if (cell) cell.textContent = units[select.value] || "—";
  }

  // -- a study's figure rows ----------------------------------------------------------------

  function figureRows() {
    return Array.prototype.filter.call(
      document.querySelectorAll(FIGURES + " tr.form-row"),
      function (row) {
        return !row.classList.contains("empty-form") && !row.id.endsWith("-empty");
      }
    );
  }

  function isNew(row) {
    return !row.classList.contains("has_original");
  }

  function field(row, name) {
    return row.querySelector("[name$='-" + name + "']");
  }

  function numberCell(row) {
    return row.querySelector("td.field-number p");
  }

  // A field's value in the blank row new rows are copied from: what the server compares it with.
  function blankValue(input) {
    var key = input.name.replace(/^.*-/, "");
    var template = document.querySelector(FIGURES + " tr.empty-form [name$='-" + key + "']");
    return template ? template.value : "";
  }

  // Whether a field of a new row still holds what it started with, or what the page put in it.
  function untouched(row, input) {
    var key = input.name.replace(/^.*-/, "");
    var put = row.atlasPut || {};
    return key in put ? input.value === put[key] : input.value === blankValue(input);
  }

  function put(row, input, value) {
    var key = input.name.replace(/^.*-/, "");
    row.atlasPut = row.atlasPut || {};
    row.atlasPut[key] = value;
    if (input.value === value) return;
    input.value = value;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // New rows are numbered after the highest saved number, in order, blank rows included: the
  // formset reads "compared with #" by the same rule. When a new row is removed, the rows after
  // it move up, and a "compared with #" naming one of them follows it.
  var numbered = {};

  function numberNewRows() {
    var rows = figureRows();
    var highest = 0;
    rows.forEach(function (row) {
      var n = parseInt((numberCell(row) || {}).textContent, 10);
      if (!isNew(row) && !isNaN(n)) highest = Math.max(highest, n);
    });
    var next = highest;
    var now = {};
    rows.forEach(function (row) {
      if (!isNew(row) || !numberCell(row)) return;
      next += 1;
      row.classList.add("atlas-new");
      row.dataset.number = String(next);
      numberCell(row).textContent = next + " (new)";
      now[next] = row;
    });
    rows.forEach(function (row) {
      var input = field(row, "control_position");
      var named = input && numbered[input.value];
      if (!named || named === now[input.value]) return;
      input.value = named.isConnected ? named.dataset.number : "";
      if (row.atlasPut) row.atlasPut.control_position = input.value;
    });
    numbered = now;
  }

  // A new figure is read where its neighbour was (the nearest figure above it, else below it),
  // until the curator says otherwise; a study's first, where its figures were curated from.
  function takeWhereRead(row) {
    var inputs = READ_WHERE.map(function (name) {
      return field(row, name);
    });
    if (!isNew(row) || inputs.some(function (input) { return !input || !untouched(row, input); })) return;
    var rows = figureRows();
    var at = rows.indexOf(row);
    var neighbours = rows.slice(0, at).reverse().concat(rows.slice(at + 1));
    var near = neighbours.filter(function (other) {
      return field(other, "quantity") && field(other, "quantity").value;
    })[0];
    if (near) {
      READ_WHERE.forEach(function (name, i) {
        put(row, inputs[i], field(near, name).value);
      });
      return;
    }
    var study = document.getElementById("id_figures_source");
    var source = inputs[0];
    if (study && study.value && source.querySelector("option[value='" + study.value + "']")) {
      put(row, source, study.value);
    }
  }

  // A figure read in the abstract is located there.
  function locateInAbstract(row) {
    var locator = field(row, "locator");
    if (!isNew(row) || !locator || !untouched(row, locator)) return;
    put(row, locator, field(row, "source").value === "abstract" ? "abstract" : "");
  }

  function follow(treated, name) {
    var control = treated.atlasControl;
    if (!control || !control.isConnected) return;
    var from = field(treated, name);
    var to = field(control, name);
    if (from && to && untouched(control, to)) put(control, to, from.value);
  }

  // The folded part's summary names what it holds, so that a closed row still shows it.
  function digest(row) {
    var shown = row.querySelector(".atlas-fold-digest");
    if (!shown) return;
    var parts = [];
    row.querySelectorAll(".atlas-fold-field").forEach(function (item) {
      var input = item.querySelector("input, select, textarea");
      if (!input || !input.value || input.type === "url") return;
      var label = item.querySelector("label");
      if (input.tagName === "SELECT") {
        parts.push(input.options[input.selectedIndex].text);
      } else if (input.type === "number") {
        var unit = label && /\(([^)]+)\)/.exec(label.textContent);
        parts.push(String(Number(input.value)) + (unit ? "\u00a0" + unit[1] : ""));
      } else {
        parts.push(input.value.length > 40 ? input.value.slice(0, 39) + "…" : input.value);
      }
    });
    shown.textContent = parts.length ? "— " + parts.join(" · ") : "";
  }

  // A row added from the blank template names its fields' help texts by its own index.
  function fixDescriptions(row) {
    var index = row.id.replace(/^.*-/, "");
    row.querySelectorAll("[aria-describedby*='__prefix__']").forEach(function (input) {
      input.setAttribute("aria-describedby", input.getAttribute("aria-describedby").replace("__prefix__", index));
    });
  }

  function lastRow() {
    var rows = figureRows();
    return rows[rows.length - 1];
  }

  // Two new rows, paired: the first treated, compared with the second, its control.
  function addPair(addLink) {
    addLink.click();
    var treated = lastRow();
    addLink.click();
    var control = lastRow();
    if (!treated || !control || treated === control) return;
    put(treated, field(treated, "role"), "treated");
    put(control, field(control, "role"), "control");
    put(treated, field(treated, "control_position"), control.dataset.number);
    treated.atlasControl = control;
    field(treated, "quantity").focus();
  }

  function addPairButton() {
    var addLink = document.querySelector(FIGURES + " .add-row a.addlink");
    if (!addLink || addLink.parentNode.querySelector(".atlas-add-pair")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "addlink atlas-add-pair";
    button.textContent = "Add a treated/control pair";
    button.addEventListener("click", function () {
      addPair(addLink);
    });
    addLink.parentNode.appendChild(button);
  }

  function figureChanged(event) {
    var input = event.target;
    var row = input.closest && input.closest(FIGURES + " tr.form-row");
    if (!row || !input.name) return;
    var key = input.name.replace(/^.*-/, "");
    if (key === "quantity" && input.value) takeWhereRead(row);
    if (key === "source") locateInAbstract(row);
    if (FOLLOWS.indexOf(key) !== -1) follow(row, key);
    if (key === "control_position" && row.atlasControl && !untouched(row, input)) row.atlasControl = null;
    digest(row);
  }

  // Django's autocomplete widgets (select2) name their combobox by its current value only,
  // which is empty before a choice: each is named by its field's label, then its value. A
  // figure's or an author's row has no <label>: its field's aria-label is written out, unseen.
  function nameComboboxes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var box = select.nextElementSibling && select.nextElementSibling.querySelector("[role=combobox]");
      if (!box || !select.id) return;
      var label = document.querySelector("label[for='" + select.id + "']");
      if (!label && select.getAttribute("aria-label")) {
        label = document.getElementById(select.id + "-name") || document.createElement("span");
        label.className = "visually-hidden";
        label.textContent = select.getAttribute("aria-label");
        select.parentNode.insertBefore(label, select);
      }
      if (!label) return;
      label.id = label.id || select.id + "-name";
      var shown = box.querySelector(".select2-selection__rendered");
      if (shown) {
        // The choice shown inside the box is its value, not a second field of its own.
        shown.removeAttribute("role");
        shown.removeAttribute("aria-readonly");
      }
      box.setAttribute("aria-labelledby", shown && shown.id ? label.id + " " + shown.id : label.id);
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-units]")) showUnit(event.target);
    figureChanged(event);
  });
  document.addEventListener("input", figureChanged);
  document.addEventListener("formset:added", function (event) {
    var row = event.target;
    if (row.closest && row.closest(FIGURES)) {
      fixDescriptions(row);
      numberNewRows();
      var quantity = field(row, "quantity");
      if (quantity) quantity.focus();
    }
    setTimeout(nameComboboxes, 0);
    document.querySelectorAll("select[data-units]").forEach(showUnit);
  });
  document.addEventListener("formset:removed", numberNewRows);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-units]").forEach(showUnit);
    numberNewRows();
    figureRows().forEach(digest);
  });

  function ready() {
    // After inlines.js has added its "Add another" row: this file comes after it.
    addPairButton();
    nameComboboxes();
  }
  // select2 is set up by a jQuery ready handler of autocomplete.js, which jQuery may run after
  // the page's load event. This file comes after autocomplete.js (the admins' Media say so),
  // so a ready handler added here runs after that one, on every page load.
  if (window.django && window.django.jQuery) window.django.jQuery(ready);
  else window.addEventListener("load", ready);
})();
