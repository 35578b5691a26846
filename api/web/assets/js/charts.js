// Small inline-SVG charts (no library): stacked bars and lines over days.
// Colours come from CSS classes (series-*), labels are text nodes, each mark
// has a <title> tooltip and its number in data-value. Charts scale with their
// container through viewBox. Under each chart a legend names the series and a
// line says what a bar or a point counts.

import { h, s } from "./dom.js";

const H = 240;
const M = { top: 12, right: 12, bottom: 28, left: 36 };
let W = 720;

/** Drawn near the width it will be seen at, so that labels stay readable on a phone. */
function fit() {
  W = Math.max(320, Math.min(720, document.documentElement.clientWidth - 50));
}

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
  const every = Math.max(1, Math.ceil(rows.length / Math.floor((W - M.left - M.right) / 50)));
  const band = (W - M.left - M.right) / Math.max(rows.length, 1);
  rows.forEach((row, i) => {
    if (i % every) return;
    svg.append(s("text", { x: M.left + band * (i + 0.5), y: H - 8, class: "axis-label", "text-anchor": "middle", text: shortDay(row.date) }));
  });
  return { svg, band, innerH };
}

function legend(series, explain) {
  return [
    h("div", { class: "legend" }, series.map((ser) => h("span", { class: "legend-item" },
      h("span", { class: ["swatch", `series-${ser.key}`], "aria-hidden": "true" }), ser.label))),
    explain ? h("p", { class: "chart-note" }, explain) : null,
  ];
}

/** Stacked bars per day. rows: [{date, …}], series: [{key, label}]; `explain`: what a bar counts. */
export function stackedBars(rows, series, label, explain = "") {
  fit();
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
        class: `bar series-${ser.key}`, "data-date": row.date, "data-value": value,
      });
      rect.append(s("title", { text: `${shortDay(row.date)} — ${ser.label}: ${value}` }));
      svg.append(rect);
      base += hh;
    }
  });
  return h("figure", { class: "chart-box" }, h("figcaption", {}, label), svg, legend(series, explain));
}

/** One line per series over days; `explain`: what a point counts. */
export function lines(rows, series, label, explain = "") {
  fit();
  const max = niceMax(Math.max(0, ...rows.flatMap((r) => series.map((ser) => r[ser.key] || 0))));
  const { svg, band, innerH } = frame(rows, max, label);
  for (const ser of series) {
    const points = rows.map((row, i) => [M.left + band * (i + 0.5), M.top + innerH - (innerH * (row[ser.key] || 0)) / max]);
    svg.append(s("polyline", { points: points.map((p) => p.join(",")).join(" "), class: `line series-${ser.key}` }));
    points.forEach(([cx, cy], i) => {
      const dot = s("circle", { cx, cy, r: 3, class: `dot series-${ser.key}`, "data-date": rows[i].date, "data-value": rows[i][ser.key] || 0 });
      dot.append(s("title", { text: `${shortDay(rows[i].date)} — ${ser.label}: ${rows[i][ser.key] || 0}` }));
      svg.append(dot);
    });
  }
  return h("figure", { class: "chart-box" }, h("figcaption", {}, label), svg, legend(series, explain));
}

const percent = (value) => `${String(value).replace(".", ",")}%`;

/** A ring showing a percentage; 0 % draws the empty track only (a round cap would leave a dot). */
export function ring(pct, label, meaning = "", key = "") {
  const r = 42, c = 2 * Math.PI * r;
  const value = Math.max(0, Math.min(100, Number(pct) || 0));
  const svg = s("svg", { viewBox: "0 0 100 100", class: "ring", role: "img", "aria-label": `${label}: ${percent(value)}` },
    s("circle", { cx: 50, cy: 50, r, class: "ring-track" }));
  if (value > 0) {
    svg.append(s("circle", {
      cx: 50, cy: 50, r, class: value >= 100 ? "ring-value full" : "ring-value",
      "stroke-dasharray": `${(c * value) / 100} ${c}`, transform: "rotate(-90 50 50)",
    }));
  }
  svg.append(s("text", { x: 50, y: 56, "text-anchor": "middle", class: "ring-text", text: percent(value) }));
  return h("figure", { class: "ring-box", dataset: key ? { ring: key } : {} }, svg,
    h("figcaption", {}, h("span", { class: "ring-label" }, label), meaning ? h("span", { class: "kpi-meaning" }, meaning) : null));
}
