// Cascade run report: hover and time-axis zoom. Our own code, inlined into report.html.
//
// It reads the JSON payload (#cascade-data): the shared time domain, the layout (the data of
// every chart are drawn on a canvas `supersample` times the plot size and scaled down), and per
// chart its plot area inside its SVG and its series' values per second.
// Hover: a crosshair on every chart at the same second, the values in each chart's legend, and
// a tooltip for the chart under the pointer. Zoom: drag across any chart to show that time range
// on every chart (only the data group's transform and the time-axis ticks change; the y axes
// keep their full-run range); double-click or Esc resets.
(function () {
  "use strict";
  const node = document.getElementById("cascade-data");
  if (!node) return;
  const data = JSON.parse(node.textContent);
  const S = data.layout.supersample;
  const full = [data.time_domain[0], data.time_domain[1]];
  let view = full.slice();
  const longLabels = full[1] >= 3600;
  const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
    43200, 86400];
  const MAX_TICKS = 10;
  const MIN_SPAN = 2;
  const NS = "http://www.w3.org/2000/svg";
  const tip = document.getElementById("tip");
  const resetButton = document.getElementById("reset-zoom");
  const rangeText = document.getElementById("zoom-range");

  const pad = (n) => (n < 10 ? "0" : "") + n;
  function timeLabel(t) {
    const sign = t < 0 ? "-" : "";
    t = Math.abs(t);
    if (longLabels) {
      return sign + Math.floor(t / 3600) + ":" + pad(Math.floor(t / 60) % 60) + ":" + pad(t % 60);
    }
    return sign + Math.floor(t / 60) + ":" + pad(t % 60);
  }

  // The same ticks as `time_ticks` in crates/report/src/chart.rs.
  function ticks(t0, t1) {
    const span = Math.max(t1 - t0, 1);
    let step = STEPS.find((s) => span / s <= MAX_TICKS);
    if (step === undefined) step = 86400 * Math.max(1, Math.ceil(span / 86400 / MAX_TICKS));
    const out = [];
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) out.push(t);
    return out;
  }

  function fmt(v, unit) {
    if (v === null || v === undefined) return "—";
    const a = Math.abs(v);
    let s;
    if (a >= 1e9) s = (v / 1e9).toFixed(2) + "B";
    else if (a >= 1e6) s = (v / 1e6).toFixed(2) + "M";
    else if (a >= 1e4) s = (v / 1e3).toFixed(1) + "k";
    else if (a >= 100) s = v.toFixed(1);
    else if (a === 0) s = "0";
    else s = String(Number(v.toPrecision(5)));
    return unit ? s + " " + unit : s;
  }

  const markerNames = { liquidation: "liquidations", backstop: "backstop takeovers",
    adl: "ADL fills", safeguard: "safeguards" };
  const markerColors = { liquidation: "#d62728", backstop: "#ff7f0e", adl: "#9467bd",
    safeguard: "#17becf" };

  // Markers per set, by second.
  const markersAt = data.sets.map((set) => {
    const m = new Map();
    for (const marker of set.markers) {
      if (!m.has(marker.t)) m.set(marker.t, []);
      m.get(marker.t).push(marker);
    }
    return m;
  });

  const charts = [];
  for (const svg of document.querySelectorAll("svg.chart")) {
    const si = Number(svg.getAttribute("data-set"));
    const ci = Number(svg.getAttribute("data-chart"));
    const set = data.sets[si];
    if (!set || !set.charts[ci]) continue;
    const chart = set.charts[ci];
    charts.push({
      svg, si, set, chart, plot: chart.plot,
      group: svg.querySelector("g.data"),
      axis: svg.querySelector("g.xaxis"),
      cross: svg.querySelector(".cross"),
      sel: svg.querySelector(".sel"),
      hit: svg.querySelector(".hit"),
      legend: chart.series.map((_, k) => document.querySelector(
        'b[data-v="' + si + "-" + ci + "-" + k + '"]')),
    });
  }

  const toTime = (c, x) => view[0] + (x - c.plot.left) / c.plot.width * (view[1] - view[0]);
  const toX = (c, t) => c.plot.left + (t - view[0]) / (view[1] - view[0]) * c.plot.width;

  function svgX(c, event) {
    const m = c.svg.getScreenCTM();
    if (!m) return c.plot.left;
    const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(m.inverse());
    return Math.min(Math.max(p.x, c.plot.left), c.plot.left + c.plot.width);
  }

  // Index of the second nearest to t in a sorted list of seconds.
  function nearest(times, t) {
    let lo = 0;
    let hi = times.length - 1;
    if (hi < 0) return -1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && Math.abs(times[lo - 1] - t) <= Math.abs(times[lo] - t)) lo -= 1;
    return lo;
  }

  function el(tag, attrs) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }

  function drawAxis(c) {
    const top = c.plot.top;
    const bottom = c.plot.top + c.plot.height;
    c.axis.replaceChildren();
    for (const t of ticks(view[0], view[1])) {
      const x = Math.round(toX(c, t) * 10) / 10;
      c.axis.appendChild(el("line",
        { class: "grid", x1: x, x2: x, y1: top, y2: bottom, stroke: "#e2e2e2" }));
      c.axis.appendChild(el("line",
        { class: "tick", x1: x, x2: x, y1: bottom, y2: bottom + 4, stroke: "#8c8c8c" }));
      const text = el("text", { x: x, y: bottom + 17, "text-anchor": "middle",
        "font-family": "sans-serif", "font-size": "10.5", fill: "#464646" });
      text.textContent = timeLabel(t);
      c.axis.appendChild(text);
    }
  }

  function setView(v) {
    view = v;
    const span = view[1] - view[0];
    for (const c of charts) {
      const sx = (full[1] - full[0]) / (span * S);
      const tx = c.plot.left + (full[0] - view[0]) / span * c.plot.width;
      c.group.setAttribute("transform",
        "translate(" + tx + " " + c.plot.top + ") scale(" + sx + " " + 1 / S + ")");
      drawAxis(c);
    }
    const zoomed = view[0] > full[0] || view[1] < full[1];
    if (resetButton) resetButton.hidden = !zoomed;
    if (rangeText) {
      rangeText.textContent = zoomed
        ? "Showing " + timeLabel(Math.round(view[0])) + " to " + timeLabel(Math.round(view[1]))
        : "";
    }
  }

  function hideHover() {
    for (const c of charts) {
      c.cross.style.visibility = "hidden";
      for (const b of c.legend) if (b) b.textContent = "";
    }
    tip.hidden = true;
  }

  function row(color, name, value) {
    const r = document.createElement("div");
    r.className = "row";
    const left = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = color;
    left.append(swatch, name);
    const right = document.createElement("span");
    right.textContent = value;
    r.append(left, right);
    return r;
  }

  function showTip(c, i, event) {
    const t = c.set.time_s[i];
    tip.replaceChildren();
    const head = document.createElement("div");
    head.className = "t";
    head.textContent = timeLabel(t) + "  (" + t + " s)";
    tip.appendChild(head);
    for (const s of c.chart.series) tip.appendChild(row(s.color, s.label, fmt(s.values[i], c.chart.unit)));
    if (c.chart.markers) {
      for (const m of markersAt[c.si].get(t) || []) {
        const e = document.createElement("div");
        e.className = "ev";
        let text = m.count + " " + markerNames[m.kind];
        if (m.usd !== null && m.usd !== undefined) text += ", " + fmt(m.usd, "USD");
        if (m.labels) text += ": " + m.labels.join("; ");
        e.appendChild(row(markerColors[m.kind], text, ""));
        tip.appendChild(e);
      }
    }
    tip.hidden = false;
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    let x = event.clientX + 14;
    let y = event.clientY + 14;
    if (x + w > window.innerWidth - 4) x = event.clientX - w - 14;
    if (y + h > window.innerHeight - 4) y = event.clientY - h - 14;
    tip.style.left = Math.max(4, x) + "px";
    tip.style.top = Math.max(4, y) + "px";
  }

  function hover(current, event) {
    const t = toTime(current, svgX(current, event));
    for (const c of charts) {
      const i = nearest(c.set.time_s, t);
      if (i < 0) continue;
      const at = c.set.time_s[i];
      if (at < view[0] || at > view[1]) {
        c.cross.style.visibility = "hidden";
      } else {
        const x = toX(c, at);
        c.cross.setAttribute("x1", x);
        c.cross.setAttribute("x2", x);
        c.cross.style.visibility = "visible";
      }
      c.chart.series.forEach((s, k) => {
        if (c.legend[k]) c.legend[k].textContent = fmt(s.values[i], "");
      });
      if (c === current) showTip(c, i, event);
    }
  }

  let drag = null;
  for (const c of charts) {
    c.hit.addEventListener("pointermove", (event) => {
      if (drag && drag.c === c) {
        const x = svgX(c, event);
        c.sel.setAttribute("x", Math.min(drag.x, x));
        c.sel.setAttribute("width", Math.abs(x - drag.x));
        c.sel.style.visibility = "visible";
      }
      hover(c, event);
    });
    c.hit.addEventListener("pointerleave", () => {
      if (!drag) hideHover();
    });
    c.hit.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      drag = { c, x: svgX(c, event) };
      c.hit.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    c.hit.addEventListener("pointerup", (event) => {
      if (!drag || drag.c !== c) return;
      const x = svgX(c, event);
      const start = drag.x;
      drag = null;
      c.sel.style.visibility = "hidden";
      c.sel.setAttribute("width", 0);
      if (Math.abs(x - start) < 5) return;
      let t0 = toTime(c, Math.min(start, x));
      let t1 = toTime(c, Math.max(start, x));
      if (t1 - t0 < MIN_SPAN) {
        const mid = (t0 + t1) / 2;
        t0 = mid - MIN_SPAN / 2;
        t1 = mid + MIN_SPAN / 2;
      }
      setView([Math.max(full[0], t0), Math.min(full[1], t1)]);
      hover(c, event);
    });
    c.hit.addEventListener("pointercancel", () => {
      drag = null;
      c.sel.style.visibility = "hidden";
    });
    c.hit.addEventListener("dblclick", () => setView(full.slice()));
  }
  if (resetButton) resetButton.addEventListener("click", () => setView(full.slice()));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setView(full.slice());
  });
  // Expose the zoom for tests driving the page (for example a headless browser).
  window.cascadeReport = { setView: (t0, t1) => setView([t0, t1]), view: () => view.slice() };
})();
