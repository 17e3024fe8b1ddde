// Duizhao: small enhancements only; every page works without this file.
(function () {
  "use strict";
  // "/" focuses the search box (unless typing in a field already).
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
    var q = document.getElementById("q");
    if (q) { ev.preventDefault(); q.focus(); q.select(); }
  });
  // Copy buttons (hidden without JS): copy the text of the element named in data-copy.
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (b) {
    var src = document.getElementById(b.getAttribute("data-copy"));
    if (!src || !navigator.clipboard) return;
    b.hidden = false;
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(src.textContent).then(function () {
        b.textContent = "Copied";
        setTimeout(function () { b.textContent = "Copy"; }, 1500);
      }, function () { b.textContent = "Select and copy"; });
    });
  });
})();
// Suggestions as you type (glossary terms, document titles) in a <datalist>; without
// this file the search box is a plain search box.
(function () {
  "use strict";
  var q = document.getElementById("q");
  if (!q || !window.fetch) return;
  var list = document.createElement("datalist");
  list.id = "q-suggestions";
  q.parentNode.appendChild(list);
  q.setAttribute("list", list.id);
  var timer = null, last = "";
  q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var text = q.value.trim();
      if (!text || text === last) return;
      last = text;
      fetch("/api/v1/suggest?q=" + encodeURIComponent(text.slice(0, 100)))
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          if (q.value.trim() !== text) return;
          list.textContent = "";
          data.suggestions.forEach(function (s) {
            var o = document.createElement("option");
            o.value = s.text;
            if (s.kind === "glossary") o.label = s.other;
            list.appendChild(o);
          });
        }, function () {});
    }, 200);
  });
})();
