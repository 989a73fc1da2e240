// Cascade live page: reads the server's frame stream (server-sent events) and shows it.
// Our own code; no third-party script. Charts arrive drawn (SVG from the report's renderer).
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var token = params.get("token");
  var suffix = token ? "token=" + encodeURIComponent(token) : "";
  var $ = function (id) { return document.getElementById(id); };
  var chartsFrames = 0;
  var NOTABLE_SHOWN = 300;

  function fmtUsd(v) {
    if (!isFinite(v)) { return "—"; }
    var a = Math.abs(v);
    if (a >= 1e9) { return "$" + (v / 1e9).toFixed(2) + "B"; }
    if (a >= 1e6) { return "$" + (v / 1e6).toFixed(2) + "M"; }
    if (a >= 1e3) { return "$" + (v / 1e3).toFixed(1) + "k"; }
    return "$" + v.toFixed(0);
  }

  function fmtTime(s) {
    var m = Math.floor(s / 60), r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  var LABELS = {
    liquidation_burst: "liquidation burst",
    liquidation: "liquidation",
    backstop: "backstop takeover",
    adl: "ADL",
    bad_debt: "bad debt",
    safeguard: "safeguard"
  };

  function onHello(f) {
    $("charts").innerHTML = "";
    $("notable").innerHTML = "";
    $("title").textContent = "Cascade — " + f.title;
    $("description").textContent = f.description + " (" + f.source + ")";
    document.title = "Cascade — " + f.title;
  }

  function onStatus(f) {
    var text = "t = " + fmtTime(f.time_s);
    text += f.speed > 0 ? " · " + f.speed + "×" : " · as fast as possible";
    if (f.events_per_s > 0) { text += " · " + Math.round(f.events_per_s).toLocaleString() + " events/s"; }
    if (f.paused) { text += " · paused"; }
    if (f.done) { text += " · finished"; }
    $("status").textContent = text;
    $("pause").disabled = f.paused || f.done;
    $("resume").disabled = !f.paused || f.done;
    document.body.dataset.paused = f.paused ? "1" : "0";
    var select = $("speed");
    if (document.activeElement !== select) {
      var wanted = String(f.speed);
      var found = false;
      for (var i = 0; i < select.options.length; i++) {
        if (select.options[i].value === wanted) { found = true; }
      }
      if (!found) {
        var option = document.createElement("option");
        option.value = wanted;
        option.textContent = wanted + "×";
        select.insertBefore(option, select.firstChild);
      }
      select.value = wanted;
    }
  }

  function onNotable(f) {
    var li = document.createElement("li");
    li.className = "k-" + f.kind;
    var what = LABELS[f.kind] || f.kind;
    var where = f.venue + (f.market ? " " + f.market : "");
    li.textContent = fmtTime(f.time_s) + " " + where + ": " + what +
      (f.count > 1 ? " ×" + f.count : "") + (f.usd > 0 ? ", " + fmtUsd(f.usd) : "");
    var list = $("notable");
    list.insertBefore(li, list.firstChild);
    while (list.children.length > NOTABLE_SHOWN) { list.removeChild(list.lastChild); }
  }

  function onCharts(f) {
    var root = $("charts");
    f.sets.forEach(function (set, si) {
      var id = "set-" + si;
      var section = document.getElementById(id);
      if (!section) {
        section = document.createElement("section");
        section.id = id;
        var h = document.createElement("h2");
        h.textContent = set.venue + " · " + set.market;
        section.appendChild(h);
        root.appendChild(section);
      }
      set.svgs.forEach(function (svg, ci) {
        var boxId = id + "-" + ci;
        var box = document.getElementById(boxId);
        if (!box) {
          box = document.createElement("div");
          box.id = boxId;
          box.className = "chart-box";
          section.appendChild(box);
        }
        box.innerHTML = svg;
        var drawn = box.querySelector("svg");
        var title = drawn ? drawn.getAttribute("aria-label") : null;
        var caption = box.previousElementSibling;
        if (title && (!caption || caption.className !== "chart-title" || caption.dataset.box !== boxId)) {
          caption = document.createElement("div");
          caption.className = "chart-title";
          caption.dataset.box = boxId;
          caption.textContent = title;
          section.insertBefore(caption, box);
        }
      });
    });
    chartsFrames += 1;
    document.body.dataset.chartsFrames = String(chartsFrames);
    document.body.dataset.lastTime = String(f.time_s);
  }

  function connect() {
    var source = new EventSource("/events" + (suffix ? "?" + suffix : ""));
    source.onmessage = function (e) {
      var f;
      try { f = JSON.parse(e.data); } catch (err) { return; }
      if (f.type === "hello") { onHello(f); }
      else if (f.type === "status") { onStatus(f); }
      else if (f.type === "notable") { onNotable(f); }
      else if (f.type === "charts") { onCharts(f); }
    };
    source.onerror = function () {
      $("status").textContent = "reconnecting…";
    };
  }

  function control(action, value) {
    var q = "action=" + action + (value !== undefined ? "&value=" + value : "") + (suffix ? "&" + suffix : "");
    return fetch("/control?" + q, { method: "POST" }).then(function (r) { return r.json(); })
      .then(function (s) {
        $("pause").disabled = s.paused;
        $("resume").disabled = !s.paused;
        document.body.dataset.paused = s.paused ? "1" : "0";
      })
      .catch(function () { $("status").textContent = "control request failed"; });
  }

  $("pause").addEventListener("click", function () { control("pause"); });
  $("resume").addEventListener("click", function () { control("resume"); });
  $("speed").addEventListener("change", function (e) { control("speed", e.target.value); });
  connect();
}());
