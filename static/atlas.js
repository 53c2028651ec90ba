// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Filters apply as soon as a checkbox, a list or the sort changes; typed fields wait for Enter.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.matches('input[type="checkbox"], select')) {
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    });
  });

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

  // "Copy BibTeX" in the Cite panel, where the clipboard is available.
  if (navigator.clipboard) {
    document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        navigator.clipboard.writeText(source.textContent).then(function () {
          button.textContent = "Copied";
        });
      });
    });
  }
})();
