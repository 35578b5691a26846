// A master's own price and duration per service (SPEC §9.2), a small table in the master's form:
// an empty cell keeps the catalogue's value (shown as the placeholder). Sent as
// "service_overrides": [{"service_id","price"?,"duration_min"?}] for the services the master does.

import { h } from "./dom.js";
import { money } from "./format.js";
import { intIn } from "./setup-kit.js";
import { parsePrice } from "./services.js";

export function ownPricesEditor(services, master) {
  const own = new Map((master?.service_overrides || []).map((o) => [o.service_id, o]));
  const rows = services.map((s) => {
    const mine = own.get(s.id) || {};
    const price = h("input", {
      name: `own-price-${s.id}`, inputmode: "decimal", autocomplete: "off", placeholder: String(Number(s.price)),
      value: mine.price ? String(Number(mine.price)) : "", "aria-label": `Своя цена: ${s.name}`,
    });
    const minutes = h("input", {
      name: `own-duration-${s.id}`, type: "number", min: 5, max: 1440, step: 5, inputmode: "numeric",
      placeholder: String(s.duration_min), value: mine.duration_min ? String(mine.duration_min) : "",
      "aria-label": `Своя длительность, мин: ${s.name}`,
    });
    return { service: s, price, minutes, el: h("tr", {}, h("th", { scope: "row" }, s.name), h("td", {}, price), h("td", {}, minutes)) };
  });
  const element = h("fieldset", { class: "choices own-prices" }, h("legend", {}, "Свои цены и длительность"),
    h("p", { class: "hint" }, "Если мастер работает дольше или стоит дороже: пустая ячейка — как в каталоге услуг. Клиент увидит цену «от …», если у мастеров она разная."),
    h("table", { class: "own-prices-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Услуга"), h("th", { scope: "col" }, "Цена"), h("th", { scope: "col" }, "Минут"))),
      h("tbody", {}, rows.map((r) => r.el))));

  /** The rows for the services in `doneIds`; throws a Russian message for a bad cell. */
  function value(doneIds) {
    const out = [];
    for (const r of rows) {
      if (!doneIds.includes(r.service.id)) continue;
      const row = { service_id: r.service.id };
      if (r.price.value.trim()) {
        row.price = parsePrice(r.price.value);
        if (row.price === null) throw new Error(`Своя цена «${r.service.name}» — число, например 1500 или 1500,50`);
      }
      if (r.minutes.value.trim()) {
        row.duration_min = intIn(r.minutes, 5, 1440);
        if (row.duration_min === null) throw new Error(`Своя длительность «${r.service.name}» — от 5 до 1440 минут`);
      }
      if (row.price !== undefined || row.duration_min !== undefined) out.push(row);
    }
    return out;
  }

  return { element, value };
}

/** A chip's text for a service on the master's card: «Окрашивание · 5 000 ₽ · 120 мин» when the
 *  master has their own values, the name alone otherwise. */
export function serviceChip(master, service) {
  const own = (master.service_overrides || []).find((o) => o.service_id === service.id);
  if (!own) return service.name;
  const parts = [service.name];
  if (own.price) parts.push(money(own.price, service.currency));
  if (own.duration_min) parts.push(`${own.duration_min} мин`);
  return parts.join(" · ");
}
