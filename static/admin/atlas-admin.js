/* Curation admin: the unit follows the chosen quantity, new figure rows show the number
   ("#") that "compared with #" refers to, and every search box (a paper, an electrolyte, an
   author) is named for screen readers. Works on the study page's figure rows and on a single
   figure's page; without JavaScript the form works the same. */
(function () {
  "use strict";

  function unitCell(select) {
    var row = select.closest("tr") || select.closest("fieldset") || document;
    return row.querySelector(".field-unit p") || row.querySelector(".field-unit .readonly");
  }

  function showUnit(select) {
    var units = JSON.parse(select.dataset.units || "{}");
    var cell = unitCell(select);
    if (cell) cell.textContent = units[select.value] || "—";
  }

  function numberNewRows() {
    var rows = document.querySelectorAll(".atlas-measurements tr.form-row");
    var highest = 0;
    rows.forEach(function (row) {
      var n = parseInt((row.querySelector("td.field-number p") || {}).textContent, 10);
      if (!isNaN(n) && !row.classList.contains("atlas-new")) highest = Math.max(highest, n);
    });
    rows.forEach(function (row) {
      var cell = row.querySelector("td.field-number p");
      if (!cell || row.classList.contains("empty-form") || row.id.endsWith("-empty")) return;
      if (cell.textContent.trim() === "new" || row.classList.contains("atlas-new")) {
        row.classList.add("atlas-new");
        highest += 1;
        cell.textContent = highest + " (new)";
      }
    });
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
  });
  document.addEventListener("formset:added", function () {
    numberNewRows();
    setTimeout(nameComboboxes, 0);
    document.querySelectorAll("select[data-units]").forEach(showUnit);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-units]").forEach(showUnit);
    numberNewRows();
  });
  // select2 is set up by a jQuery ready handler of autocomplete.js, which jQuery may run after
  // the page's load event. This file comes after autocomplete.js (the admins' Media say so),
  // so a ready handler added here runs after that one, on every page load.
  if (window.django && window.django.jQuery) window.django.jQuery(nameComboboxes);
  else window.addEventListener("load", nameComboboxes);
})();
