/* The console's small behaviours: charts from data attributes, kind-dependent program
   sections, tick-all boxes, confirmations and printing. No inline scripts (CSP). */
(function () {
  "use strict";

  function charts(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas.chart").forEach(function (el) {
      if (el.dataset.ready) return;
      el.dataset.ready = "1";
      var spec = JSON.parse(el.dataset.chart);
      spec.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, spec.options || {});
      new window.Chart(el, spec);
    });
  }

  function kinds(root) {
    var select = root.querySelector("#program-form select[name=kind]");
    if (!select || select.dataset.ready) return;
    select.dataset.ready = "1";
    var apply = function () {
      document.querySelectorAll("[data-kinds]").forEach(function (el) {
        el.hidden = el.dataset.kinds.split(" ").indexOf(select.value) < 0;
      });
    };
    select.addEventListener("change", apply);
    apply();
  }

  function init(root) {
    charts(root);
    kinds(root);
  }

  document.addEventListener("change", function (ev) {
    var box = ev.target;
    if (box.matches && box.matches("input[data-check-all]")) {
      var form = box.form || document;
      form.querySelectorAll("input[type=checkbox][name='" + box.dataset.checkAll + "']").forEach(function (b) {
        b.checked = box.checked;
      });
    }
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) ev.preventDefault();
  });

  document.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-print],[data-back]") : null;
    if (!el) return;
    if (el.hasAttribute("data-print")) { ev.preventDefault(); window.print(); }
    if (el.hasAttribute("data-back")) { ev.preventDefault(); window.history.back(); }
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (ev) { init(ev.target); });
})();
