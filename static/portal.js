// Progressive enhancement only: every page works without this file.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.quick-exit");
  if (!link) { return; }
  event.preventDefault();
  // Replace this page in the history, so the Back button does not return to it.
  window.location.replace(link.href);
});
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});
// The campaign progress page: refresh its numbers every few seconds until the campaign is
// finished. Without this script the page shows the numbers as they were when it loaded.
document.addEventListener("DOMContentLoaded", function () {
  var panel = document.querySelector("[data-progress-url]");
  if (!panel || !window.fetch || panel.hasAttribute("data-progress-finished")) { return; }
  var every = 5000;
  function show(selector, text) {
    var element = panel.querySelector(selector);
    if (element) { element.textContent = text; }
  }
  function refresh() {
    fetch(panel.getAttribute("data-progress-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        // Signed out (the idle timeout): reload, so the page shows the sign-in page.
        if (response.redirected) { window.location.reload(); return null; }
        if (!response.ok) { throw new Error("progress not available"); }
        return response.json();
      })
      .then(function (data) {
        if (!data) { return; }
        Object.keys(data.shown).forEach(function (state) { show('[data-count="' + state + '"]', data.shown[state]); });
        show("[data-progress-done]", String(data.done));
        show("[data-progress-total]", String(data.total));
        show("[data-progress-state] .tag", data.state_label);
        var bar = panel.querySelector("[data-progress-bar]");
        if (bar) { bar.max = data.total || 1; bar.value = data.done; }
        if (!data.finished) { window.setTimeout(refresh, every); }
      })
      .catch(function () { window.setTimeout(refresh, every * 3); });
  }
  show("[data-progress-hint]", "");
  window.setTimeout(refresh, every);
});
