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

  // Replies waiting for another attempt count down to it.
  function countdown() {
    document.querySelectorAll("[data-retry-at]").forEach(function (p) {
      var left = Math.round((Number(p.getAttribute("data-retry-at")) - Date.now()) / 1000);
      var n = p.getAttribute("data-attempts");
      p.textContent = "Not sent yet (" + n + (n === "1" ? " failed attempt): " : " failed attempts): ") +
        (left >= 1 ? "retrying in " + left + " s." : "retrying now.");
    });
  }

  // Opt-in alert (notification and sound) when a new conversation waits.
  var alertsKey = "wachan.alerts";
  function alertsOn() { return window.localStorage && localStorage.getItem(alertsKey) === "on"; }
  var audio = null;
  function beep() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    // A page may make sound only once the user has clicked or typed on it;
    // before that the browser refuses (and warns).
    if (!Ctx || (navigator.userActivation && !navigator.userActivation.hasBeenActive)) { return; }
    audio = audio || new Ctx();
    if (audio.state === "suspended") { audio.resume(); }
    var osc = audio.createOscillator(), gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.08;
    osc.connect(gain); gain.connect(audio.destination);
    osc.start(); osc.stop(audio.currentTime + 0.2);
  }
  function waitingIds(el) {
    var ids = {};
    el.querySelectorAll("[data-waiting] [data-session]").forEach(function (a) { ids[a.getAttribute("data-session")] = true; });
    return ids;
  }
  function announce(el, before) {
    if (!alertsOn()) { return; }
    var now = waitingIds(el), fresh = Object.keys(now).filter(function (id) { return !before[id]; });
    if (!fresh.length) { return; }
    beep();
    if (window.Notification && Notification.permission === "granted") {
      new Notification("wachan: new WhatsApp conversation", { body: fresh.length + " new conversation(s) waiting", tag: "wachan-waiting" });
    }
  }
  function alertsButton() {
    var btn = document.getElementById("alerts");
    if (!btn) { return; }
    var show = function () {
      btn.textContent = alertsOn() ? "Alerts on" : "Alerts off";
      btn.setAttribute("aria-pressed", alertsOn() ? "true" : "false");
    };
    btn.hidden = false;
    show();
    btn.addEventListener("click", function () {
      localStorage.setItem(alertsKey, alertsOn() ? "off" : "on");
      if (alertsOn() && window.Notification && Notification.permission === "default") { Notification.requestPermission(); }
      show();
    });
  }

  function live(el) {
    if (!window.EventSource) { return; }
    var es = new EventSource(el.getAttribute("data-live"));
    es.addEventListener("html", function (ev) {
      var before = waitingIds(el);
      el.innerHTML = ev.data;
      if (el.id === "inbox") { announce(el, before); }
      countdown();
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
    alertsButton();
    countdown();
    setInterval(countdown, 1000);
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
