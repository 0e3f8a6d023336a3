// A small line chart in SVG (no library): a rate over the last minutes, with its peak and
// the time axis labelled.

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** `points`: [{t (ms), v}] oldest first; `windowMs`: the span shown, ending now;
 *  `label(v)`: the peak's text. Answers an <svg>. */
export function lineChart(points, { windowMs, label, cls = "line-1", title }) {
  const width = 600;
  const height = 150;
  const pad = { left: 8, right: 8, top: 18, bottom: 18 };
  const now = Date.now();
  const peak = Math.max(0, ...points.map((p) => p.v));
  const top = peak > 0 ? peak * 1.1 : 1;
  const x = (t) => pad.left + ((t - (now - windowMs)) / windowMs) * (width - pad.left - pad.right);
  const y = (v) => height - pad.bottom - (v / top) * (height - pad.top - pad.bottom);
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img" });
  chart.append(svg("title", {}, title));
  chart.append(svg("line", { class: "axis", x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0) }));
  const shown = points.filter((p) => p.t >= now - windowMs);
  if (shown.length > 1) {
    const d = shown.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" ");
    chart.append(svg("path", { class: cls, d }));
  }
  chart.append(svg("text", { x: pad.left, y: 12 }, `peak ${label(peak)}`));
  chart.append(svg("text", { x: pad.left, y: height - 4 }, `−${Math.round(windowMs / 60000)} min`));
  chart.append(svg("text", { x: width - pad.right, y: height - 4, "text-anchor": "end" }, "now"));
  return chart;
}
