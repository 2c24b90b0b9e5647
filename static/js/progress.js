// A bulk action's results page arrives a row at a time (a streamed answer). This script
// is loaded before the rows, not deferred, so it can count them while they arrive:
// "23 of 100 done" in a progress bar and in the tab's title. Without it, the rows
// themselves show the progress, and the summary comes last. No inline script (CSP).
(function () {
  "use strict";
  var baseTitle = null;

  function update() {
    var section = document.querySelector("[data-bulk-results]");
    if (!section) return;
    var total = parseInt(section.getAttribute("data-total") || "0", 10);
    var done = section.querySelectorAll("tr.result").length;
    var finished = !!document.querySelector("[data-bulk-finished]");
    var box = section.querySelector("[data-bulk-progress]");
    if (box) {
      box.hidden = finished;
      var bar = box.querySelector("progress");
      var text = box.querySelector("[data-bulk-progress-text]");
      var said = done + " of " + total + " done";
      if (bar) bar.value = done;
      // Each write only when it changes: a write is itself a change this observer sees.
      if (text && text.textContent !== said) text.textContent = said;
    }
    if (baseTitle === null) baseTitle = document.title;
    var title = finished ? baseTitle : "(" + done + "/" + total + ") " + baseTitle;
    if (document.title !== title) document.title = title;
  }

  var observer = new MutationObserver(update);
  observer.observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", function () {
    update();
    observer.disconnect();
  });
})();
