// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  var FOCUS_KEY = "atlas-filter-focus";

  // Filters apply as soon as a checkbox, a list or the sort changes; typed fields wait for Enter.
  // The control that changed is remembered, so the new page gives it the focus back.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.matches('input[type="checkbox"], select')) {
        rememberFocus(target);
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    });
    form.addEventListener("submit", function () {
      if (document.activeElement && form.contains(document.activeElement)) {
        rememberFocus(document.activeElement);
      }
    });
  });

  function rememberFocus(element) {
    if (!element.id) return;
    try { sessionStorage.setItem(FOCUS_KEY, element.id); } catch (e) { /* storage off: no focus kept */ }
  }

  // After a filter applied: focus back on the control that changed, and the new count announced.
  (function restoreFocus() {
    var id;
    try { id = sessionStorage.getItem(FOCUS_KEY); sessionStorage.removeItem(FOCUS_KEY); } catch (e) { return; }
    var element = id && document.getElementById(id);
    if (!element) return;
    var group = element.closest("details");
    if (group) group.open = true;
    var sidebar = element.closest(".sidebar");
    if (sidebar && getComputedStyle(sidebar).display === "none") openFilters(true);
    element.focus();
    var heading = document.getElementById("results-heading");
    var status = document.getElementById("results-status");
    if (heading && status) {
      // A live region speaks what changes in it after the page has loaded.
      setTimeout(function () {
        status.textContent = heading.firstChild.textContent.replace(/\s+/g, " ").trim() + " found.";
      }, 150);
    }
  })();

  // On a phone the filters wait behind the "Filters" button at the top.
  var toggle = document.querySelector(".to-filters");
  var sidebar = document.getElementById("filters");
  function openFilters(open) {
    if (!toggle || !sidebar) return;
    sidebar.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  if (toggle && sidebar) {
    toggle.setAttribute("role", "button");
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      var open = !sidebar.classList.contains("open");
      openFilters(open);
      if (open) {
        var first = sidebar.querySelector("input, select");
        if (first) first.focus();
      }
    });
  }

  // Long material lists: a box that narrows the list as one types (no Ctrl-click anywhere).
  document.querySelectorAll(".choices[data-searchable]").forEach(function (list, index) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "choice-search";
    box.id = "choice-search-" + index;
    box.placeholder = "Find…";
    box.setAttribute("aria-label", "Find in the " + list.dataset.searchable);
    box.setAttribute("aria-controls", list.id);
    list.parentNode.insertBefore(box, list);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault(); // Enter here narrows, it does not submit
    });
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      list.querySelectorAll(".choice").forEach(function (choice) {
        var text = choice.textContent.toLowerCase();
        choice.hidden = !words.every(function (word) { return text.indexOf(word) !== -1; });
      });
    });
  });

  // Row selection: a select-all box and a count of the ticked rows beside the export buttons.
  var selection = document.getElementById("selection");
  if (selection) {
    var all = document.getElementById("select-all");
    var count = selection.querySelector(".selection-count");
    var boxes = function () {
      return Array.from(document.querySelectorAll('input[type="checkbox"][name="id"][form="selection"]'));
    };
    var update = function () {
      var ticked = boxes().filter(function (box) { return box.checked; }).length;
      if (count) {
        count.hidden = false;
        count.textContent = ticked === 1 ? "1 row ticked" : ticked + " rows ticked";
      }
      if (all) {
        all.checked = ticked > 0 && ticked === boxes().length;
        all.indeterminate = ticked > 0 && ticked < boxes().length;
      }
    };
    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = all.checked; });
        update();
      });
    }
    boxes().forEach(function (box) { box.addEventListener("change", update); });
    update();
  }

  // Empty fields would only clutter the URL: leave them out of the query string.
  document.querySelectorAll("form.filters").forEach(function (form) {
    form.addEventListener("formdata", function (event) {
      var data = event.formData;
      Array.from(data.keys()).forEach(function (key) {
        var values = data.getAll(key).filter(function (v) { return v !== ""; });
        data.delete(key);
        values.forEach(function (v) { data.append(key, v); });
      });
    });
  });

  // The Cite panel's copy buttons (citations, BibTeX), where the clipboard is available.
  if (navigator.clipboard) {
    document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        navigator.clipboard.writeText(source.textContent).then(function () {
          button.firstChild.nodeValue = "Copied";  // a hidden rest of the name stays
        });
      });
    });
  }
})();
