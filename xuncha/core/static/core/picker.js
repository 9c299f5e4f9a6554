// Searchable picker: every single or multiple <select> with many options (units, inspectors,
// offices: hundreds or thousands of plain options) becomes a type-to-search box
// (tom-select, served locally). Also for selects that htmx swaps in later.
(function () {
  "use strict";
  var MANY = 25;

  function enhance(root) {
    if (typeof TomSelect === "undefined") return;
    root.querySelectorAll("select").forEach(function (el) {
      if (el.tomselect || el.dataset.picker === "off") return;
      if (el.options.length < MANY && el.dataset.picker !== "on") return;
      var label = el.getAttribute("aria-label") ||
        (el.labels && el.labels.length ? el.labels[0].textContent.trim() : "");
      var ts = new TomSelect(el, {
        maxOptions: 200,
        allowEmptyOption: true,
        plugins: el.multiple ? ["remove_button"] : [],
        render: {
          no_results: function () { return '<div class="no-results">没有匹配的选项</div>'; },
        },
      });
      // tom-select moves the <label for> to its own input; the original (hidden) select
      // keeps its name for assistive technology through aria-label.
      if (label) {
        el.setAttribute("aria-label", label);
        if (ts.control_input) ts.control_input.setAttribute("aria-label", label + "（输入以搜索）");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
