// Клиенты: the whole client base (GET /clients), searched by the server — a name,
// a phone in any format, or 4+ digits of a phone — and paged with its cursor
// («Показать ещё»). A row opens the client card (#/client/<id>). The search is
// kept in the address (#/clients?q=…), so «Назад» from a card returns to it.
// «Экспорт» saves the clients found (everyone, without a search) as Excel or CSV.

import { api } from "./api.js";
import { h } from "./dom.js";
import { download, downloadButton } from "./download.js";
import { phone } from "./format.js";
import { toast } from "./toast.js";

const PAGE = 50;
const DEBOUNCE_MS = 300;

/** Where a client came from (client.source). */
export const SOURCES = { bot: "Telegram-бот", manual: "Менеджер", import: "Импорт" };
export const sourceTitle = (source) => SOURCES[source] || source || "—";

/** The search typed in the address: #/clients?q=… */
function queryInHash() {
  const at = location.hash.indexOf("?");
  return at < 0 ? "" : new URLSearchParams(location.hash.slice(at + 1)).get("q") || "";
}

function keepInHash(q) {
  const hash = q ? `#/clients?${new URLSearchParams({ q })}` : "#/clients";
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

function cell(label, ...content) {
  return h("td", { dataset: { label } }, ...content);
}

function row(client) {
  const href = `#/client/${encodeURIComponent(client.id)}`;
  const tr = h("tr", { class: "client-row", dataset: { id: client.id } },
    cell("Имя", h("a", { href, class: "client-name" }, client.name || "Без имени")),
    cell("Телефон", h("span", { class: "nowrap" }, phone(client.phone) || "—")),
    cell("Email", client.email || "—"),
    cell("Источник", sourceTitle(client.source)),
    cell("Telegram", client.telegram_id ? "Да" : "Нет"));
  // The whole row opens the card; the name stays the keyboard's way in.
  tr.addEventListener("click", (e) => {
    if (e.target.closest("a")) return;
    location.hash = href;
  });
  return tr;
}

function emptyBase() {
  return h("div", { class: "clients-empty" },
    h("p", {}, h("strong", {}, "В базе пока нет клиентов.")),
    h("p", {}, "Загрузите список клиентов из таблицы на странице ",
      h("a", { href: "#/import" }, "«Импорт»"),
      " или запишите первого клиента кнопкой «+ Запись» вверху — он появится здесь."));
}

export function mount(view) {
  const search = h("input", {
    type: "search", id: "clients-search", name: "q", autocomplete: "off", maxlength: 200,
    placeholder: "Имя, телефон или 4+ цифры номера", value: queryInHash(),
  });
  const body = h("tbody");
  const table = h("div", { class: "table-scroll clients-scroll" },
    h("table", { class: "clients-table" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, "Имя"), h("th", { scope: "col" }, "Телефон"), h("th", { scope: "col" }, "Email"),
        h("th", { scope: "col" }, "Источник"), h("th", { scope: "col" }, "Telegram"))),
      body));
  const note = h("p", { class: "muted clients-note", role: "status" });
  const more = h("button", { type: "button", class: "ghost clients-more", hidden: true }, "Показать ещё");
  const empty = h("div", { class: "clients-empty-box" });

  let next = null;
  let shown = 0;
  let request = null; // the AbortController of the request in flight
  let timer = null;

  const load = async (append) => {
    const q = search.value.trim();
    if (request) request.abort();
    const mine = new AbortController();
    request = mine;
    table.classList.add("loading");
    more.disabled = true;
    try {
      const data = await api("/clients", { query: { q, limit: PAGE, cursor: append ? next : null }, signal: mine.signal });
      if (request !== mine) return;
      if (!append) {
        body.replaceChildren();
        shown = 0;
      }
      body.append(...data.items.map(row));
      shown += data.items.length;
      next = data.next_cursor;
      more.hidden = !next;
      const none = shown === 0;
      table.hidden = none;
      empty.replaceChildren(...(none && !q ? [emptyBase()] : []));
      note.textContent = none ? (q ? `Никого не нашлось по запросу «${q}»` : "")
        : next ? `Показаны первые ${shown}` : `Всего: ${shown}`;
    } catch (err) {
      if (err.name === "AbortError") return;
      note.textContent = `Не удалось загрузить клиентов: ${err.message}`;
    } finally {
      if (request === mine) {
        request = null;
        table.classList.remove("loading");
        more.disabled = false;
      }
    }
  };

  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      keepInHash(search.value.trim());
      load(false);
    }, DEBOUNCE_MS);
  });
  search.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    clearTimeout(timer);
    keepInHash(search.value.trim());
    load(false);
  });
  more.addEventListener("click", () => load(true));

  const save = (format, label) => downloadButton(label, "ghost", async () => {
    await download("/clients/export", { format, q: search.value.trim() }, `clients.${format}`);
    exporter.open = false;
  }, (err) => toast(`Не удалось выгрузить клиентов: ${err.message}`, "error"));
  const exporter = h("details", { class: "clients-export" }, h("summary", {}, "Экспорт"),
    h("div", { class: "clients-export-menu" },
      h("p", { class: "muted" }, "Найденные клиенты (без поиска — все) с числом визитов"),
      save("xlsx", "Скачать Excel"), save("csv", "Скачать CSV")));

  view.append(h("section", { class: "clients-page" },
    h("div", { class: "toolbar" },
      h("h1", {}, "Клиенты"),
      h("label", { class: "clients-search", for: "clients-search" },
        h("span", { class: "visually-hidden" }, "Поиск клиента"), search), exporter),
    note, empty, table, h("div", { class: "clients-more-row" }, more)));
  load(false);
  if (matchMedia("(pointer: fine)").matches) search.focus(); // no keyboard popping up on a phone
  return () => {
    clearTimeout(timer);
    if (request) request.abort();
  };
}
