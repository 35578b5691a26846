// The client card's dialogs: «Изменить» (PATCH /clients/{id}; a phone of another
// client names that client, with a link to their card and a way to merge them)
// and «Объединить с дублем» (find the duplicate, confirm, POST /clients/{id}/merge).
// Each resolves with the result, or null when closed without a change.

import { api } from "./api.js";
import { h } from "./dom.js";
import { phone as showPhone, phoneComplete } from "./format.js";
import { toast } from "./toast.js";

const digits = (text) => String(text || "").replace(/\D/g, "");
/** «Имя», +7 (999) 123-45-67 — the phone never broken across lines. */
const who = (c) => `«${c.name || "Без имени"}»${c.phone ? `, ${showPhone(c.phone).replace(/ /g, "\u00a0")}` : ""}`;

function field(label, control, hint) {
  return h("label", { class: "field" }, h("span", {}, label), control, hint || null);
}

/** A modal dialog with a form; `close()` removes it and resolves `done` with `result`. */
function modal(title, id) {
  const error = h("div", { class: "error client-dialog-error", role: "alert", hidden: true });
  const form = h("form", { class: "client-form", method: "dialog", novalidate: true }, h("h2", {}, title));
  const dialog = h("dialog", { class: "client-dialog", id, "aria-label": title }, form);
  document.body.append(dialog);
  let result = null;
  const leave = () => dialog.close(); // a link in the dialog (another client's card) leaves the page
  window.addEventListener("hashchange", leave);
  const done = new Promise((resolve) => dialog.addEventListener("close", () => {
    window.removeEventListener("hashchange", leave);
    dialog.remove();
    resolve(result);
  }));
  return {
    dialog, form, error, done,
    finish(value) { result = value; dialog.close(); },
    fail(...message) {
      error.replaceChildren(...message);
      error.hidden = message.length === 0;
    },
  };
}

/** The Russian words for a refused edit (the server's details are for developers). */
function editMessage(err) {
  if (err.code !== "validation_error") return err.message;
  if (/[а-яё]/i.test(err.detail)) return err.detail; // the server already answered in Russian
  const detail = String(err.detail).toLowerCase();
  if (detail.includes("phone")) return "Телефон не похож на настоящий номер — проверьте цифры";
  if (detail.includes("email")) return "Email слишком длинный";
  if (detail.includes("birthday")) return "Дата рождения указана неверно";
  if (detail.includes("notes")) return "Заметки слишком длинные (не больше 4000 знаков)";
  if (detail.includes("name")) return "Имя слишком длинное (не больше 200 знаков)";
  return "Проверьте данные в форме";
}

/** «Изменить»: resolves with the saved client, {mergeWith: owner} when the manager chose to merge
 * the owner of the phone they typed, or null. */
export function openEdit(client) {
  const m = modal("Изменить карточку", "client-edit");
  const f = {
    name: h("input", { name: "name", autocomplete: "off", maxlength: 200, value: client.name || "" }),
    phone: h("input", { name: "phone", type: "tel", inputmode: "tel", autocomplete: "off", maxlength: 40,
      placeholder: "+7 (999) 123-45-67", value: showPhone(client.phone) }),
    email: h("input", { name: "email", type: "email", autocomplete: "off", maxlength: 200, value: client.email || "" }),
    birthday: h("input", { name: "birthday", type: "date", value: client.birthday || "" }),
    notes: h("textarea", { name: "notes", rows: 4, maxlength: 4000 }),
  };
  f.notes.value = client.notes || "";
  const save = h("button", { type: "submit", class: "primary" }, "Сохранить");
  const cancel = h("button", { type: "button", class: "ghost" }, "Отмена");
  m.form.append(
    h("div", { class: "row" }, field("Имя", f.name), field("Телефон", f.phone)),
    h("div", { class: "row" }, field("Email", f.email), field("День рождения", f.birthday)),
    field("Заметки", f.notes), m.error, h("div", { class: "actions" }, cancel, save));
  cancel.addEventListener("click", () => m.finish(null));

  /** Who owns the phone the server refused: a link to their card and a merge. */
  async function conflict(typed) {
    let owner = null;
    try {
      const found = await api("/clients", { query: { q: typed, limit: 5 } });
      owner = found.items.find((c) => c.id !== client.id) || null;
    } catch { /* the plain message below still says what happened */ }
    if (!owner) return m.fail("Этот телефон уже записан за другим клиентом.");
    const merge = h("button", { type: "button", class: "ghost client-inline" }, "объединить их");
    merge.addEventListener("click", () => m.finish({ mergeWith: owner }));
    m.fail(`Этот телефон уже записан за клиентом ${who(owner)}. `,
      h("a", { href: `#/client/${encodeURIComponent(owner.id)}`, dataset: { role: "owner" } }, "Открыть его карточку"),
      " или ", merge, ", если это один человек.");
  }

  m.form.addEventListener("submit", async (e) => {
    e.preventDefault();
    m.fail();
    const changes = {};
    const name = f.name.value.trim();
    if (name !== (client.name || "")) {
      if (!name) return m.fail("Имя не может быть пустым");
      changes.name = name;
    }
    if (digits(f.phone.value) !== digits(client.phone)) {
      if (!phoneComplete(f.phone.value)) return m.fail("Введите телефон полностью, например +7 (999) 123-45-67");
      changes.phone = f.phone.value.trim();
    }
    const email = f.email.value.trim();
    if (email !== (client.email || "")) {
      if (email && !f.email.checkValidity()) return m.fail("Email написан с ошибкой, например anna@mail.ru");
      changes.email = email;
    }
    if (f.birthday.value !== (client.birthday || "")) {
      if (f.birthday.value && f.birthday.value > new Date().toISOString().slice(0, 10)) {
        return m.fail("День рождения не может быть в будущем");
      }
      changes.birthday = f.birthday.value;
    }
    if (f.notes.value.trim() !== (client.notes || "").trim()) changes.notes = f.notes.value.trim();
    if (!Object.keys(changes).length) return m.finish(null);
    save.disabled = true;
    try {
      m.finish(await api(`/clients/${encodeURIComponent(client.id)}`, { method: "PATCH", body: changes }));
    } catch (err) {
      if (err.code === "client_conflict") await conflict(changes.phone);
      else m.fail(editMessage(err));
    } finally {
      save.disabled = false;
    }
  });

  m.dialog.showModal();
  f.name.focus();
  return m.done;
}

/** «Объединить с дублем»: find the duplicate (or take `preset`), confirm, merge; resolves true when merged. */
export function openMerge(client, preset = null) {
  const m = modal("Объединить с дублем", "client-merge");
  const search = h("input", { type: "search", name: "q", autocomplete: "off", maxlength: 200,
    placeholder: "Имя, телефон или 4+ цифры номера" });
  const list = h("ul", { class: "merge-results", "aria-label": "Найденные клиенты" });
  const note = h("p", { class: "muted", role: "status" });
  const pick = h("div", { class: "merge-pick" },
    h("p", { class: "muted" }, `Найдите второй профиль этого же человека. Его визиты, Telegram и заметки перейдут в карточку ${who(client)}, а сам дубль исчезнет из базы.`),
    field("Найти дубль", search), note, list);
  const confirm = h("div", { class: "merge-confirm", hidden: true });
  const close = h("button", { type: "button", class: "ghost" }, "Отмена");
  m.form.append(pick, confirm, m.error, h("div", { class: "actions merge-close" }, close));
  close.addEventListener("click", () => m.finish(null));

  let timer = null;
  let asked = 0;
  const find = async () => {
    const q = search.value.trim();
    const mine = ++asked;
    if (!q) {
      list.replaceChildren();
      note.textContent = "";
      return;
    }
    try {
      const data = await api("/clients", { query: { q, limit: 20 } });
      if (mine !== asked) return;
      const others = data.items.filter((c) => c.id !== client.id);
      note.textContent = others.length ? "" : "Никого не нашлось";
      list.replaceChildren(...others.map((c) => {
        const button = h("button", { type: "button", class: "merge-candidate", dataset: { id: c.id } },
          h("span", { class: "merge-name" }, c.name || "Без имени"),
          h("span", { class: "muted nowrap" }, showPhone(c.phone) || "без телефона"));
        button.addEventListener("click", () => ask(c));
        return h("li", {}, button);
      }));
    } catch (err) {
      if (mine === asked) note.textContent = err.message;
    }
  };
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(find, 300);
  });
  m.form.addEventListener("submit", (e) => e.preventDefault());

  function ask(dup) {
    m.fail();
    const go = h("button", { type: "button", class: "primary", dataset: { action: "merge-confirm" } }, "Объединить");
    const back = h("button", { type: "button", class: "ghost" }, "Выбрать другого");
    confirm.replaceChildren(
      h("p", {}, `Перенести в карточку ${who(client)} все визиты, Telegram и заметки клиента ${who(dup)}?`),
      h("p", { class: "muted" }, `Карточка ${who(dup)} будет удалена. Отменить объединение нельзя.`),
      h("div", { class: "actions" }, back, go));
    pick.hidden = true;
    close.parentElement.hidden = true;
    confirm.hidden = false;
    back.addEventListener("click", () => {
      m.fail();
      confirm.hidden = true;
      pick.hidden = false;
      close.parentElement.hidden = false;
      search.focus();
    });
    go.addEventListener("click", async () => {
      go.disabled = back.disabled = true;
      try {
        await api(`/clients/${encodeURIComponent(client.id)}/merge`, { method: "POST", body: { from_id: dup.id } });
        toast(`Дубль ${who(dup)} объединён с этой карточкой`);
        m.finish(true);
      } catch (err) {
        m.fail(err.code === "client_conflict" ? "У этих профилей разные аккаунты Telegram — это разные люди, объединить их нельзя"
          : err.status === 404 ? "Этого клиента уже нет в базе — возможно, его уже объединили" : err.message);
        go.disabled = back.disabled = false;
      }
    });
    go.focus();
  }

  m.dialog.addEventListener("close", () => clearTimeout(timer));
  m.dialog.showModal();
  if (preset) ask(preset);
  else search.focus();
  return m.done;
}
