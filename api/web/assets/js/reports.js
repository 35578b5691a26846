// Reports: SPEC's KPIs for a period (GET /system/reports) as tiles, rings and
// charts that count the same things: each tile says in one line what it counts,
// the day bars split each day's appointments by status (their sum is the
// «Записей в периоде» tile) and the line counts new requests by the day they
// were made (its sum is «Новые заявки»). The period opens on this month, so
// upcoming visits count; presets: the past 7 days, the next 7 days, this month.

import { api } from "./api.js";
import { ring, lines, stackedBars } from "./charts.js";
import { h, options } from "./dom.js";
import { addDays, todayIn } from "./format.js";
import { prefs } from "./prefs.js";
import { toast } from "./toast.js";

const TILES = [
  ["new_requests", "Новые заявки", "Записи, сделанные в эти дни (по дню, когда записались), в любом статусе"],
  ["appointments", "Записей в периоде", "Визиты, назначенные на эти дни, в любом статусе"],
  ["open", "Ещё не завершены", "Из них новые, подтверждённые и в работе"],
  ["done", "Выполнено", "Из них в статусе «Выполнено»"],
  ["cancelled", "Отменено", "Из них отменённые"],
  ["no_show", "Не пришли", "Из них те, на которые клиент не пришёл"],
  ["repeat_visits", "Повторные визиты", "Выполненные визиты тех, у кого уже был выполненный визит раньше"],
];

// What the day bars stack: together they are every appointment of the day.
const DAY_SERIES = [
  { key: "open", label: "Ещё не завершены" },
  { key: "done", label: "Выполнено" },
  { key: "cancelled", label: "Отменено" },
  { key: "no_show", label: "Не пришли" },
];

const PRESETS = [
  ["past", "Прошедшие 7 дней"],
  ["upcoming", "Предстоящие 7 дней"],
  ["month", "Этот месяц"],
  ["custom", "Свой период"],
];

const period = { from: null, to: null, branch: "", preset: "month" };

/** [from, to] of a preset, around the salon's today. */
function presetRange(preset, today) {
  if (preset === "past") return [addDays(today, -6), today];
  if (preset === "upcoming") return [today, addDays(today, 6)];
  const first = `${today.slice(0, 8)}01`;
  return [first, addDays(addDays(first, 32).slice(0, 8) + "01", -1)];
}

/** The salon's today: learnt from the board (the server's clock), else this browser's. */
async function salonToday() {
  if (!prefs.today && prefs.branches.length) {
    try {
      const data = await api("/dashboard/board", { query: { branch_id: prefs.branches[0].id } });
      prefs.today = prefs.today || data.branches[0]?.date_from || null;
    } catch {
      // fall back to this browser's date below
    }
  }
  return prefs.today || todayIn(prefs.branches[0]?.timezone || "Europe/Moscow");
}

function tile([key, label, meaning], data) {
  return h("div", { class: "kpi", dataset: { kpi: key } },
    h("div", { class: "kpi-value" }, String(data[key] ?? 0)),
    h("div", { class: "kpi-label" }, label),
    h("div", { class: "kpi-meaning" }, meaning));
}

function show(out, data) {
  const days = data.by_day || [];
  out.replaceChildren(
    h("div", { class: "kpis" }, TILES.map((t) => tile(t, data))),
    h("div", { class: "rings" },
      ring(data.completed_pct, "Доля выполненных", "«Выполнено» ÷ «Записей в периоде»", "completed_pct"),
      ring(data.repeat_clients_pct, "Клиенты с повторным визитом",
        "Из клиентов с выполненным визитом в эти дни — те, кто уже приходил раньше", "repeat_clients_pct")),
    h("div", { class: "charts" },
      stackedBars(days, DAY_SERIES, "Записи по дням (по дню визита)",
        "Столбик — все записи дня, по статусу сейчас; сумма столбиков — «Записей в периоде»."),
      lines(days, [{ key: "new_requests", label: "Новые заявки" }], "Новые заявки по дням (по дню, когда записались)",
        "Точка — сколько записей сделали в этот день; сумма точек — «Новые заявки».")));
}

export function mount(view) {
  const branch = h("select", { name: "branch", "aria-label": "Филиал" });
  options(branch, [["", "Все филиалы"], ...prefs.branches.map((b) => [b.id, b.name])], period.branch);
  branch.hidden = prefs.branches.length < 2;
  const from = h("input", { type: "date", name: "from", value: period.from || "", "aria-label": "С даты" });
  const to = h("input", { type: "date", name: "to", value: period.to || "", "aria-label": "По дату" });
  const out = h("div", { class: "report" });
  const buttons = PRESETS.map(([key, label]) => h("button", {
    type: "button", class: "preset", dataset: { preset: key }, "aria-pressed": "false",
  }, label));
  const presets = h("div", { class: "presets", role: "group", "aria-label": "Период" }, buttons);
  const mark = () => {
    for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.preset === period.preset));
  };
  let ticket = 0;
  const run = async () => {
    if (!from.value || !to.value) return;
    if (to.value < from.value) to.value = from.value;
    Object.assign(period, { from: from.value, to: to.value, branch: branch.value });
    const mine = ++ticket;
    out.classList.add("loading");
    try {
      const data = await api("/system/reports", { query: { branch_id: period.branch || null, date_from: period.from, date_to: period.to } });
      if (mine === ticket) show(out, data);
    } catch (err) {
      if (mine !== ticket) return;
      out.replaceChildren(h("p", { class: "error" }, err.status === 404 && err.code === "not_found" ? "Отчёты недоступны на этом сервере" : err.message));
      if (err.status !== 404) toast(err.message, "error");
    } finally {
      if (mine === ticket) out.classList.remove("loading");
    }
  };
  const choose = async (preset) => {
    period.preset = preset;
    mark();
    if (preset === "custom") {
      from.focus();
      return;
    }
    [from.value, to.value] = presetRange(preset, await salonToday());
    run();
  };
  for (const b of buttons) b.addEventListener("click", () => choose(b.dataset.preset));
  branch.addEventListener("change", run);
  for (const input of [from, to]) {
    input.addEventListener("change", () => {
      period.preset = "custom";
      mark();
      run();
    });
  }
  view.append(h("section", { class: "reports-page" },
    h("div", { class: "toolbar" }, h("h1", {}, "Отчёты"), branch, presets,
      h("div", { class: "range" }, h("label", {}, "с ", from), h("label", {}, " по ", to))),
    out));
  mark();
  if (period.from && period.to) run();
  else choose(period.preset);
  return () => { ticket++; };
}
