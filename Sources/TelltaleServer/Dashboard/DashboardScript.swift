/// The dashboard's one script, served at `/assets/app.js`: the optional auto-refresh toggle.
///
/// Pages work without it; it only un-hides the toggle and reloads the page every 30 seconds while it is on
/// (remembered in `localStorage`).
enum DashboardScript {
    static let javascript = #"""
    (function () {
      "use strict";
      var box = document.getElementById("auto-refresh");
      if (!box) { return; }
      var wrapper = document.getElementById("auto-refresh-label");
      if (wrapper) { wrapper.hidden = false; }
      var key = "telltale.autoRefresh";
      var timer = null;
      function stored() {
        try { return window.localStorage.getItem(key) === "on"; } catch (e) { return false; }
      }
      function store(on) {
        try { window.localStorage.setItem(key, on ? "on" : "off"); } catch (e) { /* private mode */ }
      }
      function apply(on) {
        if (timer !== null) { window.clearTimeout(timer); timer = null; }
        if (on) { timer = window.setTimeout(function () { window.location.reload(); }, 30000); }
      }
      box.checked = stored();
      apply(box.checked);
      box.addEventListener("change", function () { store(box.checked); apply(box.checked); });
    })();
    """#
}
