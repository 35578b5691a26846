// Small inline-SVG charts (no library): stacked bars and lines over days.
// Colours come from CSS classes (series-*), labels are text nodes, each mark
// has a <title> tooltip. Charts scale with their container through viewBox.

import { h, s } from "./dom.js";

const W = 720, H = 240;
const M = { top: 12, right: 12, bottom: 28, left: 36 };

/** A round top for the y axis, so that its four steps are whole, round numbers. */
function niceMax(value) {
  const raw = Math.max(value, 1) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((v) => v >= raw && Number.isInteger(v)) || Math.ceil(raw);
  return step * 4;
}

const shortDay = (iso) => `${iso.slice(8, 10)}.${iso.slice(5, 7)}`;

function frame(rows, max, label) {
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": label });
  svg.append(s("title", { text: label }));
  const innerH = H - M.top - M.bottom;
  for (let i = 0; i <= 4; i++) {
    const value = (max / 4) * i;
    const yy = M.top + innerH - (innerH * i) / 4;
    svg.append(s("line", { x1: M.left, x2: W - M.right, y1: yy, y2: yy, class: "grid-line" }));
    svg.append(s("text", { x: M.left - 6, y: yy + 4, class: "axis-label", "text-anchor": "end", text: String(Math.round(value * 10) / 10) }));
  }
  const every = Math.max(1, Math.ceil(rows.length / 12));
  const band = (W - M.left - M.right) / Math.max(rows.length, 1);
  rows.forEach((row, i) => {
    if (i % every) return;
    svg.append(s("text", { x: M.left + band * (i + 0.5), y: H - 8, class: "axis-label", "text-anchor": "middle", text: shortDay(row.date) }));
  });
  return { svg, band, innerH };
}

function legend(series) {
  return h("div", { class: "legend" }, series.map((ser) => h("span", { class: "legend-item" },
    h("span", { class: ["swatch", `series-${ser.key}`] }), ser.label)));
}

/** Stacked bars per day. rows: [{date, …}], series: [{key, label}] */
export function stackedBars(rows, series, label) {
  const max = niceMax(Math.max(0, ...rows.map((r) => series.reduce((sum, ser) => sum + (r[ser.key] || 0), 0))));
  const { svg, band, innerH } = frame(rows, max, label);
  const width = Math.max(2, band * 0.7);
  rows.forEach((row, i) => {
    let base = 0;
    for (const ser of series) {
      const value = row[ser.key] || 0;
      if (!value) continue;
      const hh = (innerH * value) / max;
      const rect = s("rect", {
        x: M.left + band * i + (band - width) / 2, y: M.top + innerH - base - hh, width, height: hh,
        class: `bar series-${ser.key}`, "data-date": row.date,
      });
      rect.append(s("title", { text: `${shortDay(row.date)} — ${ser.label}: ${value}` }));
      svg.append(rect);
      base += hh;
    }
  });
  return h("figure", { class: "chart-box" }, h("figcaption", {}, label), svg, legend(series));
}

/** One line per series over days. */
export function lines(rows, series, label) {
  const max = niceMax(Math.max(0, ...rows.flatMap((r) => series.map((ser) => r[ser.key] || 0))));
  const { svg, band, innerH } = frame(rows, max, label);
  for (const ser of series) {
    const points = rows.map((row, i) => [M.left + band * (i + 0.5), M.top + innerH - (innerH * (row[ser.key] || 0)) / max]);
    svg.append(s("polyline", { points: points.map((p) => p.join(",")).join(" "), class: `line series-${ser.key}` }));
    points.forEach(([cx, cy], i) => {
      const dot = s("circle", { cx, cy, r: 3, class: `dot series-${ser.key}` });
      dot.append(s("title", { text: `${shortDay(rows[i].date)} — ${ser.label}: ${rows[i][ser.key] || 0}` }));
      svg.append(dot);
    });
  }
  return h("figure", { class: "chart-box" }, h("figcaption", {}, label), svg, legend(series));
}

/** A ring showing a percentage. */
export function ring(pct, label) {
  const r = 42, c = 2 * Math.PI * r;
  const value = Math.max(0, Math.min(100, Number(pct) || 0));
  const svg = s("svg", { viewBox: "0 0 100 100", class: "ring", role: "img", "aria-label": `${label}: ${value}%` },
    s("circle", { cx: 50, cy: 50, r, class: "ring-track" }),
    s("circle", { cx: 50, cy: 50, r, class: "ring-value", "stroke-dasharray": `${(c * value) / 100} ${c}`, transform: "rotate(-90 50 50)" }),
    s("text", { x: 50, y: 56, "text-anchor": "middle", class: "ring-text", text: `${value}%` }));
  return h("figure", { class: "ring-box" }, svg, h("figcaption", {}, label));
}
