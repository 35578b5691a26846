// Мастера и график: the masters of one branch with the services they do, their weekly
// hours and dated exceptions (a day off, other hours on a date, a vacation over a range).
// Admins add, edit and remove (POST/PATCH/DELETE /admin/staff). The API answers one
// exception per date; runs of consecutive days off are shown as one vacation and sent
// back as a range {"date_from","date_to","intervals":[]}. Managers see the masters of
// their branches (GET /staff) and their hours for the coming days (from the board).

import { api } from "./api.js";
import { h, options } from "./dom.js";
import { withCalendarButton } from "./feed-dialog.js";
import { addDays, dayShort, todayIn } from "./format.js";
import { prefs } from "./prefs.js";
import { isAdmin } from "./session.js";
import { toast } from "./toast.js";
import { ownPricesEditor, serviceChip } from "./own-prices.js";
import { checkIntervals, describeIntervals, intervalsEditor, scheduleEditor, WEEKDAYS } from "./schedule-editor.js";
import {
  check, confirmDialog, days, emptyState, field, formDialog, group, hashParam, loadBranches, setHashParam, shortDate,
} from "./setup-kit.js";

const NEW_SCHEDULE = Object.fromEntries(WEEKDAYS.map(([k]) => [k, ["sat", "sun"].includes(k) ? [] : [["09:00", "18:00"]]]));

const dayCount = (a, b) => Math.round((Date.parse(`${b}T12:00:00Z`) - Date.parse(`${a}T12:00:00Z`)) / 86400000) + 1;

/** The API's per-date items → rows: a day off, other hours on a date, or a vacation (2+ consecutive days off). */
export function exceptionRows(items) {
  const sorted = [...items].sort((a, b) => (a.date < b.date ? -1 : 1));
  const rows = [];
  for (const item of sorted) {
    const last = rows[rows.length - 1];
    if (item.intervals.length) rows.push({ kind: "hours", date: item.date, intervals: item.intervals });
    else if (last && (last.kind === "off" || last.kind === "vacation") && addDays(last.to || last.date, 1) === item.date) {
      rows[rows.length - 1] = { kind: "vacation", from: last.from || last.date, to: item.date };
    } else rows.push({ kind: "off", date: item.date });
  }
  return rows;
}

/** «Отпуск 10.03–20.03», «Выходной 08.03», «14.03: 12:00–15:00». */
export function exceptionText(row, today = "") {
  if (row.kind === "vacation") return `Отпуск ${shortDate(row.from, today)}–${shortDate(row.to, today)}`;
  if (row.kind === "off") return `Выходной ${shortDate(row.date, today)}`;
  return `${shortDate(row.date, today)}: ${describeIntervals(row.intervals)}`;
}

/** The dated exceptions of the form: {element, value() → API items, validate() → "" or a message}. */
function exceptionsEditor(initial, today) {
  const list = h("div", { class: "exceptions" });
  const editors = [];
  const empty = h("p", { class: "muted exceptions-empty" }, "Исключений нет: мастер работает по недельному графику.");

  function paintEmpty() { empty.hidden = editors.length > 0; }

  function add(row, focus) {
    const dateInput = (name, value, label) => h("input", { type: "date", name, value: value || "", required: true, "aria-label": label });
    let el, read;
    const remove = h("button", { type: "button", class: "ghost danger-text remove-exception",
      "aria-label": { vacation: "Убрать отпуск", off: "Убрать выходной", hours: "Убрать другие часы" }[row.kind] }, "Убрать");
    if (row.kind === "vacation") {
      const from = dateInput("vacation_from", row.from, "Отпуск: первый день");
      const to = dateInput("vacation_to", row.to, "Отпуск: последний день");
      const length = h("span", { class: "muted reading" });
      const paint = () => { length.textContent = from.value && to.value && to.value >= from.value ? days(dayCount(from.value, to.value)) : ""; };
      from.addEventListener("change", () => { if (!to.value || to.value < from.value) to.value = from.value; paint(); });
      to.addEventListener("change", paint);
      paint();
      el = h("div", { class: "exception", dataset: { kind: "vacation" } }, h("span", { class: "exception-kind" }, "Отпуск"),
        h("label", { class: "inline" }, h("span", {}, "с"), from), h("label", { class: "inline" }, h("span", {}, "по"), to), length, remove);
      read = () => ({ kind: "vacation", from: from.value, to: to.value });
    } else if (row.kind === "off") {
      const date = dateInput("off_date", row.date, "Выходной: дата");
      el = h("div", { class: "exception", dataset: { kind: "off" } }, h("span", { class: "exception-kind" }, "Выходной"), date, remove);
      read = () => ({ kind: "off", date: date.value });
    } else {
      const date = dateInput("hours_date", row.date, "Другие часы: дата");
      const hours = intervalsEditor(row.intervals || [["10:00", "16:00"]], "Другие часы");
      el = h("div", { class: "exception", dataset: { kind: "hours" } }, h("span", { class: "exception-kind" }, "Другие часы"), date, hours.element, remove);
      read = () => ({ kind: "hours", date: date.value, intervals: hours.value() });
    }
    const lastDay = row.to || row.date;
    if (lastDay && lastDay < today) remove.before(h("span", { class: "past-tag" }, "прошло"));
    const entry = { el, read };
    remove.addEventListener("click", () => {
      editors.splice(editors.indexOf(entry), 1);
      el.remove();
      paintEmpty();
    });
    editors.push(entry);
    list.append(el);
    paintEmpty();
    if (focus) el.querySelector("input").focus();
  }

  for (const row of initial) add(row, false);
  const adder = (label, kind, make) => h("button", { type: "button", class: "ghost", dataset: { add: kind }, on: { click: () => add(make(), true) } }, label);
  const element = h("div", { class: "exceptions-editor" }, empty, list, h("div", { class: "exception-adders" },
    adder("+ Выходной день", "off", () => ({ kind: "off", date: today })),
    adder("+ Другие часы в дату", "hours", () => ({ kind: "hours", date: today, intervals: [["10:00", "16:00"]] })),
    adder("+ Отпуск", "vacation", () => ({ kind: "vacation", from: today, to: addDays(today, 6) }))));
  paintEmpty();

  function validate() {
    const seen = new Map();
    const mark = (day, what) => {
      if (seen.has(day)) return `${shortDate(day)} указано дважды: ${seen.get(day)} и ${what}`;
      seen.set(day, what);
      return "";
    };
    for (const e of editors) {
      const r = e.read();
      if (r.kind === "vacation") {
        if (!r.from || !r.to) return "Отпуск: укажите первый и последний день";
        if (r.to < r.from) return `Отпуск: последний день ${shortDate(r.to)} раньше первого ${shortDate(r.from)}`;
        if (dayCount(r.from, r.to) > 366) return "Отпуск — не больше года";
        for (let d = r.from; d <= r.to; d = addDays(d, 1)) {
          const problem = mark(d, "отпуск");
          if (problem) return problem;
        }
      } else {
        if (!r.date) return r.kind === "off" ? "Выходной: укажите дату" : "Другие часы: укажите дату";
        if (r.kind === "hours") {
          if (!r.intervals.length) return `${shortDate(r.date)}: добавьте часы работы или сделайте этот день выходным`;
          const problem = checkIntervals(r.intervals, shortDate(r.date));
          if (problem) return problem;
        }
        const problem = mark(r.date, r.kind === "off" ? "выходной" : "другие часы");
        if (problem) return problem;
      }
    }
    return "";
  }

  function value() {
    return editors.map((e) => e.read()).map((r) => (r.kind === "vacation"
      ? (r.from === r.to ? { date: r.from, intervals: [] } : { date_from: r.from, date_to: r.to, intervals: [] })
      : { date: r.date, intervals: r.kind === "off" ? [] : r.intervals }));
  }

  return { element, validate, value };
}

function openStaffForm(master, branch, services, today) {
  const name = h("input", { name: "name", required: true, maxlength: 200, value: master ? master.name : "", autocomplete: "off" });
  const mine = new Set(master ? master.service_ids : services.map((s) => s.id));
  const boxes = services.map((s) => check("service", s.id, `${s.name} · ${s.duration_min} мин`, mine.has(s.id)));
  const week = scheduleEditor(master ? master.schedule : NEW_SCHEDULE);
  const exceptions = exceptionsEditor(master ? exceptionRows(master.exceptions) : [], today);
  const ownPrices = ownPricesEditor(services, master);
  const body = [
    field("Имя", name, "Так мастера увидят клиенты в боте и менеджеры в календаре."),
    services.length
      ? group("Услуги", boxes, "Клиент может записаться к мастеру только на отмеченные услуги.")
      : h("p", { class: "warning" }, "В филиале ещё нет услуг. ", h("a", { href: `#/services?branch=${encodeURIComponent(branch.id)}` }, "Добавьте услуги"),
        ", потом отметьте, какие делает мастер."),
    services.length ? ownPrices.element : null,
    h("fieldset", { class: "choices" }, h("legend", {}, "График на неделю"),
      h("p", { class: "hint" }, "Перерыв — промежуток между интервалами: 09:00–13:00 и 14:00–18:00 дают обед с 13:00 до 14:00. Время — местное время филиала."),
      week.element),
    h("fieldset", { class: "choices" }, h("legend", {}, "Исключения по датам"),
      h("p", { class: "hint" }, "В эти даты недельный график не действует: выходной, другие часы или отпуск на несколько дней."),
      exceptions.element),
  ];
  return formDialog({
    title: master ? `Мастер ${master.name}` : `Новый мастер · ${branch.name}`, body, wide: "wider",
    submitLabel: master ? "Сохранить" : "Добавить мастера",
    submit: async () => {
      const out = {
        name: name.value.trim(),
        service_ids: boxes.map((l) => l.querySelector("input")).filter((i) => i.checked).map((i) => i.value),
        schedule: week.value(),
        exceptions: exceptions.value(),
      };
      out.service_overrides = ownPrices.value(out.service_ids);
      if (!out.name) throw new Error("Введите имя мастера");
      const problem = week.validate() || exceptions.validate();
      if (problem) throw new Error(problem);
      if (!master) return api("/admin/staff", { method: "POST", body: { branch_id: branch.id, ...out } });
      return api(`/admin/staff/${master.id}`, { method: "PATCH", body: out });
    },
  });
}

/** The branch's "today" as the server sees it (the board's window starts there). */
async function serverToday(branch) {
  if (prefs.today) return prefs.today;
  try {
    const data = await api("/dashboard/board", { query: { branch_id: branch.id } });
    if (data.branches && data.branches[0]) prefs.today = data.branches[0].date_from;
  } catch {
    // the browser's clock will do
  }
  return prefs.today || todayIn(branch.timezone);
}

/** The week as runs of days with the same hours: «Пн–Пт 10:00–14:00, 15:00–19:00», «Вс выходной». */
function weekLines(schedule) {
  const runs = [];
  for (const [k, , short] of WEEKDAYS) {
    const text = describeIntervals(schedule[k]);
    const last = runs[runs.length - 1];
    if (last && last.text === text) last.to = short;
    else runs.push({ from: short, to: short, text, off: !(schedule[k] || []).length });
  }
  return h("dl", { class: "week-summary" }, runs.map((r) => h("div", { class: r.off ? "off" : "" },
    h("dt", {}, r.from === r.to ? r.from : `${r.from}–${r.to}`), h("dd", {}, r.text))));
}

function masterCard(m, services, today, actions, hours) {
  const names = m.service_ids.map((id) => services.find((s) => s.id === id)).filter(Boolean).map((s) => serviceChip(m, s));
  const rows = m.exceptions ? exceptionRows(m.exceptions).filter((r) => (r.to || r.date) >= today) : [];
  return h("article", { class: "setup-card master-card", dataset: { id: m.id } },
    h("div", { class: "setup-card-head" }, h("h2", {}, m.name), actions),
    h("p", { class: "chips" }, names.length ? names.map((n) => h("span", { class: "chip" }, n))
      : h("span", { class: "warning" }, "Не отмечено ни одной услуги — к мастеру нельзя записаться")),
    m.schedule ? weekLines(m.schedule) : null,
    rows.length ? h("ul", { class: "exception-summary", "aria-label": "Исключения" }, rows.map((r) => h("li", { dataset: { kind: r.kind } }, exceptionText(r, today)))) : null,
    hours ? h("dl", { class: "week-summary" }, hours.map((d) => h("div", { class: d.intervals.length ? "" : "off" },
      h("dt", {}, dayShort(d.date)), h("dd", {}, describeIntervals(d.intervals))))) : null);
}

export function mount(view) {
  const admin = isAdmin();
  const branchSelect = h("select", { name: "branch", "aria-label": "Филиал" });
  const add = h("button", { type: "button", class: "primary", dataset: { action: "add-staff" } }, "+ Добавить мастера");
  const content = h("div", { class: "setup-content", "aria-busy": "true" });
  let branches = [];
  let alive = true;

  async function render() {
    const branch = branches.find((b) => b.id === branchSelect.value);
    if (!branch) {
      content.replaceChildren(admin
        ? emptyState("Сначала добавьте филиал", "Мастера работают в филиале.", h("a", { href: "#/branches", class: "button-link" }, "К филиалам"))
        : emptyState("Вам пока не открыт ни один филиал", "Попросите администратора добавить вас в филиал."));
      add.hidden = true;
      return;
    }
    add.hidden = !admin;
    const today = await serverToday(branch);
    let staff, services, hours = null;
    if (admin) {
      [staff, services] = await Promise.all([api("/admin/staff", { query: { branch_id: branch.id } }), api("/admin/services")]);
      services = services.items.filter((s) => s.active !== false && s.branch_ids.includes(branch.id));
    } else {
      const [s, v, board] = await Promise.all([api("/staff", { query: { branch_id: branch.id } }),
        api("/services", { query: { branch_id: branch.id } }),
        api("/dashboard/board", { query: { branch_id: branch.id, date_from: today, date_to: addDays(today, 6) } })]);
      [staff, services] = [s, v.items];
      hours = Object.fromEntries(board.staff.map((x) => [x.id, x.hours]));
    }
    if (!alive || branchSelect.value !== branch.id) return;
    const edit = async (m) => {
      const saved = await openStaffForm(m, branch, services, today);
      if (saved) { toast(m ? `Мастер ${saved.name}: сохранено` : `Мастер ${saved.name} добавлен`); render(); }
    };
    const remove = async (m) => {
      const ok = await confirmDialog({ title: `Удалить мастера ${m.name}?`, confirmLabel: "Удалить мастера",
        text: "Мастер пропадёт из записи в боте и из календаря. Записи, которые уже есть, останутся на доске." });
      if (!ok) return;
      try {
        await api(`/admin/staff/${m.id}`, { method: "DELETE" });
        toast(`Мастер ${m.name} удалён`);
        render();
      } catch (err) {
        toast(err.message, "error");
      }
    };
    add.onclick = () => edit(null);
    const parts = [];
    if (!services.length) {
      parts.push(h("p", { class: "warning" }, `В филиале «${branch.name}» ещё нет услуг — мастерам нечего отметить. `,
        h("a", { href: `#/services?branch=${encodeURIComponent(branch.id)}` }, "Добавить услуги")));
    }
    if (!staff.items.length) {
      parts.push(admin
        ? emptyState(`В филиале «${branch.name}» ещё нет мастеров`, "Добавьте мастера, отметьте его услуги и часы работы — тогда появится свободное время для записи.",
          h("button", { type: "button", class: "primary", on: { click: () => edit(null) } }, "Добавить мастера"))
        : emptyState(`В филиале «${branch.name}» ещё нет мастеров`, "Попросите администратора добавить мастеров."));
    } else {
      if (!admin) parts.push(h("p", { class: "muted page-note" }, "Часы работы на ближайшие 7 дней, с учётом выходных и отпусков."));
      parts.push(h("div", { class: "setup-cards" }, staff.items.map((m) => withCalendarButton(admin, m, masterCard(m, services, today,
        admin ? h("div", { class: "card-actions" },
          h("button", { type: "button", class: "ghost", dataset: { action: "edit" }, on: { click: () => edit(m) } }, "Изменить"),
          h("button", { type: "button", class: "ghost danger-text", dataset: { action: "delete" }, on: { click: () => remove(m) } }, "Удалить")) : null,
        hours ? hours[m.id] : null)))));
    }
    content.removeAttribute("aria-busy");
    content.replaceChildren(...parts);
  }

  const show = () => render().catch((err) => content.replaceChildren(h("p", { class: "error" }, err.message)));

  async function start() {
    branches = await loadBranches();
    const wanted = hashParam("branch") || prefs.branch;
    options(branchSelect, branches.map((b) => [b.id, b.name]), branches.some((b) => b.id === wanted) ? wanted : branches[0]?.id);
    branchSelect.hidden = branches.length < 2;
    await show();
  }

  branchSelect.addEventListener("change", () => {
    prefs.branch = branchSelect.value;
    setHashParam("branch", branchSelect.value);
    show();
  });
  view.append(h("section", { class: "setup-page staff-page" },
    h("div", { class: "toolbar" }, h("h1", {}, "Мастера и график"), branchSelect, admin ? add : null,
      admin ? null : h("span", { class: "muted readonly-note" }, "Только просмотр: мастеров и график меняет администратор")),
    content));
  start().catch((err) => content.replaceChildren(h("p", { class: "error" }, err.message)));
  return () => { alive = false; };
}
