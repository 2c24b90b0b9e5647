// Bulk selection on the lists (worklist, queue, the board's line): tick rows, shift-click
// (or Shift+Space) for a range, "select all on this page", a live count in the action bar,
// and a form that cannot be sent twice. Everything here is a convenience: without it the
// same checkboxes and buttons post the same form (studies/web/bulk.py). No inline script.
(function () {
  "use strict";

  function bar() { return document.getElementById("bulk"); }
  function boxes() {
    return Array.prototype.slice.call(
      document.querySelectorAll("input[type='checkbox'][name='pick'][form='bulk']"));
  }
  function checked() { return boxes().filter(function (box) { return box.checked; }); }
  function toast(message, level) {
    document.dispatchEvent(new CustomEvent("toast", { detail: { message: message, level: level } }));
  }

  // The count says what the buttons will act on; the bar stands out once something is ticked.
  function showCount() {
    var form = bar();
    var all = boxes();
    var n = checked().length;
    if (form) {
      var count = form.querySelector("[data-bulk-count]");
      var hint = form.querySelector("[data-bulk-hint]");
      if (count) count.textContent = n ? n + (n === 1 ? " study" : " studies") + " selected"
        : "Tick studies in the list";
      if (hint) hint.hidden = n > 0;
      form.classList.toggle("has-selection", n > 0);
    }
    document.querySelectorAll("[data-bulk-all]").forEach(function (head) {
      head.hidden = all.length === 0;
      head.checked = all.length > 0 && n === all.length;
      head.indeterminate = n > 0 && n < all.length;
    });
    var moves = document.querySelector("form.plan-apply");
    if (moves) {
      var ticked = moves.querySelectorAll("input[name='move']:checked").length;
      var said = moves.querySelector("[data-bulk-count]");
      if (said) said.textContent = ticked + (ticked === 1 ? " move" : " moves") + " ticked";
    }
  }

  // Shift-click (or Shift+Space) sets every box between the last one touched and this one.
  var last = null;
  var shiftHeld = false;
  document.addEventListener("keydown", function (event) { if (event.key === "Shift") shiftHeld = true; });
  document.addEventListener("keyup", function (event) { if (event.key === "Shift") shiftHeld = false; });
  window.addEventListener("blur", function () { shiftHeld = false; });
  document.addEventListener("click", function (event) {
    var box = event.target;
    if (!box.matches) return;
    if (box.matches("[data-bulk-all]")) {
      boxes().forEach(function (each) { each.checked = box.checked; });
      last = null;
      showCount();
      return;
    }
    var range = box.matches("input[name='pick'][form='bulk'], form.plan-apply input[name='move']");
    if (!range) return;
    var group = box.name === "move"
      ? Array.prototype.slice.call(document.querySelectorAll("form.plan-apply input[name='move']"))
      : boxes();
    if ((event.shiftKey || shiftHeld) && last && last !== box && group.indexOf(last) >= 0) {
      var from = group.indexOf(last), to = group.indexOf(box);
      var lo = Math.min(from, to), hi = Math.max(from, to);
      for (var i = lo; i <= hi; i++) group[i].checked = box.checked;
    }
    last = box;
    showCount();
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[type='checkbox']")) showCount();
  });
  // The worklist's filter form reloads the list on a change of any <select> of the page
  // (hx-trigger "change from:select"): the bar's own choices must not set it off (and
  // lose what is ticked). Stopped on its way down, before it reaches the select.
  window.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("#bulk")) event.stopPropagation();
  }, true);

  // No double submission: the first submit disables the buttons (the clicked one's choice
  // travels in a hidden field, since a disabled button sends nothing); the server's
  // single-use nonce refuses a second post made any other way.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-bulk], [data-bulk-form]")) return;
    if (form.dataset.sent) { event.preventDefault(); return; }
    if (form.matches("[data-bulk]") && !checked().length) {
      event.preventDefault();
      toast("Tick at least one study first.", "warning");
      return;
    }
    // The list may have moved on since the page came (filters, pages swapped in by htmx):
    // the results page leads back to the list as it is now, on its first page.
    var back = form.querySelector("input[name='next']");
    if (back && form.matches("[data-bulk]")) {
      var query = new URLSearchParams(window.location.search);
      query.delete("c");
      query.delete("p");
      var search = query.toString();
      back.value = window.location.pathname + (search ? "?" + search : "");
    }
    var submitter = event.submitter;
    if (submitter && submitter.name) {
      var keep = document.createElement("input");
      keep.type = "hidden";
      keep.name = submitter.name;
      keep.value = submitter.value;
      form.appendChild(keep);
    }
    form.dataset.sent = "1";
    form.classList.add("is-sending");
    form.querySelectorAll("button, input[type='submit']").forEach(function (button) {
      button.disabled = true;
    });
  });
  // Back to a page the browser kept: the form may be sent again (a new nonce comes with a reload).
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.classList.remove("is-sending");
      form.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
    });
  });

  // A live refresh redraws the rows: what was ticked stays ticked, unless the row changed
  // meanwhile (its value holds what it showed), which the user is told about.
  var kept = null;
  function isRefresh(detail) {
    var config = detail && detail.requestConfig;
    return !!(config && config.headers && config.headers["X-Triage-Refresh"] === "1");
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "results") {
      kept = isRefresh(event.detail) ? checked().map(function (box) { return box.value; }) : null;
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.target || event.detail.target.id !== "results") return;
    if (kept && kept.length) {
      var wanted = new Set(kept), found = 0;
      boxes().forEach(function (box) {
        if (wanted.has(box.value)) { box.checked = true; found++; }
      });
      var lost = kept.length - found;
      if (lost) {
        toast(lost + (lost === 1 ? " selected study" : " selected studies") +
          " changed or left the list and " + (lost === 1 ? "was" : "were") + " unticked.", "info");
      }
    }
    kept = null;
    last = null;
    showCount();
  });

  document.addEventListener("DOMContentLoaded", showCount);
})();
