/* The HTML report's one script, optional: the report works without it.
   Un-hides the controls, filters by severity and namespace, expands or
   collapses every <details>, and opens them all for printing (Chromium
   prints closed <details> closed whatever the CSS says). Inlined by
   src/render/mod.rs, which puts its hash in the Content-Security-Policy. */
(function () {
  var controls = document.getElementById("controls");
  var all = function (sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); };
  var setAll = function (open) { all("details").forEach(function (d) { d.open = open; }); };
  var reopen = [];
  window.addEventListener("beforeprint", function () {
    reopen = all("details:not([open])");
    reopen.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    reopen.forEach(function (d) { d.open = false; });
    reopen = [];
  });
  if (!controls) { return; }
  controls.hidden = false;
  var rank = { critical: 0, warning: 1, info: 2 };
  var sev = document.getElementById("filter-sev");
  var ns = document.getElementById("filter-ns");
  var note = document.getElementById("filter-note");
  var apply = function () {
    var max = sev.value ? rank[sev.value] : 9;
    var hidden = 0;
    all("[data-sev]").forEach(function (el) {
      var nss = (el.getAttribute("data-ns") || "").split(" ");
      var show = rank[el.getAttribute("data-sev")] <= max && (!ns.value || nss.indexOf(ns.value) >= 0);
      el.hidden = !show;
      if (!show && el.classList.contains("finding")) { hidden += 1; }
    });
    note.textContent = hidden ? hidden + " finding" + (hidden === 1 ? "" : "s") + " hidden by the filter" : "";
  };
  sev.addEventListener("change", apply);
  ns.addEventListener("change", apply);
  document.getElementById("expand-all").addEventListener("click", function () { setAll(true); });
  document.getElementById("collapse-all").addEventListener("click", function () { setAll(false); });
})();
