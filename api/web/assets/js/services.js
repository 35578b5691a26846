// Услуги и цены: the services of a branch (or of all) with price, duration and the
// clean-up time after them. Admins add and edit (POST/PATCH /admin/services) and
// archive (PATCH active=false); archived services are listed apart and can be
// restored. Managers see the active services of their branches (GET /services).

import { api } from "./api.js";
import { h, options } from "./dom.js";
import { money } from "./format.js";
import { prefs } from "./prefs.js";
import { isAdmin } from "./session.js";
import { toast } from "./toast.js";
import {
  check, duration, emptyState, field, formDialog, group, hashParam, intIn, loadBranches, setHashParam,
} from "./setup-kit.js";

const CURRENCIES = [
  ["RUB", "₽ — российский рубль"], ["KZT", "₸ — казахстанский тенге"], ["BYN", "Br — белорусский рубль"],
  ["UZS", "сум — узбекский сум"], ["KGS", "сом — киргизский сом"], ["AMD", "֏ — армянский драм"],
  ["GEL", "₾ — грузинский лари"], ["AZN", "₼ — азербайджанский манат"], ["TJS", "сомони — таджикский сомони"],
  ["TRY", "₺ — турецкая лира"], ["AED", "дирхам ОАЭ"], ["USD", "$ — доллар США"], ["EUR", "€ — евро"],
];

/** "1 500,5" → "1500.50"; null when it is not a price. */
export function parsePrice(text) {
  const clean = String(text).replace(/[\s\u00a0₽]/g, "").replace(",", ".");
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(clean)) return null;
  return Number(clean).toFixed(2);
}

function minutesField(name, value, min, max) {
  const input = h("input", { type: "number", name, min, max, step: 1, value: String(value), inputmode: "numeric", required: true });
  const out = h("output", { class: "reading" });
  const read = () => {
    const n = Number(input.value);
    out.textContent = Number.isInteger(n) && n >= 60 ? `= ${duration(n)}` : "";
  };
  input.addEventListener("input", read);
  read();
  return { input, element: h("span", { class: "with-unit" }, input, h("span", { class: "unit" }, "мин"), out) };
}

function openServiceForm(service, branches, branchId) {
  const s = service || { name: "", price: "", currency: "RUB", duration_min: 60, buffer_min: 0,
    branch_ids: branchId ? [branchId] : branches.map((b) => b.id) };
  const name = h("input", { name: "name", required: true, maxlength: 200, value: s.name, autocomplete: "off" });
  const price = h("input", { name: "price", required: true, inputmode: "decimal", autocomplete: "off", placeholder: "1500",
    value: s.price ? String(Number(s.price)) : "" });
  const currency = options(h("select", { name: "currency" }), CURRENCIES, s.currency);
  if (!CURRENCIES.some(([c]) => c === s.currency)) currency.append(h("option", { value: s.currency, selected: true }, s.currency));
  const length = minutesField("duration_min", s.duration_min, 5, 1440);
  const buffer = minutesField("buffer_min", s.buffer_min, 0, 480);
  const boxes = branches.map((b) => check("branch", b.id, b.name, s.branch_ids.includes(b.id)));
  const body = [
    field("Название", name, "Так услугу увидят клиенты в боте и менеджеры на доске."),
    h("div", { class: "row" },
      field("Цена", price, "Цена для клиента; бот показывает её при записи. Копейки — через запятую."),
      field("Валюта", currency)),
    h("div", { class: "row" },
      field("Длительность", length.element, "Сколько времени мастер занят клиентом; по ней подбирается свободное время."),
      field("Перерыв после", buffer.element, "Уборка и подготовка после услуги: мастер занят, но клиент этого времени не видит и не платит за него.")),
    branches.length > 1 ? group("Где оказывается", boxes, "Филиалы, в которых можно записаться на эту услугу.") : null,
  ];
  return formDialog({
    title: service ? `Услуга «${service.name}»` : "Новая услуга", body, wide: true,
    submitLabel: service ? "Сохранить" : "Добавить услугу",
    submit: async () => {
      const out = {
        name: name.value.trim(), price: parsePrice(price.value), currency: currency.value,
        duration_min: intIn(length.input, 5, 1440), buffer_min: intIn(buffer.input, 0, 480),
        branch_ids: branches.length > 1 ? boxes.map((l) => l.querySelector("input")).filter((i) => i.checked).map((i) => i.value)
          : branches.map((b) => b.id),
      };
      if (!out.name) throw new Error("Введите название услуги");
      if (out.price === null) throw new Error("Цена — число, например 1500 или 1500,50");
      if (out.duration_min === null) throw new Error("Длительность — целое число минут от 5 до 1440");
      if (out.buffer_min === null) throw new Error("Перерыв после — целое число минут от 0 до 480");
      if (!out.branch_ids.length) throw new Error("Отметьте хотя бы один филиал");
      if (!service) return api("/admin/services", { method: "POST", body: out });
      const changes = Object.fromEntries(Object.entries(out).filter(([k, v]) =>
        (k === "branch_ids" ? [...v].sort().join() !== [...service.branch_ids].sort().join() : service[k] !== v)));
      // Branches the user cannot see stay as they were.
      return Object.keys(changes).length ? api(`/admin/services/${service.id}`, { method: "PATCH", body: changes }) : service;
    },
  });
}

export function mount(view) {
  const admin = isAdmin();
  const branchSelect = h("select", { name: "branch", "aria-label": "Филиал" });
  const add = h("button", { type: "button", class: "primary", dataset: { action: "add-service" } }, "+ Добавить услугу");
  const content = h("div", { class: "setup-content", "aria-busy": "true" });
  let branches = [];
  let services = [];
  let alive = true;

  const branchName = (id) => (branches.find((b) => b.id === id) || { name: "—" }).name;
  const shown = (s) => !branchSelect.value || s.branch_ids.includes(branchSelect.value);

  async function load() {
    branches = await loadBranches();
    const wanted = hashParam("branch") || prefs.branch;
    options(branchSelect, [["", "Все филиалы"], ...branches.map((b) => [b.id, b.name])],
      branches.some((b) => b.id === wanted) ? wanted : "");
    branchSelect.hidden = branches.length < 2;
    if (branches.length === 1) branchSelect.value = branches[0].id;
    add.hidden = !admin || !branches.length;
    services = admin ? (await api("/admin/services")).items : (await api("/services")).items;
  }

  async function edit(service) {
    const saved = await openServiceForm(service, branches, branchSelect.value);
    if (saved) {
      toast(service ? `Услуга «${saved.name}» сохранена` : `Услуга «${saved.name}» добавлена`);
      refresh();
    }
  }
  async function setActive(service, active) {
    try {
      await api(`/admin/services/${service.id}`, { method: "PATCH", body: { active } });
      toast(active ? `Услуга «${service.name}» снова доступна для записи` : `Услуга «${service.name}» в архиве: записаться на неё больше нельзя`);
      refresh();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  function table(items, archived) {
    const many = branches.length > 1;
    const head = ["Услуга", "Цена", "Длительность", admin ? "Перерыв после" : null, many ? "Филиалы" : null, admin ? "Действия" : null]
      .filter(Boolean);
    const rows = items.map((s) => h("tr", { dataset: { id: s.id } },
      h("td", { class: "service-name" }, s.name),
      h("td", { class: "num nowrap", dataset: { label: "Цена" } }, money(s.price, s.currency)),
      h("td", { class: "nowrap", dataset: { label: "Длительность" } }, duration(s.duration_min)),
      admin ? h("td", { class: "nowrap", dataset: { label: "Перерыв после" } }, s.buffer_min ? duration(s.buffer_min) : "нет") : null,
      many ? h("td", { dataset: { label: "Филиалы" } }, s.branch_ids.filter((id) => branches.some((b) => b.id === id)).map(branchName).join(", ")) : null,
      admin ? h("td", { class: "row-actions" }, archived
        ? h("button", { type: "button", class: "ghost", dataset: { action: "restore" }, on: { click: () => setActive(s, true) } }, "Вернуть")
        : [h("button", { type: "button", class: "ghost", dataset: { action: "edit" }, on: { click: () => edit(s) } }, "Изменить"),
          h("button", { type: "button", class: "ghost", dataset: { action: "archive" }, on: { click: () => setActive(s, false) } }, "В архив")]) : null));
    return h("div", { class: "table-scroll" }, h("table", { class: ["setup-table", archived && "archived"] },
      h("thead", {}, h("tr", {}, head.map((t) => h("th", { scope: "col" }, t)))), h("tbody", {}, rows)));
  }

  function render() {
    content.removeAttribute("aria-busy");
    if (!branches.length) {
      content.replaceChildren(admin
        ? emptyState("Сначала добавьте филиал", "Услуги оказываются в филиалах.", h("a", { href: "#/branches", class: "button-link" }, "К филиалам"))
        : emptyState("Вам пока не открыт ни один филиал", "Попросите администратора добавить вас в филиал."));
      return;
    }
    const active = services.filter((s) => s.active !== false && shown(s));
    const archived = services.filter((s) => s.active === false && shown(s));
    const parts = [];
    if (!active.length) {
      const where = branchSelect.value ? `В филиале «${branchName(branchSelect.value)}» ещё нет услуг` : "Услуг пока нет";
      parts.push(admin
        ? emptyState(where, "Добавьте первую услугу с ценой и длительностью — без услуг клиенты не смогут записаться.",
          h("button", { type: "button", class: "primary", on: { click: () => edit(null) } }, "Добавить услугу"))
        : emptyState(where, "Попросите администратора добавить услуги."));
    } else {
      parts.push(table(active, false));
    }
    if (admin && archived.length) {
      parts.push(h("details", { class: "archive" },
        h("summary", {}, `Архив (${archived.length}) — на эти услуги записаться нельзя`), table(archived, true)));
    }
    content.replaceChildren(...parts);
  }

  async function refresh() {
    try {
      await load();
      if (alive) render();
    } catch (err) {
      content.replaceChildren(h("p", { class: "error" }, err.message));
    }
  }

  branchSelect.addEventListener("change", () => {
    prefs.branch = branchSelect.value;
    setHashParam("branch", branchSelect.value);
    render();
  });
  add.addEventListener("click", () => edit(null));
  view.append(h("section", { class: "setup-page services-page" },
    h("div", { class: "toolbar" }, h("h1", {}, "Услуги и цены"), branchSelect, admin ? add : null,
      admin ? null : h("span", { class: "muted readonly-note" }, "Только просмотр: цены и услуги меняет администратор")),
    content));
  refresh();
  return () => { alive = false; };
}
