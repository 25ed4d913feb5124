// Small enhancements only: every page works without this file.
// Moves focus to an error summary so that screen readers read it first.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }
  // Asks before irreversible actions marked with data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
  // On a phone the navigation is one strip that scrolls sideways: keep the current
  // section in view.
  var current = document.querySelector(".site-nav [aria-current]");
  var strip = current && current.closest("ul");
  if (strip && strip.scrollWidth > strip.clientWidth) {
    var at = current.getBoundingClientRect().left - strip.getBoundingClientRect().left;
    strip.scrollLeft += at - (strip.clientWidth - current.offsetWidth) / 2;
  }
});
