// Pieces shared by the set-up pages (branches, services, masters, accounts):
// a labelled field with an explanation, a form in a <dialog> like the booking
// form, a confirmation dialog, an empty state that says what to do next, the
// branches the user may see, and Russian durations («1 ч 30 мин»).

import { api } from "./api.js";
import { h } from "./dom.js";
import { plural } from "./format.js";
import { prefs } from "./prefs.js";
import { isAdmin, sees } from "./session.js";

let uid = 0;
/** A fresh id for label/aria wiring. */
export const nextId = (prefix = "f") => `${prefix}-${++uid}`;

/** <label class="field"><span>label</span>control<small class="hint">hint</small></label> */
export function field(label, control, hint) {
  const note = hint ? h("small", { class: "hint", id: nextId("hint") }, hint) : null;
  if (note) control.setAttribute("aria-describedby", note.id);
  return h("label", { class: "field" }, h("span", {}, label), control, note);
}

/** A group of checkboxes or radios with a visible legend. */
export function group(legend, children, hint) {
  return h("fieldset", { class: "choices" }, h("legend", {}, legend),
    hint ? h("p", { class: "hint" }, hint) : null, h("div", { class: "choice-list" }, children));
}

export function check(name, value, label, checked = false, type = "checkbox") {
  const input = h("input", { type, name, value, checked });
  return h("label", { class: "choice" }, input, h("span", {}, label));
}

/**
 * A form in a modal dialog (`wide`: true, or "wider" for the master's week). `submit(form)`
 * does the work and returns something truthy to close;
 * a thrown error is shown in the form. Resolves with what `submit` returned (or null).
 */
export function formDialog({ title, body, submitLabel = "Сохранить", wide = false, danger = false, submit, note }) {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const ok = h("button", { type: "submit", class: danger ? "primary danger" : "primary" }, submitLabel);
  const cancel = h("button", { type: "button", class: "ghost" }, "Отмена");
  const heading = h("h2", { id: nextId("dlg"), class: "sheet-head" }, title);
  const form = h("form", { class: "sheet-form", method: "dialog", novalidate: true },
    heading, h("div", { class: "sheet-body" }, body, note ? h("p", { class: "sheet-note" }, note) : null),
    h("div", { class: "sheet-foot" }, error, h("div", { class: "actions" }, cancel, ok)));
  const size = wide === true ? "wide" : wide ? `wide ${wide}` : "";
  const dialog = h("dialog", { class: ["sheet", size], "aria-labelledby": heading.id }, form);
  document.body.append(dialog);
  let result = null;
  const done = new Promise((resolve) => dialog.addEventListener("close", () => { dialog.remove(); resolve(result); }));
  const fail = (message) => { error.textContent = message; error.hidden = !message; };
  cancel.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    fail("");
    ok.disabled = true;
    try {
      const out = await submit(form, fail);
      if (out) {
        result = out;
        dialog.close();
      }
    } catch (err) {
      fail(err.message);
    } finally {
      ok.disabled = false;
    }
  });
  dialog.showModal();
  const first = form.querySelector("input:not([type=hidden]):not([disabled]), select, textarea");
  if (first) first.focus();
  return done;
}

/** «Удалить …?» with the consequence spelled out; resolves true when confirmed. */
export function confirmDialog({ title, text, confirmLabel, danger = true }) {
  return formDialog({
    title, body: h("p", { class: "sheet-text" }, text), submitLabel: confirmLabel, danger, submit: async () => true,
  }).then((v) => v === true);
}

/** An empty state: what is missing, why it matters, and the one thing to do next. */
export function emptyState(title, text, action) {
  return h("div", { class: "empty-state" }, h("p", { class: "empty-title" }, title),
    text ? h("p", { class: "muted" }, text) : null, action || null);
}

/** The open branches this user may see (admins: all, via the admin API). Keeps prefs in step. */
export async function loadBranches() {
  const data = isAdmin() ? await api("/admin/branches") : await api("/branches");
  const mine = data.items.filter((b) => sees(b.id));
  prefs.branches = mine;
  if (prefs.branch && !mine.some((b) => b.id === prefs.branch)) prefs.branch = "";
  return mine;
}

/** `?branch=<id>` of the page's hash (#/services?branch=…). */
export function hashParam(name) {
  const query = location.hash.split("?")[1] || "";
  return new URLSearchParams(query).get(name) || "";
}

/** Replace the hash query without a route change (no re-mount). */
export function setHashParam(name, value) {
  const [path, query = ""] = location.hash.split("?");
  const params = new URLSearchParams(query);
  if (value) params.set(name, value);
  else params.delete(name);
  const text = params.toString();
  history.replaceState(null, "", `${location.pathname}${location.search}${path}${text ? `?${text}` : ""}`);
}

/** 90 → «1 ч 30 мин», 1440 → «1 день», 0 → «0 мин». */
export function duration(minutes) {
  const m = Number(minutes) || 0;
  if (m > 0 && m % 1440 === 0) {
    const d = m / 1440;
    return `${d} ${plural(d, "день", "дня", "дней")}`;
  }
  const hours = Math.floor(m / 60), rest = m % 60;
  if (!hours) return `${rest} мин`;
  return rest ? `${hours} ч ${rest} мин` : `${hours} ч`;
}

export const days = (n) => `${n} ${plural(n, "день", "дня", "дней")}`;

/** «10.03» or «10.03.2027» (another year than `today`'s) from "YYYY-MM-DD". */
export function shortDate(day, today = "") {
  const text = `${day.slice(8, 10)}.${day.slice(5, 7)}`;
  return today && today.slice(0, 4) !== day.slice(0, 4) ? `${text}.${day.slice(0, 4)}` : text;
}

/** A whole number from an <input type=number> within [min, max], or null. */
export function intIn(input, min, max) {
  const text = input.value.trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}
