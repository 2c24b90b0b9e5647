// The little JavaScript Avara Triage owns: toasts and copy buttons. No inline scripts (CSP).
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
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
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

  // Keyboard: after an inline control opens, focus it; after a row is redrawn, focus the
  // row's first control, so keyboard users are not dropped back to the top of the page.
  document.addEventListener("htmx:afterSettle", function (event) {
    var el = event.detail.elt;
    if (!el || !el.isConnected) return;
    var target = el.matches("td.editing") ? el.querySelector("select")
      : el.matches("td.confirming") ? el.querySelector("button")
      : el.matches("tr") ? el.querySelector("a, button") : null;
    if (target) target.focus();
  });

  // Filter URLs carry only the filters in use (?severity=stat, not ?q=&severity=stat&...).
  document.addEventListener("htmx:configRequest", function (event) {
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

  // Escape closes an open inline control (its Cancel link redraws the row).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var cell = event.target.closest && event.target.closest("td.editing, td.confirming");
    var cancel = cell && cell.querySelector("a.button");
    if (cancel) { event.preventDefault(); cancel.click(); }
  });
})();
