// Error summary: focus it on load (no scroll away from it), and let each link focus its field.
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "start" });
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      field.focus({ preventScroll: true });
      field.scrollIntoView({ block: "center" });
    });
  });
})();
