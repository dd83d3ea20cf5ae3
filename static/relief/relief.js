/* relief: the page behaviour that templates used to write inline (the Content-Security-Policy
   allows no inline script, no on*= handlers and no style="" attributes).
   - data-confirm="问题？" on a form or button: ask before submitting.
   - data-print: print the page.            - data-history-back: go back.
   - data-autosubmit on a field: submit its form when it changes.
   - data-progress="42" on a progress bar: its width in percent (also after htmx swaps).
   - a .table-responsive wider than the screen becomes a named, focusable region, so that it
     can be scrolled with the keyboard (WCAG 2.1.1; axe: scrollable-region-focusable). */
(function () {
  "use strict";

  function applyProgress(root) {
    root.querySelectorAll("[data-progress]").forEach(function (el) {
      var value = Math.max(0, Math.min(100, parseFloat(el.dataset.progress) || 0));
      el.style.width = value + "%";
    });
  }

  function scrollableTables(root) {
    root.querySelectorAll(".table-responsive:not([tabindex])").forEach(function (el) {
      if (el.scrollWidth <= el.clientWidth) { return; }
      var table = el.querySelector("table");
      var caption = table && table.caption ? table.caption.textContent : "";
      var heading = el.previousElementSibling;
      var name = caption || (heading && /^H[1-6]$/.test(heading.tagName) ? heading.textContent : "");
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "region");
      el.setAttribute("aria-label", (name.trim() || "表格") + "（可左右滚动）");
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print], [data-history-back], button[data-confirm]");
    if (!target) { return; }
    if (target.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else if (target.hasAttribute("data-history-back")) {
      event.preventDefault();
      window.history.back();
    } else if (!window.confirm(target.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.form && field.hasAttribute("data-autosubmit")) {
      field.form.submit();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    applyProgress(document);
    scrollableTables(document);
  });
  // Right after the swap, in the same task: a bar swapped in (a polled progress fragment)
  // never shows without its width, as it would until htmx:afterSettle (~20 ms later).
  document.addEventListener("htmx:afterSwap", function () {
    applyProgress(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    scrollableTables(event.target);  // after the settle: it measures the swapped layout
  });
})();
