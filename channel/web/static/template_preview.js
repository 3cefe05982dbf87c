// Live phone-like preview of the new-template form: the header, the body
// with each variable replaced by its sample, the footer and the buttons.
(function () {
  "use strict";
  var form = document.getElementById("template-form");
  if (!form) { return; }
  function val(name) { var el = form.elements[name]; return el ? el.value : ""; }
  function samples() {
    var named = {}, positional = [];
    val("examples").split("\n").forEach(function (line) {
      line = line.trim();
      if (!line) { return; }
      var i = line.indexOf("=");
      if (i > 0) { named[line.slice(0, i).trim()] = line.slice(i + 1).trim(); } else { positional.push(line); }
    });
    return { named: named, positional: positional };
  }
  function fill(text, s, headerSample) {
    return text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, function (all, v) {
      if (headerSample !== undefined) { return headerSample || all; }
      if (/^[0-9]+$/.test(v)) { return s.positional[Number(v) - 1] || all; }
      return s.named[v] || all;
    });
  }
  function render() {
    var s = samples();
    var header = val("header");
    var h = document.getElementById("pv-header");
    h.textContent = header === "TEXT" ? fill(val("header_text"), s, val("header_example")) :
      header === "none" ? "" : "[" + header.toLowerCase() + "]";
    document.getElementById("pv-body").textContent = fill(val("body"), s);
    document.getElementById("pv-footer").textContent = val("footer");
    var ul = document.getElementById("pv-buttons");
    ul.textContent = "";
    val("buttons").split("\n").forEach(function (line) {
      var parts = line.split("|").map(function (p) { return p.trim(); });
      if (!parts[0]) { return; }
      var li = document.createElement("li");
      li.textContent = parts[0].toUpperCase() === "COPY_CODE" ? "Copy offer code" : (parts[1] || parts[0]);
      ul.appendChild(li);
    });
  }
  form.addEventListener("input", render);
  form.addEventListener("change", render);
  render();
}());
