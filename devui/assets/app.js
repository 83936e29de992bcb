// crdt dev-ui: the Refresh button and auto-refresh (every 2 s, remembered per browser).
// Pages are rendered by the server; reloading shows what the file holds now.
(function () {
  "use strict";
  var KEY = "crdt-dev-ui.auto-refresh";
  var button = document.getElementById("refresh");
  var auto = document.getElementById("auto");
  var timer = null;
  function stored() {
    try { return window.localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }
  function remember(on) {
    try { window.localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
  }
  function typing() {
    var el = document.activeElement;
    return el !== null && el.tagName === "INPUT" && el.type !== "checkbox";
  }
  // Reloads, except while the user types in the filter box.
  function tick() { if (!typing()) { window.location.reload(); } }
  function schedule(on) {
    if (timer !== null) { window.clearInterval(timer); timer = null; }
    if (on) { timer = window.setInterval(tick, 2000); }
  }
  // Tells the end-to-end test that scripts run under the page's Content-Security-Policy.
  document.documentElement.setAttribute("data-js", "ready");
  if (button) { button.addEventListener("click", function () { window.location.reload(); }); }
  if (auto) {
    auto.checked = stored();
    schedule(auto.checked);
    auto.addEventListener("change", function () { remember(auto.checked); schedule(auto.checked); });
  }
})();
