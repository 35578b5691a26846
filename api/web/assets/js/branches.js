// Филиалы: the branches as cards with their booking rules, and how many services and
// masters each has (a branch without them links to the page that fixes it). Admins
// create, edit and delete (POST/PATCH/DELETE /admin/branches); managers only look.

import { api } from "./api.js";
import { h } from "./dom.js";
import { plural } from "./format.js";
import { isAdmin } from "./session.js";
import { toast } from "./toast.js";
import { confirmDialog, days, duration, emptyState, field, formDialog, intIn, loadBranches, nextId } from "./setup-kit.js";

// Russian (and nearby) cities for the IANA zones a salon owner is likely to need.
const CITIES = {
  "Europe/Kaliningrad": "Калининград",
  "Europe/Moscow": "Москва, Санкт-Петербург, Казань, Нижний Новгород, Ростов-на-Дону, Краснодар, Сочи, Воронеж, Симферополь",
  "Europe/Volgograd": "Волгоград",
  "Europe/Kirov": "Киров",
  "Europe/Samara": "Самара, Ижевск, Тольятти",
  "Europe/Saratov": "Саратов",
  "Europe/Ulyanovsk": "Ульяновск",
  "Europe/Astrakhan": "Астрахань",
  "Asia/Yekaterinburg": "Екатеринбург, Пермь, Уфа, Челябинск, Тюмень, Оренбург",
  "Asia/Omsk": "Омск",
  "Asia/Novosibirsk": "Новосибирск",
  "Asia/Barnaul": "Барнаул",
  "Asia/Tomsk": "Томск",
  "Asia/Novokuznetsk": "Новокузнецк, Кемерово",
  "Asia/Krasnoyarsk": "Красноярск",
  "Asia/Irkutsk": "Иркутск, Улан-Удэ",
  "Asia/Chita": "Чита",
  "Asia/Yakutsk": "Якутск, Благовещенск",
  "Asia/Vladivostok": "Владивосток, Хабаровск",
  "Asia/Magadan": "Магадан",
  "Asia/Sakhalin": "Южно-Сахалинск",
  "Asia/Srednekolymsk": "Среднеколымск",
  "Asia/Kamchatka": "Петропавловск-Камчатский",
  "Asia/Anadyr": "Анадырь",
  "Europe/Minsk": "Минск",
  "Europe/Kyiv": "Киев",
  "Europe/Kiev": "Киев",
  "Europe/Chisinau": "Кишинёв",
  "Europe/Riga": "Рига",
  "Europe/Vilnius": "Вильнюс",
  "Europe/Tallinn": "Таллин",
  "Asia/Almaty": "Алматы, Астана",
  "Asia/Tashkent": "Ташкент",
  "Asia/Bishkek": "Бишкек",
  "Asia/Dushanbe": "Душанбе",
  "Asia/Ashgabat": "Ашхабад",
  "Asia/Tbilisi": "Тбилиси",
  "Asia/Yerevan": "Ереван",
  "Asia/Baku": "Баку",
  "Europe/Istanbul": "Стамбул, Анкара",
  "Asia/Dubai": "Дубай",
  "Europe/Belgrade": "Белград",
  "Europe/Berlin": "Берлин",
  "Europe/London": "Лондон",
  "Europe/Paris": "Париж",
  "Asia/Bangkok": "Бангкок, Пхукет",
};

function zones() {
  let all = [];
  try {
    all = Intl.supportedValuesOf("timeZone");
  } catch {
    all = Object.keys(CITIES);
  }
  if (!all.includes("UTC")) all = [...all, "UTC"];
  const ru = Object.keys(CITIES).filter((z) => all.includes(z));
  return [...ru, ...all.filter((z) => !CITIES[z])];
}

/** Minutes east of UTC in a zone now (null if the browser does not know it). */
function offsetNow(zone) {
  try {
    const part = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
      .formatToParts(new Date()).find((p) => p.type === "timeZoneName");
    const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(part ? part.value : "");
    return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] || 0)) : 0;
  } catch {
    return null;
  }
}

function offsetText(minutes, base = "UTC") {
  if (!minutes) return base === "UTC" ? "UTC" : base;
  const sign = minutes < 0 ? "−" : "+";
  const a = Math.abs(minutes);
  return `${base}${sign}${Math.floor(a / 60)}${a % 60 ? `:${String(a % 60).padStart(2, "0")}` : ""}`;
}

/** «UTC+5 (МСК+2)» now ("" if the browser does not know the zone). */
function offsetLabel(zone) {
  const off = offsetNow(zone);
  const msk = offsetNow("Europe/Moscow");
  if (off === null) return "";
  return msk === null ? offsetText(off) : `${offsetText(off)} (${offsetText(off - msk, "МСК")})`;
}

/** «Москва, Санкт-Петербург… · UTC+3 (МСК)» — what a zone means to an owner. */
export function zoneLabel(zone, short = false) {
  const cities = CITIES[zone] || zone.replace(/_/g, " ");
  const city = short ? cities.split(", ").slice(0, 2).join(", ") : cities;
  const offset = offsetLabel(zone);
  return offset ? `${city} · ${offset}` : city;
}

function localNow(zone) {
  try {
    return new Intl.DateTimeFormat("ru-RU", { timeZone: zone, hour: "2-digit", minute: "2-digit" }).format(new Date());
  } catch {
    return "";
  }
}

/** A searchable list of time zones (a combobox): type a city, a zone or «+5»; pick with a click or Enter. */
function zonePicker(initial) {
  const all = zones();
  const listId = nextId("zones");
  const input = h("input", {
    type: "text", name: "timezone", role: "combobox", autocomplete: "off", spellcheck: "false",
    "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId, value: initial,
    placeholder: "Начните вводить город, например «Екатеринбург»", id: nextId("tz"),
  });
  const list = h("ul", { class: "zone-list", role: "listbox", id: listId, hidden: true, "aria-label": "Часовые пояса" });
  const chosen = h("small", { class: "hint zone-chosen", id: nextId("hint"), "aria-live": "polite" });
  input.setAttribute("aria-describedby", chosen.id);
  let shown = [];
  let active = -1;

  const describe = () => {
    const zone = value();
    chosen.textContent = zone ? `${zoneLabel(zone)}; там сейчас ${localNow(zone)}` : "Выберите часовой пояс из списка";
  };
  const pick = (zone) => {
    input.value = zone;
    close();
    describe();
    input.dispatchEvent(new Event("change", { bubbles: true }));
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };
  const paintActive = () => {
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    const li = list.children[active];
    if (li) {
      input.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
    }
  };
  const open = () => {
    const q = input.value.trim().toLowerCase().replace(/_/g, " ");
    const words = q.split(/\s+/).filter(Boolean);
    const exact = all.find((z) => z.toLowerCase() === input.value.trim().toLowerCase());
    const haystack = (z) => `${z.replace(/_/g, " ")} ${CITIES[z] || ""} ${zoneLabel(z)}`.toLowerCase();
    shown = exact && document.activeElement === input && !input.dataset.typed ? all.slice(0, 60)
      : all.filter((z) => words.every((w) => haystack(z).includes(w))).slice(0, 60);
    list.replaceChildren(...shown.map((z) => h("li", {
      role: "option", id: `${listId}-${z.replace(/[^A-Za-z0-9]/g, "-")}`, dataset: { zone: z }, "aria-selected": "false",
    }, h("span", { class: "zone-city" }, CITIES[z] ? CITIES[z] : z.replace(/_/g, " ")),
    h("span", { class: "zone-id" }, `${z} · ${offsetLabel(z)}`))));
    if (!shown.length) list.append(h("li", { class: "zone-none", role: "presentation" }, "Ничего не найдено — попробуйте другой город"));
    active = shown.length ? 0 : -1;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    paintActive();
  };
  const value = () => all.find((z) => z.toLowerCase() === input.value.trim().toLowerCase()) || "";

  input.addEventListener("input", () => { input.dataset.typed = "1"; open(); describe(); });
  input.addEventListener("focus", () => { delete input.dataset.typed; });
  input.addEventListener("click", () => (list.hidden ? open() : close()));
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (list.hidden) return open();
      if (!shown.length) return;
      active = (active + (e.key === "ArrowDown" ? 1 : -1) + shown.length) % shown.length;
      paintActive();
    } else if (e.key === "Enter" && !list.hidden) {
      e.preventDefault();
      if (shown[active]) pick(shown[active]);
    } else if (e.key === "Escape" && !list.hidden) {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  });
  list.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the input
  list.addEventListener("click", (e) => {
    const li = e.target.closest("li[data-zone]");
    if (li) pick(li.dataset.zone);
  });
  describe();
  return { element: h("div", { class: "zone-picker" }, input, list), input, chosen, value };
}

/** A minutes field with its live Russian reading («= 2 ч»). */
function minutesInput(name, value, min, max, unit = "мин") {
  const input = h("input", { type: "number", name, min, max, step: 1, value: String(value), inputmode: "numeric", required: true });
  const out = h("output", { class: "reading" });
  const read = () => {
    const n = Number(input.value);
    out.textContent = unit === "мин" && Number.isInteger(n) && n >= 60 ? `= ${duration(n)}` : "";
  };
  input.addEventListener("input", read);
  read();
  return { input, element: h("span", { class: "with-unit" }, input, h("span", { class: "unit" }, unit), out) };
}

/** «55.7558, 37.6173» → { lat, lon }; empty → null; anything else throws a Russian message. */
function readPlace(text) {
  const raw = text.trim();
  if (!raw) return null;
  const parts = raw.split(/[,;\s]+/).filter(Boolean).map(Number);
  const [lat, lon] = parts;
  if (parts.length !== 2 || !Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    throw new Error("Место на карте — широта (от −90 до 90) и долгота (от −180 до 180) через запятую, например 55.7558, 37.6173");
  }
  return { lat, lon };
}

function branchForm(branch) {
  const b = branch || { name: "", address: "", timezone: "Europe/Moscow", slot_step_min: 15, horizon_days: 30, min_notice_min: 60, cancel_notice_min: 120 };
  const name = h("input", { name: "name", required: true, maxlength: 200, value: b.name, autocomplete: "off" });
  const address = h("input", { name: "address", maxlength: 500, value: b.address, autocomplete: "off" });
  const zone = zonePicker(b.timezone);
  const step = minutesInput("slot_step_min", b.slot_step_min, 5, 240);
  const horizon = minutesInput("horizon_days", b.horizon_days, 1, 365, "дн");
  const notice = minutesInput("min_notice_min", b.min_notice_min, 0, 10080);
  const cancel = minutesInput("cancel_notice_min", b.cancel_notice_min, 0, 10080);
  const move = minutesInput("reschedule_notice_min", b.reschedule_notice_min ?? "", 0, 10080);
  move.input.required = false; // empty: the same as the cancel notice
  move.input.placeholder = "пусто";
  const phone = h("input", { name: "phone", type: "tel", maxlength: 40, value: b.phone || "", autocomplete: "off", placeholder: "+7 495 123-45-67" });
  const place = h("input", { name: "location", maxlength: 60, value: b.location ? `${b.location.lat}, ${b.location.lon}` : "",
    autocomplete: "off", inputmode: "decimal", placeholder: "55.7558, 37.6173" });
  const body = [
    field("Название", name),
    field("Адрес", address, "Клиенты видят его при записи в боте."),
    h("div", { class: "field" }, h("label", { class: "field-label", for: zone.input.id }, "Часовой пояс"), zone.element, zone.chosen),
    h("div", { class: "row" },
      field("Шаг сетки", step.element, "Через сколько минут можно начинать запись: при 15 мин клиенту предложат 10:00, 10:15, 10:30…"),
      field("Запись вперёд", horizon.element, "На сколько дней вперёд клиент видит свободное время.")),
    h("div", { class: "row" },
      field("Минимум до начала", notice.element, "Самая поздняя запись: при 60 мин в 10:00 можно записаться только на 11:00 и позже."),
      field("Отмена клиентом", cancel.element, "Клиент сам отменяет запись не позже чем за это время до начала; позже — только звонком в салон.")),
    h("div", { class: "row" },
      field("Перенос клиентом", move.element, "Клиент сам переносит запись в боте не позже чем за это время до начала. Пусто — как для отмены.")),
    h("div", { class: "row" },
      field("Телефон салона", phone, "Бот даёт его, когда просит позвонить в салон. Пусто — без телефона."),
      field("Место на карте", place, "Широта и долгота через запятую (из Яндекс или Google Карт) — чтобы клиент нашёл салон на карте. Пусто — без точки.")),
  ];
  const read = () => {
    const out = {
      name: name.value.trim(), address: address.value.trim(), timezone: zone.value(),
      slot_step_min: intIn(step.input, 5, 240), horizon_days: intIn(horizon.input, 1, 365),
      min_notice_min: intIn(notice.input, 0, 10080), cancel_notice_min: intIn(cancel.input, 0, 10080),
    };
    if (!out.name) throw new Error("Введите название филиала");
    if (!out.timezone) throw new Error("Выберите часовой пояс из списка");
    if (out.slot_step_min === null) throw new Error("Шаг сетки — целое число минут от 5 до 240");
    if (out.horizon_days === null) throw new Error("Запись вперёд — от 1 до 365 дней");
    if (out.min_notice_min === null) throw new Error("Минимум до начала — от 0 до 10080 минут (неделя)");
    if (out.cancel_notice_min === null) throw new Error("Отмена клиентом — от 0 до 10080 минут (неделя)");
    const moveText = move.input.value.trim();
    out.reschedule_notice_min = moveText === "" ? null : intIn(move.input, 0, 10080);
    if (moveText !== "" && out.reschedule_notice_min === null) {
      throw new Error("Перенос клиентом — от 0 до 10080 минут (неделя) или пусто");
    }
    out.phone = phone.value.trim() || null;
    out.location = readPlace(place.value);
    return out;
  };
  return { body, read };
}

export function openBranchForm(branch) {
  const form = branchForm(branch);
  return formDialog({
    title: branch ? `Филиал «${branch.name}»` : "Новый филиал", body: form.body, wide: true,
    submitLabel: branch ? "Сохранить" : "Добавить филиал",
    submit: async () => {
      const body = form.read();
      if (!branch) return api("/admin/branches", { method: "POST", body });
      const same = (k, v) => JSON.stringify(branch[k] ?? null) === JSON.stringify(v);
      const changes = Object.fromEntries(Object.entries(body).filter(([k, v]) => !same(k, v)));
      return Object.keys(changes).length ? api(`/admin/branches/${branch.id}`, { method: "PATCH", body: changes }) : branch;
    },
  });
}

function countLink(n, route, branchId, one, few, many, emptyText) {
  const href = `#/${route}?branch=${encodeURIComponent(branchId)}`;
  if (n) return h("a", { href, class: "count-link" }, `${n} ${plural(n, one, few, many)}`);
  return h("a", { href, class: "count-link missing" }, emptyText);
}

function branchCard(b, counts, reload) {
  const admin = isAdmin();
  const edit = async () => {
    const saved = await openBranchForm(b);
    if (saved) { toast(`Филиал «${saved.name}» сохранён`); reload(); }
  };
  const remove = async () => {
    const ok = await confirmDialog({
      title: `Удалить филиал «${b.name}»?`, confirmLabel: "Удалить филиал",
      text: "Филиал исчезнет из бота и панели, записаться в него будет нельзя. Прошлые записи останутся в журнале.",
    });
    if (!ok) return;
    try {
      await api(`/admin/branches/${b.id}`, { method: "DELETE" });
      toast(`Филиал «${b.name}» удалён`);
      reload();
    } catch (err) {
      toast(err.message, "error");
    }
  };
  const rules = [
    ["Часовой пояс", zoneLabel(b.timezone, true)],
    ["Шаг сетки", duration(b.slot_step_min)],
    ["Запись вперёд", `на ${days(b.horizon_days)}`],
    ["Минимум до начала", duration(b.min_notice_min)],
    ["Отмена клиентом", `не позже чем за ${duration(b.cancel_notice_min)}`],
    ["Перенос клиентом", b.reschedule_notice_min === null || b.reschedule_notice_min === undefined
      ? "как отмена" : `не позже чем за ${duration(b.reschedule_notice_min)}`],
    ["Телефон", b.phone || "не указан"],
    ["Место на карте", b.location ? `${b.location.lat}, ${b.location.lon}` : "не указано"],
  ];
  return h("article", { class: "setup-card branch-card", dataset: { id: b.id } },
    h("div", { class: "setup-card-head" },
      h("div", {}, h("h2", {}, b.name), b.address ? h("p", { class: "muted" }, b.address) : null),
      admin ? h("div", { class: "card-actions" },
        h("button", { type: "button", class: "ghost", dataset: { action: "edit" }, on: { click: edit } }, "Изменить"),
        h("button", { type: "button", class: "ghost danger-text", dataset: { action: "delete" }, on: { click: remove } }, "Удалить")) : null),
    h("dl", { class: "rules" }, rules.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v)))),
    h("p", { class: "counts" },
      countLink(counts.services, "services", b.id, "услуга", "услуги", "услуг", "Нет услуг — добавьте"),
      countLink(counts.staff, "staff", b.id, "мастер", "мастера", "мастеров", "Нет мастеров — добавьте")));
}

async function countsOf(branches) {
  const counts = Object.fromEntries(branches.map((b) => [b.id, { services: 0, staff: 0 }]));
  const [services, staff] = isAdmin()
    ? await Promise.all([api("/admin/services"), api("/admin/staff")])
    : await Promise.all([api("/services"), Promise.all(branches.map((b) => api("/staff", { query: { branch_id: b.id } })))
      .then((lists) => ({ items: lists.flatMap((l) => l.items) }))]);
  for (const s of services.items) {
    if (s.active === false) continue;
    for (const id of s.branch_ids) if (counts[id]) counts[id].services += 1;
  }
  for (const s of staff.items) if (counts[s.branch_id]) counts[s.branch_id].staff += 1;
  return counts;
}

export function mount(view) {
  const admin = isAdmin();
  const list = h("div", { class: "setup-cards", "aria-busy": "true" });
  const add = h("button", { type: "button", class: "primary", dataset: { action: "add-branch" } }, "+ Добавить филиал");
  let alive = true;

  async function reload() {
    try {
      const branches = await loadBranches();
      const counts = await countsOf(branches);
      if (!alive) return;
      list.removeAttribute("aria-busy");
      if (!branches.length) {
        list.replaceChildren(admin
          ? emptyState("Добавьте первый филиал", "Филиал — это салон по адресу: у него свой часовой пояс, услуги, мастера и правила записи.",
            h("button", { type: "button", class: "primary", on: { click: create } }, "Добавить филиал"))
          : emptyState("Вам пока не открыт ни один филиал", "Попросите администратора добавить вас в филиал."));
        return;
      }
      list.replaceChildren(...branches.map((b) => branchCard(b, counts[b.id], reload)));
    } catch (err) {
      list.replaceChildren(h("p", { class: "error" }, err.message));
    }
  }
  async function create() {
    const saved = await openBranchForm(null);
    if (saved) {
      toast(`Филиал «${saved.name}» добавлен. Теперь добавьте услуги и мастеров.`);
      reload();
    }
  }
  add.addEventListener("click", create);

  view.append(h("section", { class: "setup-page branches-page" },
    h("div", { class: "toolbar" }, h("h1", {}, "Филиалы"), admin ? add : null,
      admin ? null : h("span", { class: "muted readonly-note" }, "Только просмотр: менять филиалы может администратор")),
    list));
  reload();
  return () => { alive = false; };
}
