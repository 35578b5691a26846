// The manual booking form for a phone call: phone (formatted as typed; a known
// client's name is filled in), name, service, master, day and a time chosen from
// the free times (GET /dashboard/slots). Opened from the top bar or by clicking
// an empty calendar cell, which prefills branch, master, day and time, or from a
// client card, which prefills the client's phone and name. A branch without
// services, or a service no master does yet, says so with a link to the page
// that fixes it instead of leaving the lists empty.

import { api } from "./api.js";
import { h, options } from "./dom.js";
import { localTime, money, phone as showPhone, phoneAsTyped, phoneComplete } from "./format.js";
import { prefs, singleBranch } from "./prefs.js";
import { toast } from "./toast.js";

let dialog = null;

function field(label, control, hint) {
  return h("label", { class: "field" }, h("span", {}, label), control, hint || null);
}

/** openBooking({branch_id?, staff_id?, day?, start?, phone?, name?}); resolves with the appointment booked, or null. */
export function openBooking(prefill = {}) {
  if (dialog) dialog.remove();
  const branch = (prefill.branch_id && prefs.branches.find((b) => b.id === prefill.branch_id)) || singleBranch();
  if (!branch) {
    toast("Нет доступных филиалов", "error");
    return Promise.resolve(null);
  }
  const f = {
    phone: h("input", { name: "phone", type: "tel", inputmode: "tel", autocomplete: "off", placeholder: "+7 (999) 123-45-67", required: true,
      value: prefill.phone ? phoneAsTyped(prefill.phone) : "" }),
    name: h("input", { name: "name", autocomplete: "off", maxlength: 200, value: prefill.name || "" }),
    branch: h("select", { name: "branch" }),
    service: h("select", { name: "service", required: true }),
    more: h("select", { name: "more" }), // a second service of the same visit (SPEC §9.2), optional
    staff: h("select", { name: "staff" }),
    day: h("input", { name: "day", type: "date", required: true, value: prefill.day || prefs.day || prefs.today || "" }),
    time: h("select", { name: "time", required: true }),
    comment: h("textarea", { name: "comment", rows: 2, maxlength: 2000 }),
  };
  const known = h("small", { class: "hint", dataset: { role: "known" } });
  const timeHint = h("small", { class: "hint" });
  const serviceHint = h("p", { class: "hint-fix", dataset: { role: "no-services" }, hidden: true });
  const staffHint = h("p", { class: "hint-fix", dataset: { role: "no-staff" }, hidden: true });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "primary" }, "Записать");
  const cancel = h("button", { type: "button", class: "ghost" }, "Отмена");
  options(f.branch, prefs.branches.map((b) => [b.id, b.name]), branch.id);
  const form = h("form", { class: "booking-form", method: "dialog", novalidate: true },
    h("h2", {}, "Новая запись"),
    field("Телефон", f.phone, known),
    field("Имя", f.name),
    prefs.branches.length > 1 ? field("Филиал", f.branch) : null,
    field("Услуга", f.service),
    field("Ещё услуга в этот визит", f.more,
      h("small", { class: "hint" }, "Подряд у того же мастера: время подбирается на весь визит.")),
    serviceHint,
    field("Мастер", f.staff),
    staffHint,
    h("div", { class: "row" }, field("День", f.day), field("Время", f.time, timeHint)),
    field("Комментарий", f.comment),
    error,
    h("div", { class: "actions" }, cancel, submit));
  dialog = h("dialog", { class: "booking", id: "booking" }, form);
  document.body.append(dialog);

  let services = [];
  let slots = [];
  let wanted = { staff: prefill.staff_id || "", start: prefill.start || "" };
  let booked = null;
  const done = new Promise((resolve) => dialog.addEventListener("close", () => resolve(booked)));

  const fail = (message) => {
    error.textContent = message;
    error.hidden = !message;
  };

  /** Say what is missing and link to the page that adds it (the link closes the form). */
  function missing(hint, text, what, page, href) {
    if (!text) {
      hint.replaceChildren();
      hint.hidden = true;
      return;
    }
    const link = h("a", { href, on: { click: () => dialog.close() } }, `«${page}»`);
    hint.replaceChildren(`${text} ${what} на странице `, link, ".");
    hint.hidden = false;
  }

  /** Nothing to choose: the lists below stay empty and locked, and the form cannot be sent. */
  function lock(locked) {
    for (const control of [f.staff, f.time]) control.disabled = locked;
    submit.disabled = locked;
    if (locked) {
      options(f.staff, []);
      options(f.time, []);
      timeHint.textContent = "";
    }
  }

  async function loadServices() {
    const data = await api("/services", { query: { branch_id: f.branch.value } });
    services = data.items;
    options(f.service, services.map((s) => [s.id, `${s.name} — ${money(s.price, s.currency)}, ${s.duration_min} мин`]));
    f.service.disabled = !services.length;
    fillMore();
    missing(serviceHint, services.length ? "" : "В этом филиале ещё нет услуг.", "Добавьте услуги", "Услуги и цены", "#/services");
    missing(staffHint, "");
    lock(!services.length);
    await loadSlots();
  }

  function fillMore() {
    const keep = f.more.value;
    options(f.more, [["", "—"], ...services.filter((s) => s.id !== f.service.value).map((s) => [s.id, s.name])], keep);
  }
  const visit = () => [f.service.value, f.more.value].filter(Boolean);

  function fillTimes() {
    const staff = f.staff.value;
    const mine = slots.filter((s) => !staff || s.staff_id === staff);
    const starts = [...new Map(mine.map((s) => [s.start, s])).values()];
    options(f.time, starts.map((s) => [s.start, localTime(s.start)]));
    f.time.disabled = starts.length === 0;
    timeHint.textContent = starts.length ? "" : "Нет свободного времени в этот день";
    if (wanted.start) {
      const hit = starts.find((s) => Date.parse(s.start) === Date.parse(wanted.start));
      if (hit) f.time.value = hit.start;
      else timeHint.textContent = `${localTime(wanted.start)} занято — выберите другое время`;
      wanted.start = "";
    }
  }

  // Only the newest question's answer is shown: on a slow line the answer for the service
  // chosen first may arrive after the one for the service chosen next.
  let asked = 0;
  async function loadSlots() {
    if (!f.service.value || !f.day.value) return;
    const ticket = ++asked;
    f.time.setAttribute("aria-busy", "true");
    let data;
    try {
      data = await api("/dashboard/slots", {
        query: { branch_id: f.branch.value, service_id: visit(), date_from: f.day.value, date_to: f.day.value },
      });
    } finally {
      if (ticket === asked) f.time.removeAttribute("aria-busy");
    }
    if (ticket !== asked) return;
    slots = data.slots;
    const nobody = !data.staff.length;
    missing(staffHint, nobody ? "Эту услугу в филиале пока не делает ни один мастер." : "",
      "Добавьте мастеров или отметьте им эту услугу", "Мастера и график", "#/staff");
    lock(nobody);
    if (nobody) return;
    const keep = wanted.staff || f.staff.value;
    options(f.staff, [["", "Любой свободный"], ...data.staff.map((s) => [s.id, s.name])], keep);
    wanted.staff = "";
    fillTimes();
  }

  const guard = (p) => p.catch((err) => fail(err.message));
  let lookup = null;
  f.phone.addEventListener("input", (e) => {
    const before = f.phone.value;
    let next = phoneAsTyped(before);
    // Deleting a bracket or dash that formatting would put back deletes a digit instead.
    if (e.inputType === "deleteContentBackward" && next.length > before.length) {
      next = phoneAsTyped(next.replace(/\d(\D*)$/, "$1"));
    }
    f.phone.value = next;
    known.textContent = "";
    clearTimeout(lookup);
    if (phoneComplete(next)) lookup = setTimeout(() => guard(findClient(next)), 250);
  });
  async function findClient(typed) {
    const data = await api("/clients", { query: { q: typed, limit: 2 } });
    if (f.phone.value !== typed || data.items.length !== 1) return;
    const client = data.items[0];
    known.textContent = `Клиент из базы: ${client.name || "без имени"}, ${showPhone(client.phone)}`;
    if (!f.name.value.trim()) f.name.value = client.name;
  }

  f.branch.addEventListener("change", () => guard(loadServices()));
  f.service.addEventListener("change", () => { fillMore(); guard(loadSlots()); });
  f.more.addEventListener("change", () => guard(loadSlots()));
  f.day.addEventListener("change", () => guard(loadSlots()));
  f.staff.addEventListener("change", fillTimes);
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    fail("");
    if (!phoneComplete(f.phone.value)) return fail("Введите телефон полностью");
    if (!f.service.value || !f.time.value) return fail("Выберите услугу и свободное время");
    const ids = visit();
    const body = {
      branch_id: f.branch.value, ...(ids.length > 1 ? { service_ids: ids } : { service_id: ids[0] }), start: f.time.value,
      client: { phone: f.phone.value, name: f.name.value.trim() }, comment: f.comment.value.trim(),
    };
    if (f.staff.value) body.staff_id = f.staff.value; // "any": the server picks the least busy master
    submit.disabled = true;
    try {
      const appt = await api("/appointments/manual", { method: "POST", body });
      toast(`Записано: ${appt.client.name || showPhone(appt.client.phone)}, ${localTime(appt.start)}, ${appt.staff.name}`);
      booked = appt;
      dialog.close();
    } catch (err) {
      fail(err.message);
      if (err.code === "slot_unavailable") guard(loadSlots());
    } finally {
      submit.disabled = false;
    }
  });

  dialog.showModal();
  (prefill.phone ? f.service : f.phone).focus();
  guard(loadServices());
  return done;
}
