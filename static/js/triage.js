// The little JavaScript Avara Triage owns: toasts, copy buttons, a row's controls, focus
// after a row changes, live refresh and the STAT count. Keyboard shortcuts: keys.js.
// No inline scripts (CSP).
(function () {
  "use strict";

  function showToast(message, level) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var el = document.createElement("div");
    el.className = "toast toast-" + (level || "info");
    el.setAttribute("role", "status");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.classList.add("fade"); }, 5000);
    setTimeout(function () { el.remove(); }, 6000);
  }

  document.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    showToast(detail.message, detail.level);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy], button.copy");
    if (!button) return;
    // A row's Copy button copies the full UID its neighbour shows in short (title).
    var code = button.previousElementSibling;
    var text = button.getAttribute("data-copy") || (code && code.getAttribute("title")) || "";
    if (!text) return;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { showToast("Copied " + text, "success"); },
        function () { showToast("Could not copy; select the text instead.", "error"); }
      );
    } else {
      var area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); showToast("Copied " + text, "success"); }
      catch (e) { showToast("Could not copy; select the text instead.", "error"); }
      area.remove();
    }
  });

  // Toasts rendered by the server (messages on load, refusals swapped in by htmx) fade
  // out like the others; errors stay a little longer.
  function fadeLater(el) {
    if (el.dataset.fading) return;
    el.dataset.fading = "1";
    var wait = el.classList.contains("toast-error") ? 9000 : 6000;
    setTimeout(function () { el.classList.add("fade"); }, wait);
    setTimeout(function () { el.remove(); }, wait + 1000);
  }
  function fadeServerToasts() {
    document.querySelectorAll("#toasts .toast").forEach(fadeLater);
  }
  document.addEventListener("DOMContentLoaded", fadeServerToasts);
  document.addEventListener("htmx:afterSwap", fadeServerToasts);

  // --- Focus: back to the control that was used, or on to the next row -------------------
  // An inline control takes the focus when it opens (its autofocus: the choice, or a
  // confirmation's safe answer). When a row is redrawn (Save, Close, Escape, Claim, a
  // conflict, a refusal, a live refresh), the focus goes back to the control the user
  // used (the link that opened the control, found by its path), else to the row itself;
  // when the row left the list, to the next row (else the one before, else the results).
  var STUDY_ROWS = "#results tr[id^='study-']";
  function pathOf(url) {
    try { return new URL(url, window.location.href).pathname; } catch (e) { return ""; }
  }
  function focusRow(row) {
    if (!row) return;
    if (!row.hasAttribute("tabindex")) row.setAttribute("tabindex", "-1");
    // Scrolled only as far as it takes: a row wider than a narrow screen keeps its start
    // in view (focus() alone would scroll the table sideways to its far end).
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
  function siblingRowId(row, step) {
    var el = row;
    do { el = step > 0 ? el.nextElementSibling : el.previousElementSibling; }
    while (el && !/^study-/.test(el.id || ""));
    return el ? el.id : "";
  }
  function spotIn(row) {
    var active = document.activeElement;
    if (!row || !active || !(active === row || row.contains(active))) return null;
    var spot = { row: row.id, next: siblingRowId(row, 1), prev: siblingRowId(row, -1), path: "" };
    if (active === row) return spot;
    var open = active.closest("td.editing, td.confirming");
    var form = open && open.querySelector("form[action]");
    var link = active.closest("a[href]");
    spot.path = form ? pathOf(form.getAttribute("action"))
      : link ? pathOf(link.getAttribute("href")) : "";
    return spot;
  }
  function controlAt(row, path) {
    var links = row.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i++) {
      if (pathOf(links[i].getAttribute("href")) === path) return links[i];
    }
    return null;
  }
  function focusBack(spot) {
    var active = document.activeElement;
    // Something else took the focus meanwhile (an opened control, the user): leave it.
    if (active && active !== document.body && active.isConnected) return;
    var row = document.getElementById(spot.row);
    if (row) {
      var control = spot.path && controlAt(row, spot.path);
      if (control) control.focus(); else focusRow(row);
      return;
    }
    var next = document.getElementById(spot.next) || document.getElementById(spot.prev);
    if (next) { focusRow(next); return; }
    var results = document.getElementById("results");
    if (results) results.focus();
  }
  var pendingSpot = null;
  function settleFocus() {
    var spot = pendingSpot;
    pendingSpot = null;
    if (spot) focusBack(spot);
  }
  document.addEventListener("htmx:afterSettle", settleFocus);
  // A row taken out of the list ("delete") settles nothing: it is gone once the request ends.
  document.addEventListener("htmx:afterRequest", function () {
    if (pendingSpot && !document.getElementById(pendingSpot.row)) settleFocus();
  });

  // Filter URLs carry only the filters in use (?severity=stat, not ?q=&severity=stat&...).
  // Every request from a list says how many rows it shows: an answer that takes one out
  // says the new count (studies/views/page_counts.py).
  document.addEventListener("htmx:configRequest", function (event) {
    if (document.getElementById("results")) {
      event.detail.headers["X-Triage-Rows"] = String(studyRows().length);
    }
    if (event.detail.verb !== "get") return;
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (key) {
      if (params[key] === "") delete params[key];
    });
  });

  // "Add a row" on a metadata table: clone the last row empty and count it in the
  // formset's TOTAL_FORMS (without JS, a save brings fresh empty rows back).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (!button) return;
    var prefix = button.getAttribute("data-add-row");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var body = document.querySelector("#" + prefix + "-table tbody");
    if (!total || !body || !body.lastElementChild) return;
    var index = parseInt(total.value, 10);
    if (index >= 53) { showToast("At most 50 metadata pairs.", "warning"); return; }
    var row = body.lastElementChild.cloneNode(true);
    row.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    row.querySelectorAll("input").forEach(function (input) {
      input.name = input.name.replace(/-\d+-/, "-" + index + "-");
      input.id = input.id.replace(/-\d+-/, "-" + index + "-");
      input.value = "";
    });
    body.appendChild(row);
    total.value = index + 1;
    row.querySelector("input").focus();
  });

  // A row's controls: one handler for the whole table. Rows carry one token (data-t,
  // what the row shows) and plain links, not per-control htmx attributes, so a 100-row
  // page stays small (studies/presenters.py). Each link also works without JavaScript:
  // it leads to a page of its own (a control, a confirmation, the study page).
  function postToNewTab(url) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = url;
    form.target = "_blank";
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "csrfmiddlewaretoken";
    input.value = csrfToken();
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
    form.remove();
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["x-csrftoken"] || ""; }
    catch (e) { return ""; }
  }
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey ||
        event.shiftKey || event.altKey) return;
    var link = event.target.closest("a[data-cell], a[data-post], a[data-viewer]");
    var row = link && link.closest("tr[id^='study-']");
    if (!row || !window.htmx) return;
    event.preventDefault();
    if (link.hasAttribute("data-viewer")) { postToNewTab(link.href); return; }
    var values = { t: row.getAttribute("data-t") || "" };
    if (link.hasAttribute("data-post")) {
      htmx.ajax("POST", link.href, { source: link, target: row, swap: "outerHTML", values: values });
    } else {
      htmx.ajax("GET", link.href,
        { source: link, target: link.closest("td"), swap: "outerHTML", values: values });
    }
  });

  // Back and Forward never show an old copy of a list: the htmx history cache is off
  // (base.html), and a page the browser kept in its back-forward cache is reloaded.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.reload();
  });

  // How old is what I am looking at? "Loaded 10:42 · 3 min ago", louder after a while.
  var STALE_AFTER_S = 300;
  function showAge() {
    document.querySelectorAll("[data-loaded]").forEach(function (el) {
      var loaded = parseInt(el.getAttribute("data-loaded"), 10) * 1000;
      var seconds = Math.max(0, Math.round((Date.now() - loaded) / 1000));
      var ago = seconds < 60 ? "just now" : Math.floor(seconds / 60) + " min ago";
      var label = el.querySelector(".age");
      if (label) label.textContent = ago;
      el.classList.toggle("stale", seconds >= STALE_AFTER_S);
    });
    countAges();
  }
  // The rows' ages ("12m", "5h 3m ago") count on between redraws: an unchanged poll (304)
  // redraws nothing, so they are recomputed from each <time datetime>, as the server
  // writes them (presenters.age), on the server's clock (offset taken when a list is drawn).
  var serverOffsetMs = 0;
  function measureOffset() {
    var stamp = document.querySelector("#results [data-loaded]");
    var loaded = stamp ? parseInt(stamp.getAttribute("data-loaded"), 10) * 1000 : NaN;
    if (!isNaN(loaded)) serverOffsetMs = loaded - Date.now();
  }
  function compactAge(seconds) {
    var minutes = Math.floor(seconds / 60), hours = Math.floor(seconds / 3600);
    if (seconds < 60) return Math.max(seconds, 0) + "s";
    if (minutes < 60) return minutes + "m";
    if (hours < 24) return hours + "h " + (minutes % 60) + "m";
    return Math.floor(seconds / 86400) + "d " + (hours % 24) + "h";
  }
  function countAges() {
    var now = Date.now() + serverOffsetMs;
    document.querySelectorAll("#results tr[id^='study-'] time[datetime]").forEach(function (el) {
      var at = Date.parse(el.getAttribute("datetime"));
      if (isNaN(at)) return;
      var text = compactAge(Math.floor((now - at) / 1000));
      el.textContent = / ago$/.test(el.textContent) ? text + " ago" : text;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { measureOffset(); showAge(); });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && (target.id === "results" || target === document.body)) measureOffset();
    showAge();
  });
  setInterval(showAge, 15000);

  // Live refresh of a list (worklist, queue): every N seconds the rows are read again,
  // unless the tab is hidden or the user is in the middle of something (an open control,
  // the filter form, a cancelled row's Undo): then the rows stay as they are, but the STAT
  // count (title and banner) is still read, so a new STAT never waits behind an open
  // picker. The server answers 304 with no body when nothing on screen would change (ETag).
  var baseTitle = document.title;
  var refreshing = false;
  var knownRows = null;
  function live() { return document.querySelector("#results .live, #results [data-etag]"); }
  function studyRows() {
    return document.querySelectorAll(STUDY_ROWS + ":not(.row-notice)");
  }
  function busy() {
    var active = document.activeElement;
    return document.hidden ||
      document.querySelector("td.editing, td.confirming, tr.row-notice:not(.expired), " +
        "#results .htmx-request") ||
      (active && active.closest && active.closest("#filters, td.editing, td.confirming"));
  }
  function rowIds() {
    return Array.prototype.map.call(studyRows(), function (r) { return r.id; });
  }
  // A poll whose answer arrives after the user did something (a claim, an edit, another
  // filter or page) was read before it: swapping it in would undo that on screen. It is
  // dropped, and a new poll asks again at once.
  var actions = 0;  // htmx requests other than polls, so far
  var pollAfter = 0;  // `actions` when the poll in flight left
  var pollStale = false;
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!fromRefresh(event.detail)) actions++;
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!fromPoll(event.detail) || actions === pollAfter) return;
    event.detail.shouldSwap = false;
    pollStale = true;
  });
  // Where the focus was, for the rows about to be redrawn (see "Focus" above).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!event.detail.shouldSwap || !target || !target.matches) return;
    if (target.matches("tr[id^='study-']")) {
      pendingSpot = spotIn(target);
    } else if (target.id === "results") {
      var active = document.activeElement;
      pendingSpot = spotIn(active && active.closest ? active.closest(STUDY_ROWS) : null);
    }
  });
  function refresh() {
    var box = live();
    if (!box || !window.htmx || refreshing) return;
    if (busy()) { readCounts(); return; }
    refreshing = true;
    pollAfter = actions;
    knownRows = rowIds();
    htmx.ajax("GET", window.location.pathname + window.location.search, {
      source: box, target: "#results", swap: "innerHTML",
      headers: { "If-None-Match": box.getAttribute("data-etag") || "", "X-Triage-Refresh": "1" }
    }).finally(function () {
      refreshing = false;
      if (pollStale) { pollStale = false; knownRows = null; refresh(); return; }
      // The queue's rows carry its STAT count; the worklist's are read beside them.
      if (!document.querySelector("#results #stat-banner")) readCounts();
    });
  }
  function fromPoll(detail) {
    var config = detail && detail.requestConfig;
    return !!(config && config.headers && config.headers["X-Triage-Refresh"] === "1");
  }
  function fromRefresh(detail) {  // a poll of the rows, or of the counts
    var config = detail && detail.requestConfig;
    return fromPoll(detail) ||
      !!(config && config.headers && config.headers["X-Triage-Counts"] === "1");
  }
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || !fromPoll(event.detail)) return;
    if (xhr.status === 304) {
      var stamp = document.querySelector("#results [data-loaded]");
      if (stamp) stamp.setAttribute("data-loaded", String(Math.floor(Date.now() / 1000)));
      showAge();
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "results") {
      // Only a refresh marks rows new: after an unchanged poll (304, nothing swapped)
      // the list it remembered must not be compared with a list the user navigated to.
      if (knownRows && fromPoll(event.detail)) {
        var before = new Set(knownRows);
        rowIds().forEach(function (id) {
          if (!before.has(id)) document.getElementById(id).classList.add("is-new");
        });
      }
      knownRows = null;
    }
    showStat();
  });
  document.addEventListener("htmx:oobAfterSwap", showStat);

  // "STAT waiting" (open STAT studies nobody has claimed): the banner (#stat-banner) says it, out of band in every answer that
  // changes a row, in the queue's rows, and from /counts (the worklist's, or any list
  // while its rows are left alone); the title repeats it, and a toast says when it grows.
  var lastStat = null;
  var countsInFlight = false;
  function readCounts() {
    var banner = document.getElementById("stat-banner");
    var url = banner && banner.getAttribute("data-counts");
    if (!url || !window.htmx || countsInFlight) return;
    countsInFlight = true;
    htmx.ajax("GET", url, {
      source: banner, target: "#stat-banner", swap: "outerHTML",
      headers: { "X-Triage-Counts": "1" }
    }).finally(function () { countsInFlight = false; });
  }
  function showStat() {
    var banner = document.getElementById("stat-banner");
    var value = banner && banner.getAttribute("data-stat");
    if (value === null || value === undefined || value === "") return;  // not known
    var count = parseInt(value, 10) || 0;  // "100+" counts as 100
    document.title = (count ? "(" + value + " STAT waiting) " : "") + baseTitle;
    if (lastStat !== null && count > lastStat) {
      showToast("New STAT study: " + value + " STAT waiting.", "warning");
    }
    lastStat = count;
  }
  document.addEventListener("DOMContentLoaded", function () {
    showStat();
    if (!document.querySelector("#results #stat-banner")) readCounts();
    var box = live();
    var seconds = box ? parseInt(box.getAttribute("data-refresh") || "0", 10) : 0;
    if (seconds > 0) setInterval(refresh, seconds * 1000);
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) refresh();  // back to the tab: catch up at once
  });

  // Read next: the viewer opens in its own window; this page shows the claim soon after.
  document.addEventListener("submit", function (event) {
    if (event.target.matches("[data-read-next]")) setTimeout(refresh, 1200);
  });

  // Escape closes an open inline control (its Close or Keep link redraws the row).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var cell = event.target.closest && event.target.closest("td.editing, td.confirming");
    var close = cell && cell.querySelector("a.button");
    if (close) { event.preventDefault(); close.click(); }
  });

  // Undo after a cancel lasts TRIAGE_UNDO_SECONDS: then its button goes (the server
  // refuses it anyway), and the next refresh takes the notice away.
  function expireNotices() {
    var now = Date.now() + serverOffsetMs;
    document.querySelectorAll("tr.row-notice:not(.expired)").forEach(function (row) {
      var until = parseInt(row.getAttribute("data-undo-until"), 10) * 1000;
      if (isNaN(until) || now < until) return;
      var hadFocus = row.contains(document.activeElement) && document.activeElement !== row;
      row.classList.add("expired");
      var hint = row.querySelector(".undo-hint");
      if (hint) hint.textContent = "Undo is no longer available.";
      if (hadFocus) focusRow(row);
    });
  }
  setInterval(expireNotices, 1000);

  window.triage = { toast: showToast, focusRow: focusRow, studyRows: studyRows };
})();
