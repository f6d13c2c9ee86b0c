// Small progressive enhancements; the dashboard works without them. Loaded from 'self' (CSP).
(function () {
  "use strict";
  function fmt(ms) {
    var neg = ms < 0, s = Math.abs(ms) / 1000;
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var txt = (d ? d + " d " : "") + h + " h " + m + " min";
    return neg ? "overdue by " + txt : "in " + txt;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var t = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(t)) return;
      var left = t - now;
      el.textContent = fmt(left);
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 3 * 86400000);
    });
  }
  tick();
  setInterval(tick, 30000);
  // Typed confirmation: the destructive button stays disabled until the bucket name is typed exactly.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    var want = f.getAttribute("data-confirm");
    var input = f.querySelector("input[name=confirm]");
    var btn = f.querySelector("button[type=submit]");
    if (!input || !btn) return;
    var sync = function () { btn.disabled = input.value !== want; };
    input.addEventListener("input", sync);
    sync();
  });
  // Filter selects submit the filter form on change.
  document.querySelectorAll("form.autosubmit select").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
})();
