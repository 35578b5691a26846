// Client import: choose a CSV/XLS/XLSX file, check it (dry run: the counts a real
// import would give and the rows with errors), then import it for real.
// «Дополнено» counts the clients a row really filled (updated − unchanged);
// rows that matched a client and changed nothing are «Без изменений». Row
// errors and refusals come in Russian from the server (api.js asks for it).

import { api } from "./api.js";
import { h } from "./dom.js";
import { toast } from "./toast.js";

const SHOW_ERRORS = 200; // rows listed; the rest are counted

function filled(result) {
  return result.updated - (result.unchanged || 0);
}

function summary(result, real) {
  const counts = [
    ["total_rows", "Строк с данными", result.total_rows],
    ["created", real ? "Создано клиентов" : "Будет создано", result.created],
    ["updated", real ? "Дополнено" : "Будет дополнено", filled(result)],
    ["unchanged", "Без изменений", result.unchanged || 0],
    ["duplicates", "Повторы в файле", result.duplicates],
  ];
  const items = counts.map(([key, label, value]) => h("div", { class: "kpi", dataset: { kpi: key } },
    h("div", { class: "kpi-value" }, String(value)), h("div", { class: "kpi-label" }, label)));
  items.push(h("div", { class: ["kpi", result.errors.length ? "kpi-bad" : ""], dataset: { kpi: "errors" } },
    h("div", { class: "kpi-value" }, String(result.errors.length)), h("div", { class: "kpi-label" }, "Строк с ошибками")));
  const parts = [h("div", { class: "kpis" }, items)];
  if (result.errors.length) {
    const rows = result.errors.slice(0, SHOW_ERRORS).map((e) =>
      h("tr", {}, h("td", { class: "num" }, String(e.row)), h("td", {}, e.message)));
    parts.push(h("table", { class: "errors-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Строка"), h("th", {}, "Ошибка"))), h("tbody", {}, rows)));
    if (result.errors.length > SHOW_ERRORS) parts.push(h("p", { class: "muted" }, `и ещё ${result.errors.length - SHOW_ERRORS}`));
  }
  return parts;
}

export function mount(view) {
  const file = h("input", { type: "file", name: "file", accept: ".csv,.xls,.xlsx,text/csv", "aria-label": "Файл с клиентами (CSV, XLS или XLSX)" });
  const check = h("button", { type: "button", class: "ghost", disabled: true }, "Проверить файл");
  const go = h("button", { type: "button", class: "primary", disabled: true }, "Импортировать");
  const status = h("p", { class: "muted", role: "status" }, "Файл CSV (UTF-8 или cp1251), XLS или XLSX с заголовками: телефон, имя, telegram, email, дата рождения, комментарий.");
  const out = h("div", { class: "import-result" });
  const say = (text, failed = false) => {
    status.textContent = text;
    status.className = failed ? "error" : "muted";
  };

  const send = async (dryRun) => {
    const chosen = file.files[0];
    if (!chosen) return null;
    const form = new FormData();
    form.append("file", chosen, chosen.name);
    form.append("dry_run", dryRun ? "true" : "false");
    check.disabled = go.disabled = true;
    say(dryRun ? "Проверяю файл…" : "Импортирую…");
    try {
      return await api("/system/import", { method: "POST", form });
    } catch (err) {
      say(err.status === 404 && err.code === "not_found" ? "Импорт недоступен на этом сервере" : err.message, true);
      out.replaceChildren();
      return null;
    } finally {
      check.disabled = !file.files.length;
    }
  };

  file.addEventListener("change", () => {
    check.disabled = !file.files.length;
    go.disabled = true;
    out.replaceChildren();
  });
  check.addEventListener("click", async () => {
    const result = await send(true);
    if (!result) return;
    say(`Проверка «${file.files[0].name}»: ничего не изменено. Так пройдёт импорт:`);
    out.replaceChildren(...summary(result, false));
    go.disabled = result.total_rows === 0;
  });
  go.addEventListener("click", async () => {
    const result = await send(false);
    if (!result) return;
    say(`Импорт «${file.files[0].name}» завершён.`);
    out.replaceChildren(...summary(result, true));
    toast(`Импорт завершён: создано ${result.created}, дополнено ${filled(result)}`);
  });

  view.append(h("section", { class: "import-page" },
    h("h1", {}, "Импорт клиентов"), status,
    h("div", { class: "toolbar" }, file, check, go), out));
  return () => {};
}
