// The event journal for admins (GET /system/journal): pages in seq order from a
// position, filtered by stream on the server and by event type / actor here.

import { api } from "./api.js";
import { h, options } from "./dom.js";
import { stamp } from "./format.js";
import * as live from "./live.js";
import { prefs } from "./prefs.js";
import { isAdmin } from "./session.js";

const PAGE = 100;

function streamLabel(stream) {
  if (stream.startsWith("branch:")) {
    const b = prefs.branches.find((x) => `branch:${x.id}` === stream);
    return b ? `Филиал «${b.name}»` : stream;
  }
  return { catalogue: "Каталог", clients: "Клиенты" }[stream] || stream;
}

function row(e) {
  const json = JSON.stringify(e.data);
  return h("tr", { dataset: { seq: String(e.seq), type: e.type } },
    h("td", { class: "num" }, String(e.seq)),
    h("td", { class: "nowrap" }, stamp(e.at)),
    h("td", { title: e.stream }, streamLabel(e.stream)),
    h("td", { class: "num" }, String(e.version)),
    h("td", {}, h("code", {}, e.type)),
    h("td", {}, e.actor),
    h("td", { class: "data" }, h("details", {},
      h("summary", {}, json.length > 80 ? `${json.slice(0, 80)}…` : json),
      h("pre", {}, JSON.stringify(e.data, null, 2)))));
}

export function mount(view) {
  if (!isAdmin()) {
    view.append(h("section", {}, h("h1", {}, "Журнал событий"), h("p", { class: "error" }, "Журнал доступен только администраторам.")));
    return () => {};
  }
  const stream = h("select", { name: "stream", "aria-label": "Поток" });
  options(stream, [["", "Все потоки"], ...prefs.branches.map((b) => [`branch:${b.id}`, `Филиал «${b.name}»`]),
    ["catalogue", "Каталог"], ["clients", "Клиенты"]], "");
  const type = h("input", { type: "search", name: "type", placeholder: "Тип или автор события", "aria-label": "Фильтр" });
  const after = h("input", { type: "number", name: "after", min: 0, value: "0", "aria-label": "После seq" });
  const body = h("tbody");
  const more = h("button", { type: "button", class: "ghost", hidden: true }, "Загрузить ещё");
  const note = h("p", { class: "muted" });
  let next = null;

  const filter = () => {
    const q = type.value.trim().toLowerCase();
    for (const tr of body.children) tr.hidden = !!q && !tr.textContent.toLowerCase().includes(q);
  };
  const load = async (from, append) => {
    const data = await api("/system/journal", { query: { after_seq: from, stream: stream.value || null, limit: PAGE } });
    if (!append) body.replaceChildren();
    body.append(...data.events.map(row));
    next = data.next_after_seq;
    more.hidden = next === null;
    note.textContent = body.children.length ? "" : "Событий нет";
    filter();
  };
  const show = () => load(Math.max(0, Number(after.value) || 0), false).catch((err) => { note.textContent = err.message; });
  const latest = () => {
    after.value = String(Math.max(0, (live.seq() || 0) - PAGE));
    show();
  };
  stream.addEventListener("change", show);
  after.addEventListener("change", show);
  type.addEventListener("input", filter);
  more.addEventListener("click", () => next !== null && load(next, true));

  view.append(h("section", { class: "journal-page" },
    h("div", { class: "toolbar" }, h("h1", {}, "Журнал событий"), stream,
      h("label", {}, "после seq ", after), type,
      h("button", { type: "button", class: "ghost", on: { click: latest } }, "Последние")),
    h("div", { class: "table-scroll" }, h("table", { class: "journal" },
      h("thead", {}, h("tr", {}, ["seq", "Время", "Поток", "v", "Тип", "Кто", "Данные"].map((t) => h("th", {}, t)))),
      body)),
    note, more));
  live.seq() ? latest() : show();
  return () => {};
}
