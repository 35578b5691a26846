// The board's waitlist panel (SPEC §9.3): who waits for freed time in the board's branches and
// dates, oldest first, and which offers are out right now. Loaded with the board
// (GET /dashboard/waitlist per branch) and kept current by the socket's waitlist.* frames
// (docs/realtime.md): an entry that waits or holds an offer is shown, one booked or ended leaves.

import { api } from "./api.js";
import { h } from "./dom.js";
import { dayShort, localDate, localTime, phone, plural } from "./format.js";
import * as live from "./live.js";
import { prefs } from "./prefs.js";

const ACTIVE = new Set(["waiting", "offered"]);
const entries = new Map(); // id -> entry (manager shape)
let root = null;
let list = null;
let summary = null;
let loading = 0;

function inView(e) {
  if (prefs.branch && e.branch_id !== prefs.branch) return false;
  if (prefs.from && e.date_to < prefs.from) return false;
  if (prefs.to && e.date_from > prefs.to) return false;
  return ACTIVE.has(e.status);
}

function dates(e) {
  const span = e.date_from === e.date_to ? dayShort(e.date_from) : `${dayShort(e.date_from)} – ${dayShort(e.date_to)}`;
  const hours = e.time_from || e.time_to ? `, ${e.time_from || "00:00"}–${e.time_to || "24:00"}` : "";
  return span + hours;
}

function item(e) {
  const services = e.services.map((s) => s.name).join(" + ");
  const who = h("span", { class: "waitlist-client" }, e.client.name || phone(e.client.phone) || "Клиент");
  const what = h("span", { class: "waitlist-what" },
    `${services} · ${dates(e)} · ${e.master_name ? `мастер ${e.master_name}` : "любой мастер"}`);
  const state = e.offer
    ? h("span", { class: "waitlist-state offered" },
      `Предложено: ${dayShort(localDate(e.offer.start))} ${localTime(e.offer.start)}`
      + `${e.offer_master_name ? `, ${e.offer_master_name}` : ""} — ждём ответа до ${localTime(e.offer.expires_at)}`)
    : h("span", { class: "waitlist-state" }, "Ждёт свободного времени");
  return h("li", { class: ["waitlist-item", e.offer ? "is-offered" : ""], dataset: { entry: e.id, status: e.status } },
    who, e.client.phone ? h("span", { class: "waitlist-phone muted" }, phone(e.client.phone)) : "", what, state);
}

function render() {
  if (!root) return;
  const shown = [...entries.values()].filter(inView).sort((a, b) => a.created_at.localeCompare(b.created_at));
  const offered = shown.filter((e) => e.offer).length;
  summary.textContent = shown.length
    ? `Лист ожидания: ${shown.length} ${plural(shown.length, "клиент", "клиента", "клиентов")}`
      + (offered ? `, предложено ${offered}` : "")
    : "Лист ожидания пуст";
  list.replaceChildren(...shown.map(item));
  root.dataset.count = String(shown.length);
}

/** Load the entries of the board's branches again (the board calls it with every load). */
export async function reload() {
  const ticket = ++loading;
  const branches = prefs.branch ? [prefs.branch] : prefs.branches.map((b) => b.id);
  try {
    const answers = await Promise.all(branches.map((id) => api("/dashboard/waitlist", { query: { branch_id: id } })));
    if (ticket !== loading) return;
    entries.clear();
    for (const answer of answers) for (const e of answer.items) entries.set(e.id, e);
    render();
  } catch {
    // the board shows its own error; the panel keeps what it had
  }
}

function onFrame(frame) {
  if (!frame.entry || !frame.type.startsWith("waitlist.")) return;
  entries.set(frame.entry.id, frame.entry);
  if (!ACTIVE.has(frame.entry.status)) entries.delete(frame.entry.id);
  render();
  const el = list.querySelector(`[data-entry="${frame.entry.id}"]`);
  if (el) el.classList.add("arrived");
}

/** The panel's element, subscribed to the live feed; call the returned function to unsubscribe. */
export function panel() {
  summary = h("summary", { class: "waitlist-summary" }, "Лист ожидания");
  list = h("ol", { class: "waitlist-list", "aria-live": "polite" });
  root = h("details", { class: "waitlist-panel", id: "waitlist", open: true }, summary, list);
  const off = live.on(onFrame);
  render();
  return { element: root, off };
}
