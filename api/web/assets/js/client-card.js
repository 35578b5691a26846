// Клиент: one client's card (#/client/<id>, GET /clients/{id}): contacts, notes,
// source, Telegram, stats, and the visit history newest first, with three actions:
// «Записать» (the booking form prefilled with the client), «Изменить» (PATCH) and
// «Объединить с дублем» (POST /clients/{id}/merge). A merged duplicate's page
// answers 404 and shows «Клиент не найден».

import { api } from "./api.js";
import { h } from "./dom.js";
import { localDate, localTime, money, phone } from "./format.js";
import { openBooking } from "./booking.js";
import { openEdit, openMerge } from "./client-dialogs.js";
import { sourceTitle } from "./clients.js";
import { branchById, prefs, statusTitle } from "./prefs.js";
import { isAdmin } from "./session.js";
import { toast } from "./toast.js";

const birthdayFmt = new Intl.DateTimeFormat("ru-RU", { timeZone: "UTC", day: "numeric", month: "long", year: "numeric" });
const sinceFmt = new Intl.DateTimeFormat("ru-RU", { day: "numeric", month: "long", year: "numeric" });

/** "2026-03-02…" (a local ISO date or time with offset) → "02.03.2026". */
const dmy = (iso) => { const d = localDate(iso); return `${d.slice(8, 10)}.${d.slice(5, 7)}.${d.slice(0, 4)}`; };
const when = (iso) => (iso ? `${dmy(iso)}, ${localTime(iso)}` : "—");

function idFromHash() {
  const rest = location.hash.replace(/^#\/?client\/?/, "").split(/[/?]/)[0];
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

function item(label, ...value) {
  return [h("dt", {}, label), h("dd", {}, ...value)];
}

function telegram(client) {
  if (!client.telegram_id) return h("span", { class: "muted" }, "не подключён");
  return [h("a", { href: `tg://user?id=${client.telegram_id}` }, "Написать в Telegram"),
    h("span", { class: "muted" }, ` · id ${client.telegram_id}`)];
}

function contacts(client) {
  return h("section", { class: "client-panel client-contacts", "aria-labelledby": "client-contacts-title" },
    h("h2", { id: "client-contacts-title" }, "Контакты"),
    h("dl", { class: "client-facts" },
      item("Телефон", client.phone ? h("a", { href: `tel:${client.phone.split(";")[0]}`, class: "nowrap" }, phone(client.phone)) : "—"),
      item("Email", client.email ? h("a", { href: `mailto:${client.email}` }, client.email) : "—"),
      item("День рождения", client.birthday ? birthdayFmt.format(new Date(`${client.birthday}T12:00:00Z`)) : "—"),
      item("Telegram", telegram(client)),
      item("Источник", sourceTitle(client.source)),
      item("В базе с", client.created_at ? sinceFmt.format(new Date(client.created_at)) : "—")),
    h("h2", {}, "Заметки"),
    client.notes ? h("p", { class: "client-notes" }, client.notes) : h("p", { class: "muted" }, "Заметок нет"));
}

function stats(data, currency) {
  const s = data.stats;
  const tiles = [
    ["visits_done", "Визитов", String(s.visits_done)],
    ["no_shows", "Не пришёл", String(s.no_shows)],
    ["cancelled", "Отменено", String(s.cancelled)],
    ["spent", "Потрачено", money(s.spent, currency)],
    ["last_visit", "Последний визит", when(s.last_visit)],
    ["next_visit", "Следующий визит", when(s.next_visit)],
  ];
  return h("section", { class: "client-stats", "aria-label": "Статистика" },
    h("div", { class: "kpis" }, tiles.map(([key, label, value]) => h("div", {
      class: ["kpi", key === "no_shows" && s.no_shows ? "kpi-bad" : ""], dataset: { stat: key },
    }, h("div", { class: ["kpi-value", key.endsWith("_visit") ? "client-kpi-date" : ""] }, value),
    h("div", { class: "kpi-label" }, label)))));
}

const price = (a) => money(a.total_price ?? a.service.price, a.service.currency);
const services = (a) => (a.services?.length ? a.services.map((s) => s.name).join(" + ") : a.service.name);

/** «✓ придёт» (the client pressed «Приду») and the client's rating of the visit, if any (SPEC §9.3). */
function visitMarks(a) {
  const come = a.client_confirmed_at && ["new", "confirmed"].includes(a.status)
    ? h("div", { class: "visit-come" }, "✓ придёт") : null;
  const rating = a.feedback ? h("div", { class: "visit-rating" }, `Оценка ${"★".repeat(a.feedback.rating)} ${a.feedback.rating}/5`,
    a.feedback.comment ? h("span", { class: "visit-rating-comment" }, ` «${a.feedback.comment}»`) : null) : null;
  return [come, rating];
}

function history(appointments) {
  const sorted = [...appointments].sort((a, b) => Date.parse(b.start) - Date.parse(a.start));
  const many = prefs.branches.length > 1;
  const title = [h("h2", { id: "client-history-title" }, "История визитов"),
    isAdmin() ? null : h("p", { class: "muted client-history-scope" }, "Показаны визиты в ваших филиалах.")];
  if (!sorted.length) {
    return h("section", { class: "client-history", "aria-labelledby": "client-history-title" }, title,
      h("p", { class: "muted" }, "Визитов пока нет — запишите клиента кнопкой «Записать»."));
  }
  const td = (label, ...content) => h("td", { dataset: { label } }, ...content);
  const rows = sorted.map((a) => h("tr", { class: ["visit", `visit-${a.status}`], dataset: { id: a.id, status: a.status } },
    td("Дата", h("span", { class: "nowrap" }, dmy(a.start))),
    td("Время", h("span", { class: "nowrap" }, `${localTime(a.start)}–${localTime(a.end)}`)),
    td("Услуга", services(a)),
    td("Мастер", a.staff.name || "—"),
    many ? td("Филиал", branchById(a.branch_id)?.name || "—") : null,
    td("Статус", h("span", { class: ["status-pill", `status-${a.status}`] }, statusTitle(a.status)), visitMarks(a)),
    h("td", { class: "num nowrap", dataset: { label: "Цена" } }, h("span", { class: "visit-price" }, price(a)))));
  const head = ["Дата", "Время", "Услуга", "Мастер", many ? "Филиал" : null, "Статус"].filter(Boolean)
    .map((t) => h("th", { scope: "col" }, t));
  return h("section", { class: "client-history", "aria-labelledby": "client-history-title" }, title,
    h("div", { class: "table-scroll" }, h("table", { class: "visits-table" },
      h("thead", {}, h("tr", {}, head, h("th", { scope: "col", class: "num" }, "Цена"))),
      h("tbody", {}, rows))));
}

function notFound() {
  return h("section", { class: "client-page client-missing" },
    h("a", { href: "#/clients", class: "client-back" }, "← Все клиенты"),
    h("h1", {}, "Клиент не найден"),
    h("p", { class: "muted" }, "Возможно, его карточку объединили с другой или ссылка неверна."),
    h("p", {}, h("a", { href: "#/clients" }, "Найти клиента в базе")));
}

export function mount(view) {
  const id = idFromHash();
  let alive = true;
  let data = null;
  const page = h("section", { class: "client-page loading", "aria-busy": "true", dataset: { id } },
    h("a", { href: "#/clients", class: "client-back" }, "← Все клиенты"), h("h1", {}, "Клиент"));
  view.append(page);

  const load = async () => {
    try {
      const fresh = await api(`/clients/${encodeURIComponent(id)}`);
      if (!alive) return;
      data = fresh;
      render();
    } catch (err) {
      if (!alive) return;
      if (err.status === 404) page.replaceWith(notFound());
      else page.replaceChildren(h("a", { href: "#/clients", class: "client-back" }, "← Все клиенты"),
        h("h1", {}, "Клиент"), h("p", { class: "error", role: "alert" }, `Не удалось открыть карточку: ${err.message}`));
    } finally {
      page.classList.remove("loading");
      page.removeAttribute("aria-busy");
    }
  };

  function render() {
    const { client, appointments } = data;
    const currency = appointments[0]?.service.currency || "RUB";
    const book = h("button", { type: "button", class: "primary", dataset: { action: "book" } }, "Записать");
    const edit = h("button", { type: "button", dataset: { action: "edit" } }, "Изменить");
    const merge = h("button", { type: "button", class: "ghost", dataset: { action: "merge" } }, "Объединить с дублем");
    book.addEventListener("click", async () => {
      const booked = await openBooking({ phone: client.phone || "", name: client.name || "" });
      if (booked && alive) await load();
    });
    edit.addEventListener("click", async () => {
      const saved = await openEdit(client);
      if (saved?.mergeWith) {
        if (await openMerge(client, saved.mergeWith) && alive) await load();
      } else if (saved && alive) {
        toast("Карточка сохранена");
        await load();
      }
    });
    merge.addEventListener("click", async () => {
      const merged = await openMerge(client);
      if (merged && alive) await load();
    });
    page.replaceChildren(
      h("a", { href: "#/clients", class: "client-back" }, "← Все клиенты"),
      h("div", { class: "client-head" },
        h("h1", { class: "client-title" }, client.name || "Без имени"),
        h("div", { class: "client-actions" }, book, edit, merge)),
      h("div", { class: "client-grid" }, contacts(client), stats(data, currency)),
      history(appointments));
  }

  load();
  return () => { alive = false; };
}
