// A master's working hours. intervalsEditor: one day's intervals (any number; a break is
// the gap between two intervals; an end of 00:00 means midnight, sent as "24:00").
// scheduleEditor: the week — per weekday its intervals or «Выходной», and «Скопировать
// на другие дни», which copies one day's hours to the days ticked.

import { h } from "./dom.js";
import { hhmm, minutesOf } from "./format.js";

export const WEEKDAYS = [
  ["mon", "Понедельник", "Пн"], ["tue", "Вторник", "Вт"], ["wed", "Среда", "Ср"], ["thu", "Четверг", "Чт"],
  ["fri", "Пятница", "Пт"], ["sat", "Суббота", "Сб"], ["sun", "Воскресенье", "Вс"],
];
const WORKDAYS = ["mon", "tue", "wed", "thu", "fri"];
const DEFAULT = ["09:00", "18:00"];

const toInput = (text) => (text === "24:00" ? "00:00" : text);
const fromInput = (text, isEnd) => (isEnd && text === "00:00" ? "24:00" : text);

/** «09:00–13:00, 14:00–18:00» or «выходной». */
export function describeIntervals(intervals) {
  if (!intervals || !intervals.length) return "выходной";
  return intervals.map(([a, b]) => `${a}–${b === "24:00" ? "24:00" : b}`).join(", ");
}

/** Problems of a list of [start, end] ("HH:MM") as a Russian sentence, or "". */
export function checkIntervals(intervals, where) {
  for (const [a, b] of intervals) {
    if (!/^\d\d:\d\d$/.test(a) || !/^\d\d:\d\d$/.test(b)) return `${where}: укажите время начала и конца`;
    if (minutesOf(b) <= minutesOf(a)) return `${where}: ${a}–${b} заканчивается раньше, чем начинается`;
  }
  const sorted = [...intervals].sort((x, y) => minutesOf(x[0]) - minutesOf(y[0]));
  for (let i = 1; i < sorted.length; i += 1) {
    if (minutesOf(sorted[i][0]) < minutesOf(sorted[i - 1][1])) {
      return `${where}: ${sorted[i - 1][0]}–${sorted[i - 1][1]} и ${sorted[i][0]}–${sorted[i][1]} пересекаются`;
    }
  }
  return "";
}

/** One day's intervals: {element, value(), set(intervals)}; `label` names the day for screen readers. */
export function intervalsEditor(initial, label, onChange = () => {}) {
  const list = h("div", { class: "intervals" });
  const add = h("button", { type: "button", class: "ghost add-interval", "aria-label": `${label}: добавить интервал` }, "+ интервал");
  const element = h("div", { class: "intervals-editor" }, list, add);

  const rows = () => [...list.querySelectorAll(".interval")];
  const value = () => rows()
    .map((r) => [r.querySelector("[data-part=start]").value, fromInput(r.querySelector("[data-part=end]").value, true)])
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));

  function paintGaps() {
    for (const gap of list.querySelectorAll(".gap")) gap.remove();
    const items = rows();
    for (let i = 1; i < items.length; i += 1) {
      const prevEnd = fromInput(items[i - 1].querySelector("[data-part=end]").value, true);
      const start = items[i].querySelector("[data-part=start]").value;
      if (prevEnd && start && minutesOf(start) > minutesOf(prevEnd)) {
        items[i].before(h("div", { class: "gap" }, `перерыв ${prevEnd}–${start}`));
      }
    }
  }

  function row(start, end) {
    const n = rows().length + 1;
    const a = h("input", { type: "time", step: 300, value: toInput(start), required: true, dataset: { part: "start" },
      "aria-label": `${label}: начало интервала ${n}` });
    const b = h("input", { type: "time", step: 300, value: toInput(end), required: true, dataset: { part: "end" },
      "aria-label": `${label}: конец интервала ${n}` });
    const remove = h("button", { type: "button", class: "ghost icon", title: "Убрать интервал", "aria-label": `${label}: убрать интервал ${n}` }, "✕");
    const el = h("div", { class: "interval" }, h("span", { class: "unit" }, "с"), a, h("span", { class: "unit" }, "до"), b, remove);
    const changed = () => { sortRows(); onChange(); };
    a.addEventListener("change", changed);
    b.addEventListener("change", changed);
    remove.addEventListener("click", () => {
      el.remove();
      paintGaps();
      onChange();
      add.focus();
    });
    return el;
  }

  function sortRows() {
    const items = rows().sort((x, y) => {
      const p = x.querySelector("[data-part=start]").value, q = y.querySelector("[data-part=start]").value;
      return p < q ? -1 : p > q ? 1 : 0;
    });
    list.append(...items);
    paintGaps();
  }

  function set(intervals) {
    list.replaceChildren();
    for (const [a, b] of intervals) list.append(row(a, b));
    paintGaps();
  }

  add.addEventListener("click", () => {
    const current = value();
    let next = DEFAULT;
    if (current.length) {
      const lastEnd = minutesOf(current[current.length - 1][1]);
      const start = Math.min(lastEnd + 60, 23 * 60);
      next = [hhmm(start), hhmm(Math.min(start + 180, 24 * 60))];
    }
    const el = row(next[0], next[1]);
    list.append(el);
    sortRows();
    onChange();
    el.querySelector("input").focus();
  });

  set(initial || []);
  return { element, addButton: add, value, set, count: () => rows().length };
}

/** The week: {element, value() → {mon: [[…]], …}, validate() → "" or a Russian message}. */
export function scheduleEditor(schedule) {
  const days = new Map();
  const element = h("div", { class: "week", role: "group", "aria-label": "График на неделю" });

  for (const [key, name] of WEEKDAYS) {
    const intervals = (schedule && schedule[key]) || [];
    const off = h("input", { type: "checkbox", name: `off-${key}`, checked: intervals.length === 0 });
    // Removing a day's last interval makes it a day off (what an empty day means anyway).
    const editor = intervalsEditor(intervals, name, () => {
      if (editor.count() === 0) {
        off.checked = true;
        paint();
        off.focus();
      }
    });
    const copy = h("button", { type: "button", class: "ghost copy-day", "aria-expanded": "false" }, "Скопировать на другие дни");
    const panel = copyPanel(key, name, () => copy.setAttribute("aria-expanded", "false"));
    const paint = () => {
      editor.element.hidden = off.checked;
      editor.addButton.hidden = off.checked;
      row.classList.toggle("day-off", off.checked);
    };
    off.addEventListener("change", () => {
      if (!off.checked && editor.count() === 0) editor.set([DEFAULT]);
      paint();
    });
    copy.addEventListener("click", () => {
      const open = panel.hidden;
      for (const other of days.values()) { other.panel.hidden = true; other.copy.setAttribute("aria-expanded", "false"); }
      panel.hidden = !open;
      copy.setAttribute("aria-expanded", String(open));
      if (open) panel.querySelector("input").focus();
    });
    const row = h("div", { class: "day-row", dataset: { day: key } },
      h("div", { class: "day-name" }, name),
      h("label", { class: "choice day-off-toggle" }, off, h("span", {}, "Выходной")),
      h("div", { class: "day-hours" }, editor.element, h("div", { class: "day-tools" }, editor.addButton, copy)), panel);
    days.set(key, { off, editor, copy, panel, name });
    element.append(row);
    paint();
  }

  function valueOf(key) {
    const d = days.get(key);
    return d.off.checked ? [] : d.editor.value();
  }

  function copyPanel(from, name, closed) {
    const boxes = WEEKDAYS.filter(([k]) => k !== from).map(([k, , short]) =>
      h("label", { class: "choice" }, h("input", { type: "checkbox", value: k, "aria-label": WEEKDAYS.find((w) => w[0] === k)[1] }), h("span", {}, short)));
    const tick = (keys) => boxes.forEach((l) => { const i = l.querySelector("input"); i.checked = keys.includes(i.value); });
    const panel = h("div", { class: "copy-panel", hidden: true, role: "group", "aria-label": `Скопировать часы: ${name}` },
      h("p", {}, `Скопировать часы дня «${name}» на:`),
      h("div", { class: "choice-list" }, boxes),
      h("div", { class: "copy-foot" },
        h("div", { class: "copy-quick" },
          h("button", { type: "button", class: "ghost", on: { click: () => tick(WORKDAYS) } }, "Будни"),
          h("button", { type: "button", class: "ghost", on: { click: () => tick(WEEKDAYS.map(([k]) => k)) } }, "Все дни"),
          h("button", { type: "button", class: "ghost", on: { click: () => tick([]) } }, "Снять")),
        h("div", { class: "copy-actions" },
          h("button", { type: "button", class: "ghost", on: { click: () => { panel.hidden = true; closed(); } } }, "Отмена"),
          h("button", { type: "button", class: "primary", dataset: { action: "copy" }, on: { click: apply } }, "Скопировать"))));
    function apply() {
      const targets = boxes.map((l) => l.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
      const hours = valueOf(from);
      for (const key of targets) {
        const d = days.get(key);
        d.off.checked = hours.length === 0;
        d.off.dispatchEvent(new Event("change"));
        d.editor.set(hours);
      }
      panel.hidden = true;
      closed();
      tick([]);
    }
    return panel;
  }

  return {
    element,
    value: () => Object.fromEntries(WEEKDAYS.map(([k]) => [k, valueOf(k)])),
    validate: () => {
      for (const [k, name] of WEEKDAYS) {
        const problem = checkIntervals(valueOf(k), name);
        if (problem) return problem;
      }
      return "";
    },
  };
}
