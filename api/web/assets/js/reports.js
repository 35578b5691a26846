// Reports: SPEC's KPIs for a period (GET /system/reports) as tiles and charts.

import { api } from "./api.js";
import { ring, lines, stackedBars } from "./charts.js";
import { h, options } from "./dom.js";
import { addDays, todayIn } from "./format.js";
import { prefs } from "./prefs.js";
import { toast } from "./toast.js";

const TILES = [
  ["new_requests", "Новые заявки"],
  ["appointments", "Записей в периоде"],
  ["done", "Выполнено"],
  ["cancelled", "Отменено"],
  ["no_show", "Не пришли"],
  ["repeat_visits", "Повторные визиты"],
];

const period = { from: null, to: null, branch: "" };

function defaults() {
  const today = prefs.today || todayIn(prefs.branches[0]?.timezone || "Europe/Moscow");
  period.to = period.to || today;
  period.from = period.from || addDays(period.to, -29);
}

function show(out, data) {
  const tiles = h("div", { class: "kpis" }, TILES.map(([key, label]) =>
    h("div", { class: "kpi", dataset: { kpi: key } }, h("div", { class: "kpi-value" }, String(data[key])), h("div", { class: "kpi-label" }, label))));
  const rings = h("div", { class: "rings" },
    ring(data.completed_pct, "Доля выполненных"),
    ring(data.repeat_clients_pct, "Клиенты с повторным визитом"));
  const days = data.by_day || [];
  out.replaceChildren(tiles, rings,
    h("div", { class: "charts" }, stackedBars(days, [
      { key: "done", label: "Выполнено" },
      { key: "cancelled", label: "Отменено" },
      { key: "no_show", label: "Не пришли" },
    ], "Записи по дням (по дате визита)"),
    lines(days, [{ key: "new_requests", label: "Новые заявки" }], "Новые заявки по дням (по дате создания)")));
}

export function mount(view) {
  defaults();
  const branch = h("select", { name: "branch", "aria-label": "Филиал" });
  options(branch, [["", "Все филиалы"], ...prefs.branches.map((b) => [b.id, b.name])], period.branch);
  branch.hidden = prefs.branches.length < 2;
  const from = h("input", { type: "date", name: "from", value: period.from, "aria-label": "С даты" });
  const to = h("input", { type: "date", name: "to", value: period.to, "aria-label": "По дату" });
  const out = h("div", { class: "report" });
  const run = async () => {
    if (!from.value || !to.value) return;
    Object.assign(period, { from: from.value, to: to.value, branch: branch.value });
    out.classList.add("loading");
    try {
      show(out, await api("/system/reports", { query: { branch_id: period.branch || null, date_from: period.from, date_to: period.to } }));
    } catch (err) {
      out.replaceChildren(h("p", { class: "error" }, err.status === 404 && err.code === "not_found" ? "Отчёты недоступны на этом сервере" : err.message));
      if (err.status !== 404) toast(err.message, "error");
    } finally {
      out.classList.remove("loading");
    }
  };
  for (const input of [branch, from, to]) input.addEventListener("change", run);
  view.append(h("section", { class: "reports-page" },
    h("div", { class: "toolbar" }, h("h1", {}, "Отчёты"), branch, h("label", { class: "range" }, "с ", from, " по ", to)),
    out));
  run();
  return () => {};
}
