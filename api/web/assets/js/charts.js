// Small inline-SVG charts (no library): stacked bars and lines over days,
// horizontal bars (a share per person, e.g. a master's utilization).
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

function frame(rows, max, label, format = (v) => String(v)) {
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": label });
  svg.append(s("title", { text: label }));
  const innerH = H - M.top - M.bottom;
  const ticks = [0, 1, 2, 3, 4].map((i) => format(Math.round((max / 4) * i * 10) / 10));
  // wide enough for the longest tick label (money reads «12 000 ₽»), about 6.5 px a character at 11 px
  const left = Math.max(M.left, Math.ceil(Math.max(...ticks.map((t) => t.length)) * 6.5) + 10);
  ticks.forEach((text, i) => {
    const yy = M.top + innerH - (innerH * i) / 4;
    svg.append(s("line", { x1: left, x2: W - M.right, y1: yy, y2: yy, class: "grid-line" }));
    svg.append(s("text", { x: left - 6, y: yy + 4, class: "axis-label", "text-anchor": "end", text }));
  });
  const every = Math.max(1, Math.ceil(rows.length / Math.floor((W - left - M.right) / 50)));
  const band = (W - left - M.right) / Math.max(rows.length, 1);
  rows.forEach((row, i) => {
    if (i % every) return;
    svg.append(s("text", { x: left + band * (i + 0.5), y: H - 8, class: "axis-label", "text-anchor": "middle", text: shortDay(row.date) }));
  });
  return { svg, band, innerH, left };
}

function legend(series, explain) {
  return [
    h("div", { class: "legend" }, series.map((ser) => h("span", { class: "legend-item" },
      h("span", { class: ["swatch", `series-${ser.key}`], "aria-hidden": "true" }), ser.label))),
    explain ? h("p", { class: "chart-note" }, explain) : null,
  ];
}

/** Stacked bars per day. rows: [{date, …}], series: [{key, label}]; `explain`: what a bar counts;
 * `format`: how a value reads (axis and tooltips), e.g. as money. */
export function stackedBars(rows, series, label, explain = "", { format = (v) => String(v), key = "" } = {}) {
  fit();
  const max = niceMax(Math.max(0, ...rows.map((r) => series.reduce((sum, ser) => sum + (r[ser.key] || 0), 0))));
  const { svg, band, innerH, left } = frame(rows, max, label, format);
  const width = Math.max(2, band * 0.7);
  rows.forEach((row, i) => {
    let base = 0;
    for (const ser of series) {
      const value = row[ser.key] || 0;
      if (!value) continue;
      const hh = (innerH * value) / max;
      const rect = s("rect", {
        x: left + band * i + (band - width) / 2, y: M.top + innerH - base - hh, width, height: hh,
        class: `bar series-${ser.key}`, "data-date": row.date, "data-value": value,
      });
      rect.append(s("title", { text: `${shortDay(row.date)} — ${ser.label}: ${format(value)}` }));
      svg.append(rect);
      base += hh;
    }
  });
  return h("figure", { class: "chart-box", dataset: key ? { chart: key } : {} }, h("figcaption", {}, label), svg,
    legend(series, explain));
}

/** One line per series over days; `explain`: what a point counts. */
export function lines(rows, series, label, explain = "") {
  fit();
  const max = niceMax(Math.max(0, ...rows.flatMap((r) => series.map((ser) => r[ser.key] || 0))));
  const { svg, band, innerH, left } = frame(rows, max, label);
  for (const ser of series) {
    const points = rows.map((row, i) => [left + band * (i + 0.5), M.top + innerH - (innerH * (row[ser.key] || 0)) / max]);
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

const ROW = 30;
const percentOf = (ratio) => percent(Math.round(ratio * 1000) / 10);

/** Horizontal bars of shares (0..1, may pass 1): items [{id, label, value, note}]; `value` null
 * draws no bar and says `empty`. The scale ends at 100 % unless a share passes it. */
export function shareBars(items, label, explain = "", { key = "", empty = "—" } = {}) {
  fit();
  const labelW = Math.min(180, Math.round(W * 0.36));
  const valueW = 56;
  const height = M.top + ROW * Math.max(items.length, 1) + 8;
  const svg = s("svg", { viewBox: `0 0 ${W} ${height}`, class: "chart share-chart", role: "img", "aria-label": label });
  svg.append(s("title", { text: label }));
  const left = labelW + 8, right = W - valueW;
  const top = Math.max(1, ...items.map((i) => i.value || 0));
  for (const mark of [0, 0.5, 1]) {
    const x = left + ((right - left) * mark) / top;
    svg.append(s("line", { x1: x, x2: x, y1: M.top - 4, y2: height - 8, class: "grid-line" }));
  }
  const chars = Math.max(6, Math.floor(labelW / 7.5));
  items.forEach((item, i) => {
    const y = M.top + ROW * i;
    const name = item.label.length > chars ? `${item.label.slice(0, chars - 1)}…` : item.label;
    const text = item.value === null ? empty : percentOf(item.value);
    svg.append(s("text", { x: labelW, y: y + ROW / 2 + 4, class: "axis-label share-label", "text-anchor": "end", text: name }));
    if (item.value !== null) {
      const bar = s("rect", {
        x: left, y: y + 6, width: Math.max(item.value > 0 ? 2 : 0, ((right - left) * item.value) / top), height: ROW - 12,
        class: "bar series-utilization", "data-id": item.id, "data-value": item.value,
      });
      bar.append(s("title", { text: `${item.label} — ${text}${item.note ? ` (${item.note})` : ""}` }));
      svg.append(bar);
    }
    svg.append(s("text", { x: W - 4, y: y + ROW / 2 + 4, class: "axis-label share-value", "text-anchor": "end", text }));
  });
  return h("figure", { class: "chart-box", dataset: key ? { chart: key } : {} }, h("figcaption", {}, label), svg,
    explain ? h("p", { class: "chart-note" }, explain) : null);
}
