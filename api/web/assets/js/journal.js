// The journal for admins (GET /system/journal): each event as a Russian sentence
// (the server's `text`) with its local time, filters applied on the server (client,
// master, appointment, type, period, section), pages in seq order from a position,
// the raw event under «Показать событие». The filters live in the address
// (#/journal?client=…&staff=…&appointment=…&type=…&from=…&to=…), so a link in a
// sentence («Все события записи») opens the journal filtered to that visit.

import { api } from "./api.js";
import { h, options } from "./dom.js";
import { phone } from "./format.js";
import * as live from "./live.js";
import { prefs } from "./prefs.js";
import { isAdmin } from "./session.js";

const PAGE = 100;
const FOLLOW = 10; // pages a filtered view reads on its own before asking «Загрузить ещё»

// Event types by group, as on the server (api/texts/journal.py TYPE_GROUPS).
export const TYPE_GROUPS = [
  ["Записи", [["appointment.created", "Новая запись"], ["appointment.status_changed", "Смена статуса"],
    ["appointment.rescheduled", "Перенос записи"], ["appointment.cancelled", "Отмена клиентом"]]],
  ["Придержанное время", [["hold.placed", "Время придержано"], ["hold.released", "Время освобождено"]]],
  ["Клиенты", [["client.registered", "Новый клиент"], ["client.updated", "Изменена карточка клиента"],
    ["clients.merged", "Объединение клиентов"], ["clients.imported", "Импорт клиентов"]]],
  ["Услуги", [["service.added", "Новая услуга"], ["service.updated", "Изменена услуга"], ["service.removed", "Услуга в архиве"]]],
  ["Мастера", [["staff.added", "Новый мастер"], ["staff.updated", "Изменён мастер"], ["staff.removed", "Мастер удалён"]]],
  ["Филиалы", [["branch.opened", "Открыт филиал"], ["branch.updated", "Изменён филиал"], ["branch.closed", "Закрыт филиал"]]],
  ["Бот", [["notifier.sent", "Сообщение клиенту"], ["notifier.reminded", "Напоминание о визите"],
    ["notifier.checkpoint", "Отметка бота"]]],
];

const STREAMS = { catalogue: "Услуги", clients: "Клиенты", notifier: "Бот" };

function streamLabel(stream) {
  if (stream.startsWith("branch:")) {
    const b = prefs.branches.find((x) => `branch:${x.id}` === stream);
    return b ? `Филиал «${b.name}»` : "Закрытый филиал";
  }
  return STREAMS[stream] || stream;
}

/** The zone an event's time is shown in: its branch's, else the first branch's (the salon's). */
function zoneOf(stream) {
  const b = prefs.branches.find((x) => `branch:${x.id}` === stream) || prefs.branches[0];
  return b ? b.timezone : undefined;
}

const timeFormats = new Map();
function localStamp(iso, timeZone) {
  const key = timeZone || "";
  if (!timeFormats.has(key)) {
    timeFormats.set(key, new Intl.DateTimeFormat("ru-RU", {
      timeZone, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" }));
  }
  return timeFormats.get(key).format(new Date(iso)).replace(",", "");
}

/** Filters as the address carries them. */
function readHash() {
  const query = location.hash.split("?")[1] || "";
  const p = new URLSearchParams(query);
  return { client: p.get("client") || "", staff: p.get("staff") || "", appointment: p.get("appointment") || "",
    type: p.get("type") || "", from: p.get("from") || "", to: p.get("to") || "", stream: p.get("stream") || "" };
}

function writeHash(f) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
  const text = p.toString();
  history.replaceState(null, "", `#/journal${text ? `?${text}` : ""}`);
}

function typeQuery(value) {
  if (!value) return null;
  if (value.startsWith("group:")) {
    const group = TYPE_GROUPS.find(([name]) => `group:${name}` === value);
    return group ? group[1].map(([t]) => t) : null;
  }
  return [value];
}

function field(text, control, extra) {
  return h("label", { class: "field journal-field" }, h("span", {}, text), control, extra || null);
}

function row(e) {
  const links = [];
  const d = e.data || {};
  if (typeof d.appointment_id === "string") {
    links.push(h("a", { href: `#/journal?appointment=${encodeURIComponent(d.appointment_id)}`, class: "journal-link",
      dataset: { appointment: d.appointment_id } }, "Все события записи"));
  }
  const clientId = typeof d.client_id === "string" ? d.client_id : (e.actor || "").startsWith("client:") ? e.actor.slice(7) : null;
  if (clientId) {
    links.push(h("a", { href: `#/journal?client=${encodeURIComponent(clientId)}`, class: "journal-link" }, "События клиента"));
  }
  const raw = h("details", { class: "journal-raw" },
    h("summary", {}, "Показать событие"),
    h("pre", {}, JSON.stringify({ seq: e.seq, type: e.type, stream: e.stream, version: e.version, at: e.at,
      actor: e.actor, data: e.data }, null, 2)));
  return h("tr", { dataset: { seq: String(e.seq), type: e.type } },
    h("td", { class: "nowrap journal-time" }, h("time", { datetime: e.at }, localStamp(e.at, zoneOf(e.stream)))),
    h("td", { class: "journal-stream", title: e.stream }, streamLabel(e.stream)),
    h("td", { class: "journal-text" }, h("p", { class: "sentence" }, e.text),
      h("div", { class: "journal-links" }, links, raw)));
}

/** «Клиент»: a search by name or phone (GET /clients?q=), then the chosen client as a chip. */
function clientPicker(onPick) {
  const input = h("input", { type: "search", name: "client", placeholder: "Имя или телефон", autocomplete: "off" });
  const list = h("ul", { class: "journal-suggest", hidden: true, "aria-label": "Найденные клиенты" });
  const chip = h("span", { class: "journal-chip", hidden: true });
  let timer = null;
  let asked = 0;
  const pick = (client) => {
    list.hidden = true;
    list.replaceChildren();
    input.value = "";
    input.hidden = !!client;
    chip.hidden = !client;
    if (client) {
      chip.replaceChildren(h("span", {}, client.name || phone(client.phone) || "Клиент"),
        h("button", { type: "button", class: "ghost", "aria-label": "Убрать фильтр по клиенту",
          on: { click: () => { pick(null); input.focus(); } } }, "×"));
    }
    onPick(client ? client.id : "");
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) {
      list.hidden = true;
      return;
    }
    timer = setTimeout(async () => {
      const mine = ++asked;
      const found = await api("/clients", { query: { q, limit: 8 } }).catch(() => ({ items: [] }));
      if (mine !== asked) return;
      list.replaceChildren(...(found.items.length ? found.items.map((c) => h("li", {},
        h("button", { type: "button", class: "ghost", dataset: { id: c.id }, on: { click: () => pick(c) } },
          c.name || "Без имени", h("span", { class: "muted" }, ` ${phone(c.phone)}`))))
        : [h("li", { class: "muted" }, "Никого не нашли")]));
      list.hidden = false;
    }, 250);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") list.hidden = true;
  });
  const set = async (id) => {
    if (!id) return pick(null);
    const card = await api(`/clients/${encodeURIComponent(id)}`).catch(() => null);
    chip.hidden = false;
    input.hidden = true;
    const client = card ? card.client : { id, name: "Клиент не найден" };
    chip.replaceChildren(h("span", {}, client.name || phone(client.phone) || "Клиент"),
      h("button", { type: "button", class: "ghost", "aria-label": "Убрать фильтр по клиенту",
        on: { click: () => { pick(null); input.focus(); } } }, "×"));
  };
  return { input, list, chip, set };
}

export function mount(view) {
  if (!isAdmin()) {
    view.append(h("section", {}, h("h1", {}, "Журнал событий"), h("p", { class: "error" }, "Журнал доступен только администраторам.")));
    return () => {};
  }
  const f = readHash();
  let alive = true;

  const staff = h("select", { name: "staff" });
  options(staff, [["", "Все мастера"]], "");
  const type = h("select", { name: "type" });
  type.append(h("option", { value: "" }, "Все события"));
  for (const [group, items] of TYPE_GROUPS) {
    type.append(h("optgroup", { label: group },
      h("option", { value: `group:${group}` }, `${group}: все`),
      items.map(([value, title]) => h("option", { value }, title))));
  }
  type.value = f.type;
  const stream = h("select", { name: "stream" });
  options(stream, [["", "Все разделы"], ...prefs.branches.map((b) => [`branch:${b.id}`, `Филиал «${b.name}»`]),
    ["clients", "Клиенты"], ["catalogue", "Услуги"], ["notifier", "Бот"]], f.stream);
  const appointment = h("input", { type: "text", name: "appointment", value: f.appointment, placeholder: "номер записи",
    autocomplete: "off", spellcheck: false });
  const from = h("input", { type: "date", name: "from", value: f.from });
  const to = h("input", { type: "date", name: "to", value: f.to });
  const client = clientPicker((id) => { f.client = id; refilter(); });
  const after = h("input", { type: "number", name: "after", min: 0, value: "0", inputmode: "numeric" });
  const body = h("tbody");
  const more = h("button", { type: "button", class: "ghost", hidden: true }, "Загрузить ещё");
  const note = h("p", { class: "muted journal-note", role: "status" });
  let next = null;

  const filtered = () => !!(f.client || f.staff || f.appointment || f.type || f.from || f.to || f.stream);
  const query = (position) => ({
    after_seq: position, limit: PAGE, stream: f.stream || null, client_id: f.client || null, staff_id: f.staff || null,
    appointment_id: f.appointment || null, type: typeQuery(f.type), date_from: f.from || null, date_to: f.to || null,
  });
  let generation = 0;
  const load = async (position, append) => {
    const mine = ++generation;
    let cursor = position;
    let got = 0;
    if (!append) body.replaceChildren();
    note.textContent = "Загружаю…";
    for (let i = 0; i < FOLLOW; i++) {
      const data = await api("/system/journal", { query: query(cursor) });
      if (!alive || mine !== generation) return;
      body.append(...data.events.map(row));
      got += data.events.length;
      next = data.next_after_seq;
      if (next === null || got >= PAGE) break;
      cursor = next;
    }
    more.hidden = next === null;
    note.textContent = body.children.length ? "" : filtered() ? "По этим фильтрам событий нет" : "Событий нет";
  };
  const fail = (err) => { note.textContent = err.message; };
  const show = () => load(Math.max(0, Number(after.value) || 0), false).catch(fail);
  const refilter = () => {
    writeHash(f);
    after.value = "0"; // a filtered view reads the journal from its start
    show();
  };
  const latest = () => {
    after.value = String(Math.max(0, (live.seq() || 0) - PAGE));
    show();
  };
  const fromStart = () => {
    after.value = "0";
    show();
  };
  const reset = () => {
    Object.assign(f, { client: "", staff: "", appointment: "", type: "", from: "", to: "", stream: "" });
    client.set("");
    for (const el of [staff, type, stream, appointment, from, to]) el.value = "";
    writeHash(f);
    latest();
  };

  staff.addEventListener("change", () => { f.staff = staff.value; refilter(); });
  type.addEventListener("change", () => { f.type = type.value; refilter(); });
  stream.addEventListener("change", () => { f.stream = stream.value; refilter(); });
  appointment.addEventListener("change", () => { f.appointment = appointment.value.trim(); refilter(); });
  from.addEventListener("change", () => { f.from = from.value; refilter(); });
  to.addEventListener("change", () => { f.to = to.value; refilter(); });
  after.addEventListener("change", show);
  more.addEventListener("click", () => next !== null && load(next, true).catch(fail));

  view.append(h("section", { class: "journal-page" },
    h("div", { class: "toolbar" }, h("h1", {}, "Журнал событий"),
      h("p", { class: "muted journal-lead" }, "Кто что сделал и когда — по местному времени филиала.")),
    h("form", { class: "journal-filters", role: "search", "aria-label": "Фильтры журнала",
      on: { submit: (e) => e.preventDefault() } },
    h("div", { class: "field journal-field journal-client", on: { focusout: (e) => {
      if (!e.currentTarget.contains(e.relatedTarget)) client.list.hidden = true;
    } } },
      h("label", { for: "journal-client" }, "Клиент"), Object.assign(client.input, { id: "journal-client" }),
      client.chip, client.list),
    field("Мастер", staff),
    field("Тип события", type),
    field("Раздел", stream),
    field("Запись", appointment),
    h("div", { class: "journal-period" },
      field("С даты", from),
      field("По дату", to)),
    h("button", { type: "button", class: "ghost journal-reset", on: { click: reset } }, "Сбросить фильтры")),
    h("div", { class: "journal-position" },
      h("label", {}, "После события № ", after),
      h("button", { type: "button", class: "ghost", on: { click: fromStart } }, "С начала"),
      h("button", { type: "button", class: "ghost", on: { click: latest } }, "Последние")),
    h("div", { class: "table-scroll" }, h("table", { class: "journal" },
      h("thead", {}, h("tr", {}, ["Время", "Раздел", "Событие"].map((t) => h("th", { scope: "col" }, t)))),
      body)),
    note, more));

  api("/admin/staff").then((data) => {
    if (!alive) return;
    const many = prefs.branches.length > 1;
    const label = (m) => {
      const b = prefs.branches.find((x) => x.id === m.branch_id);
      return many && b ? `${m.name} (${b.name})` : m.name;
    };
    options(staff, [["", "Все мастера"], ...data.items.map((m) => [m.id, label(m)])], f.staff);
  }).catch(() => {});
  if (f.client) client.set(f.client);
  if (filtered()) show();
  else if (live.seq()) latest();
  else show();
  return () => { alive = false; };
}
