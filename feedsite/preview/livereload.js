// feedsite preview: live reload and the build-error overlay. Injected by `feedsite serve` only.
(function () {
  "use strict";
  if (!window.EventSource) return;
  var me = document.currentScript;
  var version = me ? me.getAttribute("data-version") : null;
  var OVERLAY = "feedsite-error-overlay";

  function hide() {
    var old = document.getElementById(OVERLAY);
    if (old) old.remove();
  }

  function show(problems) {
    hide();
    var box = document.createElement("div");
    box.id = OVERLAY;
    box.setAttribute("role", "alert");
    box.style.cssText =
      "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;" +
      "margin:0;padding:1em 1.25em;background:#2b0b0b;color:#ffd9d9;border-top:4px solid #e5484d;" +
      "font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 -4px 24px #0008";
    var title = document.createElement("strong");
    title.textContent = "Build failed \u2014 still showing the last good site. Fix the file and save.";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Hide");
    close.style.cssText = "float:right;background:none;border:0;color:inherit;font-size:20px;cursor:pointer";
    close.onclick = hide;
    var list = document.createElement("pre");
    list.style.cssText = "margin:.5em 0 0;white-space:pre-wrap;word-break:break-word";
    list.textContent = problems.join("\n");
    box.appendChild(close);
    box.appendChild(title);
    box.appendChild(list);
    (document.body || document.documentElement).appendChild(box);
  }

  function data(event) {
    try {
      return JSON.parse(event.data);
    } catch (e) {
      return {};
    }
  }

  var source = new EventSource("/__feedsite/events");
  source.addEventListener("hello", function (event) {
    var state = data(event);
    if (version !== null && String(state.version) !== version) {
      location.reload();  // the site changed while this page was loading
    } else if (state.problems && state.problems.length) {
      show(state.problems);
    } else {
      hide();
    }
  });
  source.addEventListener("reload", function () {
    location.reload();
  });
  source.addEventListener("ok", hide);
  source.addEventListener("failed", function (event) {
    show(data(event).problems || []);
  });
  window.addEventListener("pagehide", function () {
    source.close();
  });
})();
