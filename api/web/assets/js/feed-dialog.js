// «Подписаться в календаре»: an admin issues the master's calendar-feed URL
// (POST /admin/staff/{id}/ical, SPEC §9.4) and hands it to the master, who adds it
// to Google Calendar or the phone's calendar. A new URL switches the previous one
// off, so the dialog asks first; the URL is shown once, with a copy button.

import { api } from "./api.js";
import { h } from "./dom.js";
import { formDialog } from "./setup-kit.js";
import { toast } from "./toast.js";

/** Copy `text`; the clipboard API needs a secure context, so select-and-copy is the fallback. */
async function copy(input) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    if (!document.execCommand("copy")) throw new Error("copy refused");
  }
}

/** The dialog for master `m` ({id, name}); resolves when it closes. */
export function subscribeCalendar(m) {
  const status = h("p", { class: "sheet-text feed-status", role: "status" });
  const result = h("div", { class: "feed-result", hidden: true });
  const intro = h("p", { class: "sheet-text" },
    `Записи мастера ${m.name} появятся в календаре на телефоне — в Google Календаре, на iPhone или Android — и будут обновляться сами: `
    + "за 7 дней назад и на весь срок записи вперёд, с отменами. В календарь попадут услуги и имя клиента, без фамилии и телефона.");
  const warn = h("p", { class: "sheet-text warning" }, "Новая ссылка отключает прежнюю: если мастер уже подписан, ему нужно будет подписаться заново.");
  let issued = null;
  return formDialog({
    title: `Календарь мастера ${m.name}`,
    body: h("div", { class: "feed-dialog" }, intro, warn, result, status),
    submitLabel: "Получить ссылку",
    danger: false,
    submit: async (form) => {
      if (issued) return true;  // «Готово»
      const { url } = await api(`/admin/staff/${encodeURIComponent(m.id)}/ical`, { method: "POST" });
      issued = url;
      const input = h("input", { type: "text", readonly: true, value: url, class: "feed-url", "aria-label": "Ссылка на календарь" });
      const copyButton = h("button", { type: "button", class: "ghost", dataset: { action: "copy-feed" }, on: {
        click: async () => {
          try {
            await copy(input);
            status.textContent = "Ссылка скопирована";
          } catch {
            status.textContent = "Не получилось скопировать — выделите ссылку и скопируйте её вручную";
          }
        },
      } }, "Копировать");
      const webcal = url.replace(/^https?:/, "webcal:");
      result.replaceChildren(
        h("label", { class: "field" }, h("span", {}, "Ссылка для подписки"), h("div", { class: "with-button" }, input, copyButton)),
        h("ul", { class: "feed-howto" },
          h("li", {}, "Google Календарь: «Другие календари» → «+» → «Добавить по URL», вставьте ссылку."),
          h("li", {}, "iPhone: Настройки → Календарь → Учётные записи → Новая учётная запись → Другое → Подписной календарь."),
          h("li", {}, h("a", { href: webcal }, "Открыть в приложении календаря"), " — на телефоне мастера.")));
      result.hidden = false;
      warn.hidden = true;
      form.querySelector("button[type=submit]").textContent = "Готово";
      form.querySelector(".sheet-foot button.ghost").hidden = true;  // nothing to cancel now: the URL is issued
      input.focus();
      input.select();
      toast(`Ссылка на календарь мастера ${m.name} готова; прежняя больше не работает`);
      return null;  // stays open: the URL is shown once
    },
  });
}

/** `card` with «Подписаться в календаре» at its foot, for admins (who alone may issue the URL). */
export function withCalendarButton(admin, m, card) {
  if (!admin) return card;
  card.append(h("div", { class: "card-foot" }, h("button", { type: "button", class: "ghost", dataset: { action: "calendar-feed" },
    on: { click: () => subscribeCalendar(m) } }, "Подписаться в календаре")));
  return card;
}
