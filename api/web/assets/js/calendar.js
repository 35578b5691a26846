// The calendar: one day of one branch, a column per master, time down the side
// in the branch's own timezone. Working hours are white, the rest grey.
// Drag a block to another time or master → PATCH …/reschedule (optimistic,
// rolled back with a message on refusal); click an empty cell → booking form.
// Many masters scroll sideways under a time column that stays put. A branch
// without masters or services says so, with a link to the page that fixes it.

import { api } from "./api.js";
import { openBooking } from "./booking.js";
import { h, options } from "./dom.js";
import { draggable } from "./drag.js";
import { addDays, dayTitle, hhmm, isoAt, localDate, localMinutes, localTime, minutesOf } from "./format.js";
import * as live from "./live.js";
import { branchById, prefs, singleBranch, statusTitle } from "./prefs.js";
import { toast } from "./toast.js";
import { serviceNames } from "./visit.js";

const PX = 1.6; // pixels per minute: 96 px an hour (app.css draws the hour lines to match)
const appts = new Map();
let staff = [];
let branch = null;
let root = null;
let grid = null;
let title = null;
let scroller = null;
let notice = null;
let services = null; // {branch, items}: the services of a branch, null while unknown
let preview = null;
let range = { start: 9 * 60, end: 21 * 60 };
let loading = 0;

const step = () => branch?.slot_step_min || 15;
const duration = (a) => Math.round((Date.parse(a.end) - Date.parse(a.start)) / 60000);
const onDay = (a) => a.branch_id === branch?.id && localDate(a.start) === prefs.day && a.status !== "cancelled";

function hoursOf(s) {
  const day = s.hours.find((d) => d.date === prefs.day);
  return (day ? day.intervals : []).map(([a, b]) => [minutesOf(a), minutesOf(b)]);
}

function computeRange() {
  let lo = Infinity, hi = -Infinity;
  for (const s of staff) for (const [a, b] of hoursOf(s)) { lo = Math.min(lo, a); hi = Math.max(hi, b); }
  for (const a of appts.values()) {
    if (!onDay(a)) continue;
    lo = Math.min(lo, localMinutes(a.start));
    hi = Math.max(hi, localMinutes(a.start) + duration(a));
  }
  if (!Number.isFinite(lo)) { lo = 9 * 60; hi = 21 * 60; }
  range = { start: Math.floor(lo / 60) * 60, end: Math.min(Math.ceil(hi / 60) * 60, 24 * 60) };
}

const y = (minutes) => (minutes - range.start) * PX;

function block(a) {
  const el = h("div", {
    class: ["cal-appt", `status-${a.status}`], tabindex: 0,
    dataset: { id: a.id, staff: a.staff.id, start: a.start },
    title: `${statusTitle(a.status)} · ${serviceNames(a)}`,
  },
  h("div", { class: "cal-appt-time" }, `${localTime(a.start)}–${localTime(a.end)}`),
  h("div", { class: "cal-appt-client" }, a.client.name || "Без имени"),
  h("div", { class: "cal-appt-service" }, serviceNames(a)));
  el.style.top = `${y(localMinutes(a.start))}px`;
  el.style.height = `${Math.max(duration(a) * PX, 18)}px`;
  const final = a.status === "done" || a.status === "no_show";
  if (!final) {
    draggable(el, {
      target: ".cal-col",
      over: (col, _x, py, grab) => showPreview(col, a, py - grab.dy),
      drop: (col, _x, py, grab) => {
        const fresh = root.querySelector(`.cal-col[data-staff="${CSS.escape(col.dataset.staff)}"]`);
        if (fresh) reschedule(a.id, fresh.dataset.staff, minuteAt(fresh, py - grab.dy, duration(a)));
      },
      end: hidePreview,
    });
  } else el.classList.add("final");
  return el;
}

/** The snapped start minute for a block whose top edge is at viewport y `top` in `col`. */
function minuteAt(col, top, length) {
  const raw = range.start + (top - col.getBoundingClientRect().top) / PX;
  const snapped = Math.round(raw / step()) * step();
  return Math.max(range.start, Math.min(snapped, range.end - length));
}

function showPreview(col, a, top) {
  if (!col) return hidePreview();
  const minute = minuteAt(col, top, duration(a));
  if (!preview) preview = h("div", { class: "cal-preview" });
  preview.textContent = `${hhmm(minute)}–${hhmm(minute + duration(a))}`;
  preview.style.top = `${y(minute)}px`;
  preview.style.height = `${duration(a) * PX}px`;
  if (preview.parentElement !== col) col.append(preview);
}

function hidePreview() {
  if (preview) preview.remove();
}

function column(s) {
  const col = h("div", { class: "cal-col", dataset: { staff: s.id } });
  col.style.height = `${(range.end - range.start) * PX}px`;
  for (const [a, b] of hoursOf(s)) {
    const work = h("div", { class: "cal-work" });
    work.style.top = `${y(a)}px`;
    work.style.height = `${(b - a) * PX}px`;
    col.append(work);
  }
  for (const a of appts.values()) if (onDay(a) && a.staff.id === s.id) col.append(block(a));
  col.addEventListener("click", (e) => {
    if (e.target.closest(".cal-appt")) return;
    const raw = range.start + (e.clientY - col.getBoundingClientRect().top) / PX;
    const minute = Math.floor(raw / step()) * step();
    openBooking({ branch_id: branch.id, staff_id: s.id, day: prefs.day, start: isoAt(branch.timezone, prefs.day, minute) });
  });
  return col;
}

/** «Добавьте … на странице «…»» with the link to that page. */
function fix(what, page, href) {
  return h("p", {}, `${what} на странице `, h("a", { href }, `«${page}»`), ".");
}

/** What is missing in this branch for the calendar to be of use, said inside the view. */
function empties() {
  const missing = [];
  if (!staff.length) {
    missing.push(h("p", { class: "empty-title" }, "В этом филиале пока нет мастеров — календарю нечего показать."),
      fix("Добавьте мастеров", "Мастера и график", "#/staff"));
  }
  if (services && services.branch === branch.id && !services.items.length) {
    missing.push(h("p", { class: "empty-title" }, "В этом филиале нет услуг — записать клиента не получится."),
      fix("Добавьте услуги", "Услуги и цены", "#/services"));
  }
  notice.replaceChildren(...missing);
  notice.hidden = !missing.length;
  scroller.hidden = !staff.length;
}

function render() {
  computeRange();
  title.textContent = `${dayTitle(prefs.day)} · время филиала (${branch.timezone})`;
  empties();
  const axis = h("div", { class: "cal-axis" });
  axis.style.height = `${(range.end - range.start) * PX}px`;
  for (let m = range.start; m < range.end; m += 60) {
    const label = h("div", { class: "cal-hour" }, hhmm(m));
    label.style.top = `${y(m)}px`;
    axis.append(label);
  }
  const head = [h("div", { class: "cal-corner" }), ...staff.map((s) => h("div", { class: "cal-head" }, s.name))];
  grid.replaceChildren(...head, axis, ...staff.map(column));
  grid.style.gridTemplateColumns = `56px repeat(${Math.max(staff.length, 1)}, minmax(var(--cal-col-min), 1fr))`;
}

async function reschedule(id, staffId, minute) {
  const before = appts.get(id);
  if (!before) return;
  const start = isoAt(branch.timezone, prefs.day, minute);
  if (Date.parse(start) === Date.parse(before.start) && staffId === before.staff.id) return;
  const moved = {
    ...before, start, end: isoAt(branch.timezone, prefs.day, minute + duration(before)),
    staff: { id: staffId, name: staff.find((s) => s.id === staffId)?.name || "" },
  };
  appts.set(id, moved);
  render();
  try {
    const fresh = await api(`/appointments/${encodeURIComponent(id)}/reschedule`, {
      method: "PATCH", body: { start, staff_id: staffId, version: before.version },
    });
    accept(fresh);
  } catch (err) {
    if (appts.get(id) === moved) {
      appts.set(id, before);
      render();
    }
    toast(err.message, "error");
    if (err.code === "version_conflict") load();
  }
}

function accept(a) {
  const known = appts.get(a.id);
  if (known && known.version > a.version) return;
  appts.set(a.id, a);
  render();
}

async function load() {
  const ticket = ++loading;
  try {
    const [data, offered] = await Promise.all([
      api("/dashboard/board", { query: { branch_id: branch.id, date_from: prefs.day, date_to: prefs.day } }),
      services?.branch === branch.id ? services : api("/services", { query: { branch_id: branch.id } }),
    ]);
    if (ticket !== loading) return;
    services = { branch: branch.id, items: offered.items };
    if (!prefs.day) {
      prefs.day = data.branches[0]?.date_from;
      prefs.today = prefs.today || prefs.day;
      root.querySelector("[name=day]").value = prefs.day;
    }
    staff = data.staff.filter((s) => s.branch_id === branch.id);
    appts.clear();
    for (const c of data.columns) for (const a of c.cards) appts.set(a.id, a);
    render();
    live.start(data.seq);
  } catch (err) {
    if (ticket === loading) toast(err.message, "error");
  }
}

function toolbar() {
  const select = h("select", { name: "branch", "aria-label": "Филиал" });
  options(select, prefs.branches.map((b) => [b.id, b.name]), branch.id);
  select.hidden = prefs.branches.length < 2;
  select.addEventListener("change", () => { branch = branchById(select.value); prefs.branch = branch.id; load(); });
  const day = h("input", { type: "date", name: "day", "aria-label": "День", value: prefs.day || "" });
  const go = (d) => { prefs.day = d; day.value = d; load(); };
  day.addEventListener("change", () => day.value && go(day.value));
  return h("div", { class: "toolbar" }, select, h("div", { class: "day-nav" },
    h("button", { type: "button", class: "ghost", "aria-label": "Предыдущий день", on: { click: () => go(addDays(prefs.day, -1)) } }, "‹"),
    day,
    h("button", { type: "button", class: "ghost", "aria-label": "Следующий день", on: { click: () => go(addDays(prefs.day, 1)) } }, "›"),
    h("button", { type: "button", class: "ghost", on: { click: () => prefs.today && go(prefs.today) } }, "Сегодня")));
}

export function mount(view) {
  branch = singleBranch();
  if (!branch) {
    view.append(h("p", {}, "Нет доступных филиалов"));
    return () => {};
  }
  if (!prefs.day) prefs.day = prefs.from;
  title = h("h2", { class: "cal-title" });
  grid = h("div", { class: "cal-grid" });
  notice = h("div", { class: "empty-state", role: "status", hidden: true });
  scroller = h("div", { class: "cal-scroll" }, grid);
  services = null;
  root = h("section", { class: "calendar-page" }, toolbar(), title, notice, scroller);
  view.append(root);
  const off = live.on((frame) => {
    const a = frame.appointment;
    if (!a || a.branch_id !== branch.id) return;
    const known = appts.get(a.id);
    if (known && known.version > a.version) return;
    if (onDay(a) || known) accept(a);
  });
  load();
  return () => off();
}
