// Keyboard shortcuts (the list: templates/studies/_shortcuts.html, opened by `?`), the
// skip link, and the top bar's Shortcuts button. Row keys act on the row that has the
// focus (j/k give it a ring) by clicking the row's own control, so each works only where
// the page offers that control to this role for this row, and the server checks again.
// None fires while the user types (a field, an open inline control) or with Ctrl, Alt or
// Meta held. Needs triage.js (loaded before it): window.triage.
(function () {
  "use strict";

  var ROWS = "#results tr[id^='study-']";
  var TYPING = "input, select, textarea, [contenteditable]:not([contenteditable='false']), " +
    "td.editing, td.confirming";
  // key -> [the row's control, what to say when the row does not offer it]
  var ROW_ACTIONS = {
    a: ["a[data-post][href$='/claim']", "Claim is not offered for this study: it is not unassigned, or your role may not claim."],
    c: ["a[data-post][href$='/complete']", "Mark complete is offered only for your own studies still to read."],
    o: ["a[data-viewer]", "Open in viewer is not offered for this study."],
    s: ["a[data-cell][href$='/skip']", "Skip is offered on the queue, for studies that are unassigned or yours."]
  };

  function say(text) {
    if (window.triage) window.triage.toast(text, "info");
  }
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(ROWS));
  }
  function currentRow() {
    var active = document.activeElement;
    return active && active.closest ? active.closest(ROWS) : null;
  }
  function focusRow(row) {
    if (row && window.triage) window.triage.focusRow(row);
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(currentRow());
    focusRow(index < 0 ? all[0] : all[Math.min(Math.max(index + step, 0), all.length - 1)]);
  }
  function openStudy(row) {
    var link = row.querySelector("td.cell-description a[href]");
    if (link) window.location.assign(link.href);
  }
  function rowAction(key) {
    var row = currentRow();
    if (!row) { say("Choose a row first: j and k move between rows."); return; }
    var control = row.querySelector(ROW_ACTIONS[key][0]);
    if (control) control.click(); else say(ROW_ACTIONS[key][1]);
  }
  function readNext() {
    var button = document.querySelector("[data-read-next] button");
    if (button) button.click(); else say("Read next is on the queue.");
  }
  function focusSearch() {
    var field = document.querySelector("#filters input[type=search], main form.filters input");
    if (!field) { say("This page has no search: the worklist has."); return; }
    field.focus();
    field.select();
  }

  // The shortcuts dialog: `?` or the top bar's button; Escape or Close shut it, and the
  // focus goes back where it was.
  var openedFrom = null;
  function showShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog || dialog.open) return;
    openedFrom = document.activeElement;
    dialog.showModal();
  }
  document.addEventListener("close", function (event) {
    if (event.target.id !== "shortcuts") return;
    if (openedFrom && openedFrom.isConnected && openedFrom.focus) openedFrom.focus();
    openedFrom = null;
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey ||
        event.isComposing) return;
    var dialog = document.getElementById("shortcuts");
    if (dialog && dialog.open) return;  // the dialog has the keyboard (Escape closes it)
    var target = event.target;
    if (target && target.closest && target.closest(TYPING)) return;
    var key = event.key;
    if (key === "?") {
      showShortcuts();
    } else if (key === "j" || key === "k") {
      move(key === "j" ? 1 : -1);
    } else if (key === "Enter") {
      // Only a row itself: on a link or a button inside it, Enter does what it always does.
      if (!target || !target.matches || !target.matches(ROWS)) return;
      openStudy(target);
    } else if (ROW_ACTIONS.hasOwnProperty(key)) {
      if (event.repeat) return;  // a held key claims once
      rowAction(key);
    } else if (key === "n") {
      if (event.repeat) return;
      readNext();
    } else if (key === "/") {
      focusSearch();
    } else {
      return;
    }
    event.preventDefault();
  });

  // "Skip to results": to the first row (where j/k go on from), else the results.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.skip-link[href='#results']");
    if (!link) return;
    var first = rows()[0];
    if (!first) return;  // the browser moves to #results itself
    event.preventDefault();
    focusRow(first);
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-shortcuts], [data-keys-hint]").forEach(function (el) {
      el.hidden = false;  // shortcuts need this script: offered only where it runs
    });
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-shortcuts]")) showShortcuts();
  });
})();
