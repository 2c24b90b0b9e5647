// Saved lists, CSV exports and the customer picker (issue 23). Everything here improves
// something that already works without JavaScript: the menu's link, the save form's
// query, the export's plain download, the browser's own suggestions for customers.
(function () {
  "use strict";

  function toast(message, level) {
    document.dispatchEvent(new CustomEvent("toast", { detail: { message: message, level: level } }));
  }

  // --- The top bar's saved lists: fetched each time the menu opens (fresh counts) ----
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches("details[data-lists-menu]") || !menu.open) return;
    var body = menu.querySelector(".lists-menu-body");
    if (!body || !window.htmx) return;
    htmx.ajax("GET", menu.getAttribute("data-src"), { source: menu, target: body, swap: "innerHTML" });
  }, true);  // "toggle" does not bubble: listen on the way down
  function closeMenus(except) {
    document.querySelectorAll("details[data-lists-menu][open], details.save-list[open]").forEach(function (d) {
      if (d !== except && !d.contains(except)) d.open = false;
    });
  }
  document.addEventListener("click", function (event) {
    var inside = event.target.closest && event.target.closest("details[data-lists-menu], details.save-list");
    closeMenus(inside);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = event.target.closest && event.target.closest("details[data-lists-menu][open], details.save-list[open]");
    if (!open) return;
    open.open = false;
    var summary = open.querySelector("summary");
    if (summary) summary.focus();
  });

  // --- "Save view": the filters of the URL on screen now (htmx moves it as they change) --
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-save-list]")) return;
    var query = form.querySelector("input[name=query]");
    if (query) query.value = window.location.search.replace(/^\?/, "");
  });
  document.addEventListener("toggle", function (event) {
    var box = event.target;
    if (box.matches && box.matches("details.save-list") && box.open) {
      var name = box.querySelector("input[name=name]");
      if (name) name.focus();
    }
  }, true);

  // --- CSV export: the download shows its progress (rows received so far) ------------
  var exporting = false;
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-export]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey ||
        event.shiftKey || event.altKey || !window.fetch || !window.TextDecoder) return;
    event.preventDefault();
    if (exporting) { toast("An export is already running.", "info"); return; }
    exportWithProgress(link.href);
  });
  function progressToast() {
    var box = document.getElementById("toasts");
    var el = document.createElement("div");
    el.className = "toast toast-info";
    el.setAttribute("role", "status");
    if (box) box.appendChild(el);
    return el;
  }
  function exportWithProgress(url) {
    exporting = true;
    var status = progressToast();
    status.textContent = "Exporting\u2026";
    var lines = 0, chunks = [], decoder = new TextDecoder(), name = "export.csv", max = "";
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok || !response.body) {
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var said = page.querySelector("main p");
          throw new Error(said ? said.textContent : "The export failed (" + response.status + ").");
        });
      }
      var disposition = response.headers.get("Content-Disposition") || "";
      var match = /filename="([^"]+)"/.exec(disposition);
      if (match) name = match[1];
      max = response.headers.get("X-Export-Max") || "";
      var reader = response.body.getReader();
      function pump() {
        return reader.read().then(function (part) {
          if (part.done) return;
          chunks.push(part.value);
          lines += (decoder.decode(part.value, { stream: true }).match(/\n/g) || []).length;
          status.textContent = "Exporting\u2026 " + Math.max(lines - 1, 0).toLocaleString() + " studies so far";
          return pump();
        });
      }
      return pump();
    }).then(function () {
      var blob = new Blob(chunks, { type: "text/csv" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = name;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
      // One line per study after the headings; a last line says when it stopped at the cap.
      var studies = Math.max(lines - 1, 0);
      var capped = max && studies > Number(max);
      if (capped) studies = Number(max);
      status.className = "toast toast-success";
      status.textContent = "Saved " + name + ": " + studies.toLocaleString() + " " +
        (studies === 1 ? "study" : "studies") +
        (capped ? " (the most one export holds; narrow the filters for the rest)" : "") + ".";
    }).catch(function (error) {
      status.className = "toast toast-error";
      status.setAttribute("role", "alert");
      status.textContent = error.message || "The export failed.";
    }).finally(function () {
      exporting = false;
      setTimeout(function () { status.classList.add("fade"); }, 8000);
      setTimeout(function () { status.remove(); }, 9000);
    });
  }

  // --- The customer picker: an accessible combobox over the datalist's options --------
  // Type to filter (name or id); Up/Down move, Enter picks, Escape closes; the option
  // picked also fills the hidden id, so two customers of one name stay apart.
  function setUpCombobox(box, n) {
    var input = box.querySelector("input[name=express_customer]");
    var hidden = box.querySelector("input[name=express_customer_id]");
    var data = box.querySelector("datalist");
    if (!input || !hidden || !data) return;
    var options = Array.prototype.map.call(data.options, function (o) {
      return { name: o.value, id: o.getAttribute("data-id") || "" };
    });
    input.removeAttribute("list");
    var list = document.createElement("ul");
    list.id = "customer-listbox-" + n;
    list.className = "combobox-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Known customers");
    list.hidden = true;
    box.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var shown = [], active = -1;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function render() {
      var text = input.value.trim().toLowerCase();
      shown = options.filter(function (o) {
        return !text || o.name.toLowerCase().indexOf(text) !== -1 || o.id.indexOf(text) !== -1;
      }).slice(0, 50);
      list.textContent = "";
      shown.forEach(function (o, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.textContent = o.name;
        var id = document.createElement("small");
        id.className = "combobox-id";
        id.textContent = o.id;
        item.appendChild(name);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(id);
        item.addEventListener("mousedown", function (event) { event.preventDefault(); pick(i); });
        list.appendChild(item);
      });
      if (!shown.length) {
        var none = document.createElement("li");
        none.className = "combobox-none";
        none.textContent = text.indexOf("cus_") === 0 ? "A new customer, by its id" : "No known customer matches";
        list.appendChild(none);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    }
    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(list.querySelectorAll("[role=option]"), function (item, j) {
        item.setAttribute("aria-selected", j === i ? "true" : "false");
        item.classList.toggle("active", j === i);
        if (j === i) item.scrollIntoView({ block: "nearest" });
      });
      if (i >= 0) input.setAttribute("aria-activedescendant", list.id + "-" + i);
      else input.removeAttribute("aria-activedescendant");
    }
    function pick(i) {
      var o = shown[i];
      if (!o) return;
      input.value = o.name;
      hidden.value = o.id;
      close();
    }
    input.addEventListener("input", function () { hidden.value = ""; render(); });
    input.addEventListener("focus", function () { if (!input.value) render(); });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) { render(); }
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = active + step;
        if (next < 0) next = shown.length - 1;
        if (next >= shown.length) next = 0;
        highlight(next);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        pick(active);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-combobox]").forEach(setUpCombobox);
  });
})();
