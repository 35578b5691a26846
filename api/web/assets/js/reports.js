// Reports: SPEC's KPIs for a period (GET /system/reports) as tiles, rings and
// charts that count the same things: each tile says in one line what it counts,
// the day bars split each day's appointments by status (their sum is the
// «Записей в периоде» tile) and the line counts new requests by the day they
// were made (its sum is «Новые заявки»). The period opens on this month, so
// upcoming visits count; presets: the past 7 days, the next 7 days, this month.
// Money (SPEC §9.4) comes first: revenue and average check per currency (done
// visits at the price fixed at booking), the no-show rate, revenue by day, each
// master's utilization (booked ÷ working minutes) and a table per master and
// per source. «Скачать CSV» / «Скачать Excel» save the same report as a file.

import { api } from "./api.js";
import { ring, lines, shareBars, stackedBars } from "./charts.js";
import { h, options } from "./dom.js";
import { download, downloadButton } from "./download.js";
import { addDays, money, todayIn } from "./format.js";
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

const SOURCES = { bot: "Телеграм-бот", manual: "Менеджер" };
const pct = (ratio) => `${String(Math.round(ratio * 1000) / 10).replace(".", ",")}%`;
const stars = (rating) => (rating === null ? "—" : String(rating).replace(".", ","));

/** "195" → «3 ч 15 мин» */
function duration(minutes) {
  const hours = Math.floor(minutes / 60), rest = minutes % 60;
  if (!hours) return `${rest} мин`;
  return rest ? `${hours} ч ${rest} мин` : `${hours} ч`;
}

/** Amounts per currency, one line each; «0 ₽» when there are none. */
function amounts(perCurrency) {
  const entries = Object.entries(perCurrency || {});
  if (!entries.length) return [h("span", { class: "amount" }, money("0"))];
  return entries.map(([currency, value]) => h("span", { class: "amount", dataset: { currency } }, money(value, currency)));
}

function moneyTiles(data) {
  const box = (key, label, meaning, ...value) => h("div", { class: "kpi", dataset: { kpi: key } },
    h("div", { class: "kpi-value" }, ...value), h("div", { class: "kpi-label" }, label), h("div", { class: "kpi-meaning" }, meaning));
  return h("div", { class: "kpis money-kpis" },
    box("revenue", "Выручка", "Сумма выполненных визитов по цене на момент записи", ...amounts(data.revenue)),
    box("average_check", "Средний чек", "Выручка ÷ число выполненных визитов", ...amounts(data.average_check)),
    box("no_show_rate", "Доля неявок", "«Не пришли» ÷ («Выполнено» + «Не пришли»)", pct(data.no_show_rate || 0)));
}

function revenueCharts(data) {
  const currencies = Object.keys(data.revenue || {});
  return currencies.map((currency) => stackedBars(
    (data.by_day || []).map((d) => ({ date: d.date, revenue: Number(d.revenue?.[currency] || 0) })),
    [{ key: "revenue", label: "Выручка" }],
    currencies.length > 1 ? `Выручка по дням, ${currency}` : "Выручка по дням",
    "Столбик — выполненные визиты дня по цене на момент записи; сумма столбиков — «Выручка».",
    { format: (v) => money(String(v), currency), key: `revenue-${currency}` }));
}

function utilization(data) {
  const rows = data.by_staff || [];
  if (!rows.length) return null;
  return shareBars(rows.map((r) => ({
    id: r.staff_id, label: r.name, value: r.utilization, note: `${duration(r.booked_min)} из ${duration(r.working_min)}`,
  })), "Загрузка мастеров", "Занятое записями время ÷ рабочее время по графику за период (отменённые визиты не считаются).",
  { key: "utilization", empty: "нет смен" });
}

function table(caption, head, rows, className) {
  return h("div", { class: "table-scroll report-table-box" },
    h("table", { class: ["report-table", className] },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, head.map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell, i) => (i === 0
        ? h("th", { scope: "row" }, cell)
        : h("td", { dataset: { label: head[i] } }, cell))))))));
}

function staffTable(data) {
  const head = ["Мастер", "Выполнено", "Выручка", "Занято", "Рабочее время", "Загрузка", "Рейтинг"];
  return table("По мастерам", head, (data.by_staff || []).map((r) => [
    r.name, String(r.visits_done), h("span", { class: "amounts" }, ...amounts(r.revenue)), duration(r.booked_min),
    duration(r.working_min), r.utilization === null ? "нет смен" : pct(r.utilization),
    r.rating === null ? h("span", { class: "muted" }, "нет отзывов") : `${stars(r.rating)} из 5`,
  ]), "staff-report");
}

function sourceTable(data) {
  const head = ["Откуда запись", "Записей", "Выполнено", "Конверсия"];
  return table("По источникам", head, Object.entries(data.by_source || {}).map(([key, v]) => [
    SOURCES[key] || key, String(v.appointments), String(v.done), pct(v.conversion),
  ]), "source-report");
}

function show(out, data) {
  const days = data.by_day || [];
  out.replaceChildren(
    moneyTiles(data),
    h("div", { class: "charts money-charts" }, revenueCharts(data), utilization(data)),
    h("div", { class: "report-tables" }, staffTable(data), sourceTable(data)),
    h("h2", { class: "report-section" }, "Записи"),
    h("div", { class: "kpis count-kpis" }, TILES.map((t) => tile(t, data))),
    h("div", { class: "rings" },
      ring(data.completed_pct, "Доля выполненных", "«Выполнено» ÷ «Записей в периоде»", "completed_pct"),
      ring(data.repeat_clients_pct, "Клиенты с повторным визитом",
        "Из клиентов с выполненным визитом в эти дни — те, кто уже приходил раньше", "repeat_clients_pct")),
    h("div", { class: "charts" },
      stackedBars(days, DAY_SERIES, "Записи по дням (по дню визита)",
        "Столбик — все записи дня, по статусу сейчас; сумма столбиков — «Записей в периоде».", { key: "days" }),
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
  const save = (format, label) => downloadButton(label, "ghost download", () => download("/system/reports", {
    branch_id: period.branch || null, date_from: period.from, date_to: period.to, format,
  }, `report.${format}`), (err) => toast(`Не удалось скачать отчёт: ${err.message}`, "error"));
  view.append(h("section", { class: "reports-page" },
    h("div", { class: "toolbar" }, h("h1", {}, "Отчёты"), branch, presets,
      h("div", { class: "range" }, h("label", {}, "с ", from), h("label", {}, " по ", to)),
      h("div", { class: "downloads", role: "group", "aria-label": "Скачать отчёт за период" },
        save("csv", "Скачать CSV"), save("xlsx", "Скачать Excel"))),
    out));
  mark();
  if (period.from && period.to) run();
  else choose(period.preset);
  return () => { ticket++; };
}
