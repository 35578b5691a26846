// Сотрудники (admins only): the dashboard's accounts (GET/POST/PATCH /admin/users) —
// login, role, branches, access. Create a manager with branches (or an admin), change
// the role or branches, set a new password, disable and enable. Any such change signs
// the person out on every device at once (the server ends their sessions).

import { api } from "./api.js";
import { h } from "./dom.js";
import { current, isAdmin } from "./session.js";
import { toast } from "./toast.js";
import { check, confirmDialog, emptyState, field, formDialog, group, loadBranches, nextId } from "./setup-kit.js";

const SIGNS_OUT = "сразу выйдет из панели на всех устройствах";

const roleName = (role) => (role === "admin" ? "Администратор" : "Менеджер");

function explain(err) {
  if (err.code === "invalid_transition") return "Нельзя отключить последнего администратора или сделать его менеджером";
  return err.message;
}

/** A password generator for «Придумать»: 12 letters and digits without look-alikes. */
function newPassword() {
  const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

function passwordField(label, hint) {
  const input = h("input", { type: "text", name: "password", autocomplete: "new-password", minlength: 8, maxlength: 1000, spellcheck: "false", required: true });
  const make = h("button", { type: "button", class: "ghost", on: { click: () => { input.value = newPassword(); input.focus(); input.select(); } } }, "Придумать");
  input.id = nextId("pw");
  const note = h("small", { class: "hint", id: nextId("hint") }, hint);
  input.setAttribute("aria-describedby", note.id);
  return { input, element: h("div", { class: "field" }, h("label", { class: "field-label", for: input.id }, label),
    h("div", { class: "with-button" }, input, make), note) };
}

function checkPassword(value) {
  if (value.length < 8) throw new Error("Пароль — не короче 8 символов");
}

/** Role radios and branch checkboxes; the branches are hidden for an admin (admins see everything). */
function accessFields(user, branches) {
  const role = user ? user.role : "manager";
  const radios = [check("role", "manager", "Менеджер — работает с записями своих филиалов", role === "manager", "radio"),
    check("role", "admin", "Администратор — всё, включая настройки и сотрудников", role === "admin", "radio")];
  const chosen = user && user.branch_ids !== "*" ? new Set(user.branch_ids) : new Set();
  const all = check("all", "*", "Все филиалы, и будущие тоже", !!user && user.branch_ids === "*");
  const boxes = branches.map((b) => check("branch", b.id, b.name, chosen.has(b.id)));
  if (!user && branches.length === 1) boxes[0].querySelector("input").checked = true;
  const where = group("Филиалы", [all, ...boxes], "Менеджер видит записи, клиентов и отчёты только этих филиалов.");
  const paint = () => {
    const admin = radios[1].querySelector("input").checked;
    where.hidden = admin;
    const every = all.querySelector("input").checked;
    for (const b of boxes) b.querySelector("input").disabled = every;
  };
  for (const r of [...radios, all]) r.querySelector("input").addEventListener("change", paint);
  paint();
  const read = () => {
    const r = radios[1].querySelector("input").checked ? "admin" : "manager";
    if (r === "admin") return { role: r, branch_ids: "*" };
    if (all.querySelector("input").checked) return { role: r, branch_ids: "*" };
    const ids = boxes.map((l) => l.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    if (!ids.length) throw new Error("Отметьте филиалы менеджера");
    return { role: r, branch_ids: ids };
  };
  return { body: [group("Роль", radios), where], read };
}

function sameBranches(a, b) {
  if (a === "*" || b === "*") return a === b;
  return [...a].sort().join() === [...b].sort().join();
}

export function mount(view) {
  if (!isAdmin()) {
    view.append(h("section", { class: "setup-page" }, h("h1", {}, "Сотрудники"),
      h("p", { class: "error" }, "Сотрудников и их доступ настраивает администратор.")));
    return () => {};
  }
  const body = h("div", { class: "setup-content", "aria-busy": "true" });
  const add = h("button", { type: "button", class: "primary", dataset: { action: "add-user" } }, "+ Добавить сотрудника");
  const me = current().login;
  let branches = [];
  let users = [];
  let alive = true;

  const branchText = (ids) => (ids === "*" ? "все филиалы"
    : ids.map((id) => (branches.find((b) => b.id === id) || { name: "удалённый филиал" }).name).join(", ") || "—");

  async function create() {
    const login = h("input", { name: "login", required: true, maxlength: 64, autocomplete: "off", spellcheck: "false", pattern: "[A-Za-z0-9_.@\\-]+" });
    const access = accessFields(null, branches);
    const password = passwordField("Пароль", "Не короче 8 символов. Передайте его сотруднику лично; сменить пароль можно здесь же.");
    const saved = await formDialog({
      title: "Новый сотрудник", wide: true, submitLabel: "Создать",
      body: [field("Логин", login, "Латинские буквы, цифры и . _ @ - ; с ним сотрудник входит в панель."), ...access.body, password.element],
      submit: async () => {
        const name = login.value.trim();
        if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(name)) throw new Error("Логин — латинские буквы, цифры и . _ @ -");
        if (users.some((u) => u.login.toLowerCase() === name.toLowerCase())) throw new Error(`Логин ${name} уже занят`);
        checkPassword(password.input.value);
        return api("/admin/users", { method: "POST", body: { login: name, ...access.read(), password: password.input.value } });
      },
    });
    if (saved) { toast(`Сотрудник ${saved.login} создан`); refresh(); }
  }

  async function edit(u) {
    const access = accessFields(u, branches);
    const saved = await formDialog({
      title: `Доступ: ${u.login}`, wide: true, body: access.body,
      note: `После сохранения ${u.login} ${SIGNS_OUT} и войдёт заново уже с новыми правами.`,
      submit: async () => {
        const next = access.read();
        const changes = {};
        if (next.role !== u.role) changes.role = next.role;
        if (!sameBranches(next.branch_ids, u.branch_ids)) changes.branch_ids = next.branch_ids;
        if (!Object.keys(changes).length) return u;
        return api(`/admin/users/${encodeURIComponent(u.login)}`, { method: "PATCH", body: changes })
          .catch((err) => { throw new Error(explain(err)); });
      },
    });
    if (saved) { toast(`${u.login}: доступ изменён`); refresh(); }
  }

  async function reset(u) {
    const password = passwordField("Новый пароль", "Не короче 8 символов. Передайте его сотруднику лично.");
    const saved = await formDialog({
      title: `Новый пароль: ${u.login}`, body: [password.element], submitLabel: "Сменить пароль",
      note: `${u.login} ${SIGNS_OUT}; войти можно будет только с новым паролем.`,
      submit: async () => {
        checkPassword(password.input.value);
        return api(`/admin/users/${encodeURIComponent(u.login)}`, { method: "PATCH", body: { password: password.input.value } });
      },
    });
    if (saved) toast(`${u.login}: пароль изменён`);
    if (saved) refresh();
  }

  async function toggle(u) {
    const disabling = !u.disabled;
    if (disabling) {
      const ok = await confirmDialog({
        title: `Отключить ${u.login}?`, confirmLabel: "Отключить",
        text: `${u.login} ${SIGNS_OUT} и не сможет войти, пока вы не включите доступ снова.${u.login === me ? " Это ваша учётная запись: вы тоже выйдете." : ""}`,
      });
      if (!ok) return;
    }
    try {
      await api(`/admin/users/${encodeURIComponent(u.login)}`, { method: "PATCH", body: { disabled: disabling } });
      toast(disabling ? `${u.login} отключён и вышел со всех устройств` : `${u.login} снова может войти`);
      refresh();
    } catch (err) {
      toast(explain(err), "error");
    }
  }

  function render() {
    body.removeAttribute("aria-busy");
    if (!users.length) {
      body.replaceChildren(emptyState("Сотрудников пока нет", "Добавьте менеджера и отметьте его филиалы.", null));
      return;
    }
    const managers = users.filter((u) => u.role === "manager" && !u.disabled).length;
    const rows = users.map((u) => h("tr", { dataset: { login: u.login }, class: u.disabled ? "is-disabled" : "" },
      h("td", {}, h("strong", {}, u.login), u.login === me ? h("span", { class: "muted" }, " (это вы)") : null),
      h("td", { dataset: { label: "Роль" } }, roleName(u.role)),
      h("td", { dataset: { label: "Филиалы" } }, u.role === "admin" ? "все филиалы" : branchText(u.branch_ids)),
      h("td", { dataset: { label: "Доступ" } }, h("span", { class: ["status-badge", u.disabled ? "off" : "on"] }, u.disabled ? "Отключён" : "Активен")),
      h("td", { class: "row-actions" },
        h("button", { type: "button", class: "ghost", dataset: { action: "edit" }, on: { click: () => edit(u) } }, "Роль и филиалы"),
        h("button", { type: "button", class: "ghost", dataset: { action: "password" }, on: { click: () => reset(u) } }, "Сменить пароль"),
        h("button", { type: "button", class: u.disabled ? "ghost" : "ghost danger-text", dataset: { action: u.disabled ? "enable" : "disable" },
          on: { click: () => toggle(u) } }, u.disabled ? "Включить" : "Отключить"))));
    body.replaceChildren(...[
      managers ? null : emptyState("Менеджеров пока нет", "Добавьте менеджера, чтобы он вёл запись в своих филиалах.", null),
      h("div", { class: "table-scroll" }, h("table", { class: "setup-table users-table" },
        h("thead", {}, h("tr", {}, ["Логин", "Роль", "Филиалы", "Доступ", "Действия"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows)))].filter(Boolean));
  }

  async function refresh() {
    try {
      [branches, users] = await Promise.all([loadBranches(), api("/admin/users").then((d) => d.items)]);
      if (alive) render();
    } catch (err) {
      body.replaceChildren(h("p", { class: "error" }, err.message));
    }
  }

  add.addEventListener("click", create);
  view.append(h("section", { class: "setup-page users-page" },
    h("div", { class: "toolbar" }, h("h1", {}, "Сотрудники"), add),
    h("p", { class: "muted page-note" }, "Смена роли, филиалов или пароля и отключение сразу завершают все сеансы сотрудника: он выйдет из панели на всех устройствах и войдёт заново."),
    body));
  refresh();
  return () => { alive = false; };
}
