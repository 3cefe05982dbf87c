// wachan panel: copy buttons, confirmations and live updates.
(function () {
  "use strict";

  function copy(btn) {
    var el = document.getElementById(btn.getAttribute("data-copy"));
    if (!el) { return; }
    var done = function () {
      var old = btn.textContent;
      btn.textContent = "Copied";
      setTimeout(function () { btn.textContent = old; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(el.value).then(done, function () {
        el.select();
        done();
      });
    } else {
      el.select();
      try { document.execCommand("copy"); } catch (e) { /* selected for manual copy */ }
      done();
    }
  }

  function scrollThread(el) {
    if (el.getAttribute("data-scroll") === "bottom") {
      el.scrollTop = el.scrollHeight;
    }
  }

  function live(el) {
    if (!window.EventSource) { return; }
    var es = new EventSource(el.getAttribute("data-live"));
    es.addEventListener("html", function (ev) {
      el.innerHTML = ev.data;
      el.setAttribute("data-updated", String(Date.now()));
      scrollThread(el);
    });
    es.addEventListener("gone", function () { es.close(); });
    window.addEventListener("pagehide", function () { es.close(); });
  }

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button[data-copy]");
    if (btn) { copy(btn); }
  });
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(live);
    document.querySelectorAll("[data-scroll]").forEach(scrollThread);
    var text = document.getElementById("text");
    if (text && !text.disabled) {
      text.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
          ev.preventDefault();
          text.form.requestSubmit();
        }
      });
    }
  });
}());
