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
  // Search as you type in fields that name a person or a unit: a <datalist> of what
  // /pick/members or /pick/orgs finds. Without this script the server resolves the text.
  document.querySelectorAll("input[data-pick]").forEach(function (input, i) {
    var list = document.createElement("datalist");
    list.id = "pick-" + i;
    input.setAttribute("list", list.id);
    input.after(list);
    var timer = null, last = "";
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last || q.indexOf("#") >= 0) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = q;
        var url = "/pick/" + input.getAttribute("data-pick") + "?q=" + encodeURIComponent(q);
        var within = input.getAttribute("data-within");
        if (within) { url += "&within=" + encodeURIComponent(within); }
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (offers) {
            list.textContent = "";
            offers.forEach(function (o) {
              var opt = document.createElement("option");
              opt.value = o.value;
              opt.label = o.hint;
              list.appendChild(opt);
            });
          })
          .catch(function () {});
      }, 200);
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
