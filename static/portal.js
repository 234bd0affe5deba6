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
