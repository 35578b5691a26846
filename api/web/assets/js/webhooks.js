// Вебхуки (admins only): where zapis POSTs its events (GET/POST/DELETE /admin/webhooks).
// Add an endpoint (address, events, branches) and see its signing secret once; list and
// delete endpoints; «Отправить тестовое событие»; the latest delivery attempts of one
// endpoint (event, attempt, answer, time) — the page re-reads them while it is open.

import { api } from "./api.js";
import { h } from "./dom.js";
import { isAdmin } from "./session.js";
import { toast } from "./toast.js";
import { check, confirmDialog, emptyState, field, formDialog, group, loadBranches, nextId } from "./setup-kit.js";

const EVENT_TITLES = {
  "appointment.created": "Новая запись",
  "appointment.status_changed": "Смена статуса",
  "appointment.rescheduled": "Перенос записи",
  "appointment.cancelled": "Отмена клиентом",
  "appointment.visit_confirmed": "Клиент подтвердил визит",
  "appointment.feedback": "Оценка визита",
  "webhook.test": "Тестовое событие",
};
const OUTCOMES = { delivered: ["Доставлено", "on"], failed: ["Ошибка, повтор", "warn"], gave_up: ["Отказ после 24 ч", "off"] };
const REFRESH_MS = 5000;

const eventTitle = (type) => EVENT_TITLES[type] || type;
const when = (iso) => new Date(iso).toLocaleString("ru-RU", { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });

function answerText(a) {
  if (a.status !== null) return a.status >= 200 && a.status < 300 ? `${a.status} OK` : `${a.status}`;
  if (a.error.startsWith("timeout")) return "нет ответа (тайм-аут)";
  if (a.error.startsWith("address refused")) return "адрес запрещён";
  return "нет соединения";
}

/** The dialog that shows a new endpoint's secret: the only time it is shown. */
function secretDialog(hook) {
  const secret = h("input", { type: "text", readonly: true, value: hook.secret, spellcheck: "false", class: "secret-value" });
  secret.id = nextId("secret");
  const copy = h("button", { type: "button", class: "ghost", on: { click: async () => {
    secret.select();
    try { await navigator.clipboard.writeText(hook.secret); toast("Секрет скопирован"); } catch { document.execCommand("copy"); }
  } } }, "Скопировать");
  return formDialog({
    title: "Вебхук добавлен", submitLabel: "Готово, секрет сохранён", wide: true,
    body: [
      h("p", { class: "sheet-text" }, "Сохраните секрет подписи сейчас: больше он не будет показан. Получатель проверяет им заголовок X-Zapis-Signature каждого запроса."),
      h("div", { class: "field" }, h("label", { class: "field-label", for: secret.id }, "Секрет подписи"), h("div", { class: "with-button" }, secret, copy)),
      h("p", { class: "hint" }, "Если секрет потерян, удалите вебхук и добавьте его заново — будет выдан новый."),
    ],
    submit: async () => true,
  });
}

export function mount(view) {
  if (!isAdmin()) {
    view.append(h("section", { class: "setup-page" }, h("h1", {}, "Вебхуки"),
      h("p", { class: "error" }, "Вебхуки настраивает администратор.")));
    return () => {};
  }
  const body = h("div", { class: "setup-content", "aria-busy": "true" });
  const log = h("section", { class: "webhook-log", "aria-live": "polite", hidden: true });
  const add = h("button", { type: "button", class: "primary", dataset: { action: "add-webhook" } }, "+ Добавить вебхук");
  let branches = [];
  let hooks = [];
  let types = [];
  let shown = null; // the endpoint whose deliveries are open
  let alive = true;
  let timer = null;

  const branchText = (ids) => (ids === null ? "все филиалы"
    : ids.map((id) => (branches.find((b) => b.id === id) || { name: "удалённый филиал" }).name).join(", "));
  const eventsText = (events) => (events === "*" ? "все события" : events.map(eventTitle).join(", "));

  async function create() {
    const url = h("input", { type: "url", name: "url", required: true, maxlength: 2000, placeholder: "https://crm.example.com/zapis", spellcheck: "false", autocomplete: "off" });
    const every = check("all-events", "*", "Все события, и новые тоже", true);
    const boxes = types.map((t) => check("event", t, eventTitle(t)));
    const allBranches = check("all-branches", "*", "Все филиалы, и будущие тоже", true);
    const branchBoxes = branches.map((b) => check("branch", b.id, b.name));
    const paint = () => {
      for (const b of boxes) b.querySelector("input").disabled = every.querySelector("input").checked;
      for (const b of branchBoxes) b.querySelector("input").disabled = allBranches.querySelector("input").checked;
    };
    every.querySelector("input").addEventListener("change", paint);
    allBranches.querySelector("input").addEventListener("change", paint);
    paint();
    const picked = (list) => list.map((l) => l.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    const saved = await formDialog({
      title: "Новый вебхук", wide: true, submitLabel: "Добавить",
      body: [
        field("Адрес получателя", url, "Сюда zapis отправит POST-запрос с событием в JSON. Нужен https:// и публичный адрес."),
        group("События", [every, ...boxes]),
        group("Филиалы", [allBranches, ...branchBoxes]),
      ],
      submit: async () => {
        const address = url.value.trim();
        if (!address) throw new Error("Укажите адрес получателя");
        const events = every.querySelector("input").checked ? "*" : picked(boxes);
        if (events !== "*" && !events.length) throw new Error("Отметьте хотя бы одно событие");
        const out = { url: address, events };
        if (!allBranches.querySelector("input").checked) {
          out.branch_ids = picked(branchBoxes);
          if (!out.branch_ids.length) throw new Error("Отметьте хотя бы один филиал");
        }
        return api("/admin/webhooks", { method: "POST", body: out });
      },
    });
    if (saved) {
      await secretDialog(saved);
      refresh();
    }
  }

  async function remove(hook) {
    const ok = await confirmDialog({
      title: "Удалить вебхук?", confirmLabel: "Удалить",
      text: `События перестанут отправляться на ${hook.url}. Запрос, который уже в пути, ещё может дойти.`,
    });
    if (!ok) return;
    try {
      await api(`/admin/webhooks/${encodeURIComponent(hook.id)}`, { method: "DELETE" });
      toast("Вебхук удалён");
      if (shown && shown.id === hook.id) shown = null;
      refresh();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  async function sendTest(hook) {
    try {
      const { seq } = await api(`/admin/webhooks/${encodeURIComponent(hook.id)}/test`, { method: "POST" });
      toast(`Тестовое событие №${seq} отправлено — смотрите «Доставки»`);
      shown = hook;
      loadLog();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  function renderLog(items) {
    if (!shown) { log.hidden = true; return; }
    log.hidden = false;
    const close = h("button", { type: "button", class: "ghost", on: { click: () => { shown = null; renderLog([]); } } }, "Скрыть");
    const rows = items.map((a) => {
      const [label, tone] = OUTCOMES[a.outcome] || [a.outcome, ""];
      return h("tr", {},
        h("td", { dataset: { label: "Событие" } }, `№${a.seq} · ${eventTitle(a.event)}`),
        h("td", { dataset: { label: "Попытка" } }, String(a.attempt)),
        h("td", { dataset: { label: "Ответ" }, title: a.error || null }, answerText(a)),
        h("td", { dataset: { label: "Длилось" } }, `${a.duration_ms} мс`),
        h("td", { dataset: { label: "Когда" } }, when(a.at)),
        h("td", { dataset: { label: "Итог" } }, h("span", { class: ["status-badge", tone] }, label)));
    });
    log.replaceChildren(
      h("div", { class: "toolbar" }, h("h2", {}, "Доставки: ", h("span", { class: "webhook-url" }, shown.url)), close),
      h("p", { class: "muted page-note" }, "Последние попытки, новые сверху. Событие, которое не удалось доставить, повторяется с растущей паузой до 24 часов; следующие события ждут его."),
      items.length
        ? h("div", { class: "table-scroll" }, h("table", { class: "setup-table webhook-log-table", "aria-label": "Попытки доставки" },
          h("thead", {}, h("tr", {}, ["Событие", "Попытка", "Ответ", "Длилось", "Когда", "Итог"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, rows)))
        : h("p", { class: "muted" }, "Попыток пока не было. Отправьте тестовое событие, чтобы проверить получателя."));
  }

  async function loadLog() {
    if (!shown) return;
    try {
      const data = await api(`/admin/webhooks/${encodeURIComponent(shown.id)}/deliveries`, { query: { limit: 50 } });
      if (alive) renderLog(data.items);
    } catch (err) {
      log.hidden = false;
      log.replaceChildren(h("p", { class: "error" }, err.message));
    }
  }

  function render() {
    body.removeAttribute("aria-busy");
    if (!hooks.length) {
      body.replaceChildren(emptyState("Вебхуков пока нет",
        "Добавьте адрес учётной системы или CRM — zapis будет отправлять туда новые записи, переносы и смены статуса.", null));
      return;
    }
    const rows = hooks.map((w) => h("tr", { dataset: { id: w.id } },
      h("td", {}, h("span", { class: "webhook-url" }, w.url)),
      h("td", { dataset: { label: "События" } }, eventsText(w.events)),
      h("td", { dataset: { label: "Филиалы" } }, branchText(w.branch_ids)),
      h("td", { dataset: { label: "Добавлен" } }, `${when(w.created_at)}, ${w.created_by}`),
      h("td", { class: "row-actions" },
        h("button", { type: "button", class: "ghost", dataset: { action: "deliveries" }, on: { click: () => { shown = w; loadLog(); } } }, "Доставки"),
        h("button", { type: "button", class: "ghost", dataset: { action: "test" }, on: { click: () => sendTest(w) } }, "Отправить тестовое событие"),
        h("button", { type: "button", class: "ghost danger-text", dataset: { action: "delete" }, on: { click: () => remove(w) } }, "Удалить"))));
    body.replaceChildren(h("div", { class: "table-scroll" }, h("table", { class: "setup-table webhooks-table" },
      h("thead", {}, h("tr", {}, ["Адрес", "События", "Филиалы", "Добавлен", "Действия"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows))));
  }

  async function refresh() {
    try {
      const [mine, data] = await Promise.all([loadBranches(), api("/admin/webhooks")]);
      branches = mine;
      hooks = data.items;
      const order = Object.keys(EVENT_TITLES);
      const rank = (t) => (order.includes(t) ? order.indexOf(t) : order.length);
      types = [...data.event_types].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
      if (shown && !hooks.some((w) => w.id === shown.id)) shown = null;
      if (alive) { render(); loadLog(); }
      if (!shown) renderLog([]);
    } catch (err) {
      body.replaceChildren(h("p", { class: "error" }, err.message));
    }
  }

  add.addEventListener("click", create);
  view.append(h("section", { class: "setup-page webhooks-page" },
    h("div", { class: "toolbar" }, h("h1", {}, "Вебхуки"), add),
    h("p", { class: "muted page-note" }, "zapis отправляет события записей (POST, JSON) на адреса из этого списка — по порядку, с подписью HMAC-SHA256 в заголовке X-Zapis-Signature; недоставленное повторяет до 24 часов."),
    body, log));
  refresh();
  timer = setInterval(() => { if (shown && !document.hidden) loadLog(); }, REFRESH_MS);
  return () => { alive = false; clearInterval(timer); };
}
