// The kanban board: six columns in SPEC order, cards moved by drag and drop
// (optimistic, rolled back with a message when the server says 409), filters
// (branch, dates, search) and live updates from the shared socket.
// On a phone (app.css, ≤ 640 px) one column shows at a time, chosen with the
// tabs above the board; a card dropped on a tab moves to that column.

import { api } from "./api.js";
import { h, options } from "./dom.js";
import { draggable } from "./drag.js";
import { dayShort, localDate, localTime, money, phone } from "./format.js";
import * as live from "./live.js";
import { prefs, STATUSES } from "./prefs.js";
import { chime } from "./sound.js";
import { toast } from "./toast.js";
import { serviceNames, visitPrice } from "./visit.js";
import * as waitlist from "./waitlist.js";

const cards = new Map(); // id → appointment (the newest version seen)
const els = new Map(); // id → card element
let columns = {}; // status → {section, list, count, tab, tabCount}
let shown = "new"; // the column a phone shows
let root = null;
let search = "";
let loading = 0;

/** Keep the newer of two versions of one appointment. */
function newer(appt) {
  const known = cards.get(appt.id);
  return !known || known.version <= appt.version;
}

function visible(appt) {
  const branchOk = prefs.branch ? appt.branch_id === prefs.branch : prefs.branches.some((b) => b.id === appt.branch_id);
  const day = localDate(appt.start);
  return branchOk && (!prefs.from || day >= prefs.from) && (!prefs.to || day <= prefs.to);
}

/** Case- and ё-insensitive, as people type names. */
const fold = (text) => text.toLocaleLowerCase("ru").replace(/ё/g, "е");

function matches(appt) {
  if (!search) return true;
  const q = fold(search);
  const digits = search.replace(/\D/g, "");
  const name = fold(appt.client.name || "");
  return name.includes(q) || (digits.length >= 3 && (appt.client.phone || "").includes(digits));
}

function cardEl(appt) {
  const manyDays = prefs.from !== prefs.to;
  const branch = prefs.branches.length > 1 && !prefs.branch
    ? prefs.branches.find((b) => b.id === appt.branch_id) : null;
  const el = h("article", {
    class: ["card", `status-${appt.status}`], tabindex: 0,
    dataset: { id: appt.id, status: appt.status, version: String(appt.version) },
    "aria-label": `${appt.client.name || "Клиент"}, ${localTime(appt.start)}`,
  },
  h("div", { class: "card-time" },
    manyDays ? `${dayShort(localDate(appt.start))} · ` : "",
    h("span", { class: "nowrap" }, `${localTime(appt.start)}–${localTime(appt.end)}`)),
  h("div", { class: "card-client" }, appt.client.name || "Без имени"),
  h("div", { class: "card-phone" }, phone(appt.client.phone)),
  h("div", { class: "card-service" }, serviceNames(appt)),
  h("div", { class: "card-meta" },
    h("span", { class: "card-master" }, appt.staff.name),
    h("span", { class: "card-price" }, money(visitPrice(appt), appt.service.currency))),
  appt.client_confirmed_at
    ? h("div", { class: "card-come", title: "Клиент нажал «Приду» в напоминании" }, "✓ Придёт") : null,
  appt.feedback ? h("div", { class: "card-rating" }, `Оценка ${"★".repeat(appt.feedback.rating)} ${appt.feedback.rating}/5`,
    appt.feedback.comment ? h("span", { class: "card-rating-comment" }, ` «${appt.feedback.comment}»`) : null) : null,
  branch ? h("div", { class: "card-branch muted" }, branch.name) : null,
  appt.comment ? h("div", { class: "card-comment" }, appt.comment) : null);
  el.hidden = !matches(appt);
  draggable(el, { target: ".column, .board-tab", drop: (target) => moveTo(appt.id, target.dataset.status) });
  el.addEventListener("keydown", (e) => {
    const i = STATUSES.findIndex(([s]) => s === cards.get(appt.id)?.status);
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!step || !STATUSES[i + step]) return;
    e.preventDefault();
    moveTo(appt.id, STATUSES[i + step][0], true);
  });
  return el;
}

/** Cards run by start time, then id. */
function earlier(a, b) {
  const ta = Date.parse(a.start), tb = Date.parse(b.start);
  return ta !== tb ? ta < tb : a.id < b.id;
}

/** Put (or move) the card of `appt` where it belongs; `how`: "arrived" | "changed" | "". */
function place(appt, how = "") {
  const old = els.get(appt.id);
  const column = columns[appt.status];
  if (!visible(appt) || !column) {
    if (old) old.remove();
    els.delete(appt.id);
    counts();
    return null;
  }
  const el = cardEl(appt);
  if (how) el.classList.add(how);
  const hadFocus = old && old === document.activeElement;
  if (old) old.remove();
  const after = [...column.list.children].find((c) => earlier(appt, cards.get(c.dataset.id)));
  column.list.insertBefore(el, after || null);
  els.set(appt.id, el);
  if (hadFocus) el.focus();
  if (how === "arrived") el.scrollIntoView({ block: "nearest", behavior: "smooth" });
  if (how && appt.status !== shown) flash(column.tab); // on a phone that column may be out of sight
  counts();
  return el;
}

function counts() {
  for (const column of Object.values(columns)) {
    const n = String([...column.list.children].filter((c) => !c.hidden).length);
    column.count.textContent = n;
    column.tabCount.textContent = n;
  }
}

/** A tab lights up when its column changes while another one is shown. */
function flash(tab) {
  tab.classList.remove("changed");
  void tab.offsetWidth; // restart the animation
  tab.classList.add("changed");
}

/** Show one column on a phone (the tabs); on wider screens every column shows anyway. */
function select(status, focus = false) {
  shown = status;
  for (const [key, column] of Object.entries(columns)) {
    const on = key === status;
    column.section.classList.toggle("current", on);
    column.tab.setAttribute("aria-selected", String(on));
    column.tab.tabIndex = on ? 0 : -1;
    if (on && focus) column.tab.focus();
  }
}

async function moveTo(id, status, keepFocus = false) {
  const before = cards.get(id);
  if (!before || before.status === status) return;
  const optimistic = { ...before, status };
  cards.set(id, optimistic);
  if (keepFocus) select(status);
  const el = place(optimistic);
  if (el) el.classList.add("busy");
  if (el && keepFocus) el.focus();
  try {
    const fresh = await api(`/appointments/${encodeURIComponent(id)}/status`, {
      method: "PATCH", body: { status, version: before.version },
    });
    if (newer(fresh) || cards.get(id) === optimistic) {
      cards.set(id, fresh);
      place(fresh);
    }
  } catch (err) {
    if (cards.get(id) === optimistic) {
      cards.set(id, before);
      place(before, "rolled-back");
    }
    toast(err.message, "error");
    if (err.code === "version_conflict") load();
  }
}

/** An event from the socket. */
function onEvent(frame) {
  const appt = frame.appointment;
  if (!appt || !newer(appt)) return;
  const known = cards.has(appt.id);
  cards.set(appt.id, appt);
  const created = frame.type === "appointment.created" && !known;
  const el = place(appt, created ? "arrived" : "changed");
  // A client's reschedule puts the visit back into «Новые» (SPEC §9.3): it asks for attention
  // like a new booking (a manager's move keeps the card's column).
  const movedBack = frame.type === "appointment.rescheduled" && appt.status === "new";
  if (el && (created || movedBack) && appt.status === "new") chime();
}

function render(data) {
  cards.clear();
  els.clear();
  for (const column of Object.values(columns)) column.list.replaceChildren();
  for (const column of data.columns) for (const appt of column.cards) cards.set(appt.id, appt);
  for (const appt of cards.values()) place(appt);
}

export async function load() {
  const ticket = ++loading;
  root.classList.add("loading");
  try {
    const data = await api("/dashboard/board", {
      query: { branch_id: prefs.branch || null, date_from: prefs.from, date_to: prefs.to },
    });
    if (ticket !== loading) return;
    if (!prefs.from && data.branches.length) {
      prefs.today = prefs.today || data.branches[0].date_from;
      prefs.from = data.branches[0].date_from;
      prefs.to = data.branches[0].date_to;
      root.querySelector("[name=from]").value = prefs.from;
      root.querySelector("[name=to]").value = prefs.to;
    }
    render(data);
    waitlist.reload(); // the panel of who waits for freed time (waitlist.js)
    live.start(data.seq);
  } catch (err) {
    if (ticket === loading) toast(err.message, "error");
  } finally {
    if (ticket === loading) root.classList.remove("loading");
  }
}

function toolbar() {
  const branch = h("select", { name: "branch", "aria-label": "Филиал" });
  options(branch, [["", "Все филиалы"], ...prefs.branches.map((b) => [b.id, b.name])], prefs.branch);
  branch.hidden = prefs.branches.length < 2;
  branch.addEventListener("change", () => { prefs.branch = branch.value; load(); });
  const from = h("input", { type: "date", name: "from", "aria-label": "С даты", value: prefs.from || "" });
  const to = h("input", { type: "date", name: "to", "aria-label": "По дату", value: prefs.to || "" });
  const dates = () => {
    if (!from.value || !to.value) return;
    if (to.value < from.value) to.value = from.value;
    prefs.from = from.value;
    prefs.to = to.value;
    load();
  };
  from.addEventListener("change", dates);
  to.addEventListener("change", dates);
  const find = h("input", { type: "search", name: "q", placeholder: "Поиск: имя или телефон", "aria-label": "Поиск", value: search });
  find.addEventListener("input", () => {
    search = find.value.trim();
    for (const [id, el] of els) el.hidden = !matches(cards.get(id));
    counts();
  });
  return h("div", { class: "toolbar" }, branch, h("label", { class: "range" }, "с ", from, " по ", to), find);
}

function tabKeys(e) {
  const i = STATUSES.findIndex(([s]) => s === shown);
  const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: STATUSES.length - 1 }[e.key];
  if (next === undefined || !STATUSES[next]) return;
  e.preventDefault();
  select(STATUSES[next][0], true);
}

export function mount(view) {
  root = h("section", { class: "board-page" });
  const grid = h("div", { class: "board" });
  const tabs = h("div", { class: "board-tabs", role: "tablist", "aria-label": "Колонки доски", on: { keydown: tabKeys } });
  columns = {};
  for (const [status, title] of STATUSES) {
    const count = h("span", { class: "count" }, "0");
    const tabCount = h("span", { class: "count" }, "0");
    const list = h("div", { class: "cards" });
    const section = h("section", { class: ["column", `column-${status}`], id: `column-${status}`, dataset: { status }, "aria-label": title },
      h("h2", {}, h("span", { class: "column-title" }, title), count), list);
    const tab = h("button", {
      type: "button", class: "board-tab", role: "tab", id: `tab-${status}`, dataset: { status },
      "aria-controls": `column-${status}`, on: { click: () => select(status) },
    }, h("span", { class: "tab-title" }, title), tabCount);
    columns[status] = { section, list, count, tab, tabCount };
    grid.append(section);
    tabs.append(tab);
  }
  select(shown);
  const waiting = waitlist.panel();
  root.append(toolbar(), waiting.element, tabs, grid);
  view.append(root);
  const off = live.on(onEvent);
  load();
  return () => { off(); waiting.off(); };
}
