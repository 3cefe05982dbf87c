// wachan demo: the customer page polls /state and posts what the customer
// and the simulated phones type.
(function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function time(t) {
    var d = new Date(t);
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function post(url, body, errorId) {
    var out = document.getElementById(errorId);
    return fetch(url, { method: "POST", body: body }).then(function (r) {
      if (r.ok) { out.textContent = ""; refresh(); return true; }
      return r.text().then(function (t) { out.textContent = t; return false; });
    }, function (e) { out.textContent = String(e); return false; });
  }

  function form(pairs) {
    var f = new FormData();
    Object.keys(pairs).forEach(function (k) { f.append(k, pairs[k]); });
    return f;
  }

  var lastChat = "", lastPhones = "", drafts = {}, reporting = false;

  // report tells the demo, as the customer's phone tells WhatsApp, that
  // the replies shown have arrived (delivered) and, while the page is in
  // view, that the customer has seen them (read).
  function report(s) {
    var replies = (s.chat || []).filter(function (m) { return m.from === "business"; });
    var seen = document.visibilityState === "visible";
    var path = seen && replies.some(function (m) { return !m.read; }) ? "/customer/read" :
      replies.some(function (m) { return !m.delivered; }) ? "/customer/received" : "";
    if (!path || reporting) { return; }
    reporting = true;
    post(path, form({ shown: replies.length }), "customer-error").then(function () { reporting = false; });
  }

  function renderChat(s) {
    var key = JSON.stringify(s.chat || []);
    if (key === lastChat) { return; }
    lastChat = key;
    var chat = document.getElementById("chat");
    chat.textContent = "";
    (s.chat || []).forEach(function (m) {
      var li = el("li", m.from);
      li.appendChild(el("span", "meta", (m.from === "customer" ? "You" : "Demo shop") + " · " + time(m.time) +
        (m.from === "customer" && m.read ? " · read" : "")));
      li.appendChild(document.createTextNode(m.text));
      chat.appendChild(li);
    });
    if (!s.chat || !s.chat.length) { chat.appendChild(el("li", "meta", "No message yet: write something below.")); }
    chat.scrollTop = chat.scrollHeight;
  }

  function renderPhones(s) {
    var key = JSON.stringify(s.phones || []);
    if (key === lastPhones) { return; }
    lastPhones = key;
    var box = document.getElementById("phones");
    box.querySelectorAll("input[data-ext]").forEach(function (i) { drafts[i.getAttribute("data-ext")] = i.value; });
    box.textContent = "";
    (s.phones || []).forEach(function (p) {
      var d = el("div", "phone");
      d.id = "phone-" + p.ext;
      var h = el("h3", "", "Phone " + p.ext + (p.online ? " · registered" : " · off (messages wait)"));
      var power = el("button", p.online ? "off" : "", p.online ? "Switch off" : "Switch on");
      power.type = "button";
      power.addEventListener("click", function () { post("/phone/" + p.ext + "/" + (p.online ? "off" : "on"), null, "customer-error"); });
      h.appendChild(power);
      d.appendChild(h);
      var inbox = el("ol", "inbox");
      p.messages.forEach(function (m) {
        var li = el("li");
        li.appendChild(el("span", "meta", m.from + " · " + time(m.time)));
        li.appendChild(document.createTextNode(m.body));
        inbox.appendChild(li);
      });
      if (!p.messages.length) { inbox.appendChild(el("li", "meta", "Nothing received yet.")); }
      d.appendChild(inbox);
      if (p.reply_to) {
        var f = el("form", "row");
        var label = el("label", "sr", "Reply from phone " + p.ext);
        label.htmlFor = "reply-" + p.ext;
        var input = el("input");
        input.id = "reply-" + p.ext;
        input.setAttribute("data-ext", p.ext);
        input.placeholder = "Reply from " + p.ext + " (/help for commands)";
        input.value = drafts[p.ext] || "";
        var b = el("button", "", "Send");
        b.type = "submit";
        f.appendChild(label); f.appendChild(input); f.appendChild(b);
        f.addEventListener("submit", function (ev) {
          ev.preventDefault();
          post("/phone/" + p.ext + "/say", form({ to: p.reply_to, text: input.value }), "customer-error").then(function (ok) {
            if (ok) { drafts[p.ext] = ""; input.value = ""; }
          });
        });
        d.appendChild(f);
      }
      inbox.scrollTop = inbox.scrollHeight;
      box.appendChild(d);
    });
  }

  function refresh() {
    return fetch("/state", { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
      document.getElementById("customer-who").textContent = s.customer.name + " " + s.customer.number;
      document.getElementById("console-link").href = s.links.console;
      document.getElementById("admin-link").href = s.links.admin;
      document.getElementById("admin-token").textContent = s.links.admin_token;
      renderChat(s);
      renderPhones(s);
      report(s);
    }, function () { /* the demo stopped; keep the last view */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("say-text").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var t = document.getElementById("text");
      post("/customer/text", form({ text: t.value }), "customer-error").then(function (ok) { if (ok) { t.value = ""; } });
    });
    document.getElementById("say-image").addEventListener("submit", function (ev) {
      ev.preventDefault();
      post("/customer/image", new FormData(ev.target), "customer-error").then(function (ok) { if (ok) { ev.target.reset(); } });
    });
    document.querySelectorAll("button[data-kind]").forEach(function (b) {
      b.addEventListener("click", function () {
        post("/customer/" + b.getAttribute("data-kind"), form({ title: b.getAttribute("data-title") }), "customer-error");
      });
    });
    document.addEventListener("visibilitychange", refresh);
    refresh();
    setInterval(refresh, 700);
  });
}());
