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

  // Toasts rendered by the server (messages, refusals) fade out like the others.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#toasts .toast").forEach(function (el) {
      setTimeout(function () { el.classList.add("fade"); }, 6000);
    });
  });
})();
