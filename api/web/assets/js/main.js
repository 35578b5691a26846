// Start-up: the login form or the app; hash routes (#/board, #/calendar,
// #/clients, #/client/<id>, #/import, #/reports, #/journal, #/branches,
// #/services, #/staff, #/users, #/webhooks) mount one page at a time into <main>.

import * as board from "./board.js";
import { openBooking } from "./booking.js";
import * as branches from "./branches.js";
import * as calendar from "./calendar.js";
import * as client from "./client-card.js";
import * as clients from "./clients.js";
import { $, clear } from "./dom.js";
import * as importer from "./importer.js";
import * as journal from "./journal.js";
import * as live from "./live.js";
import { prefs } from "./prefs.js";
import * as reports from "./reports.js";
import * as services from "./services.js";
import * as staff from "./staff.js";
import * as users from "./users.js";
import * as webhooks from "./webhooks.js";
import { current, isAdmin, onSignOut, schedule, sees, signIn, signOut } from "./session.js";
import { muted, setMuted, unlockOnGesture } from "./sound.js";

const PAGES = { board, calendar, clients, client, import: importer, reports, journal, branches, services, staff, users, webhooks };
let unmount = null;

function showLogin(message = "") {
  if (unmount) unmount();
  unmount = null;
  live.stop();
  for (const dialog of document.querySelectorAll("dialog")) dialog.remove();
  clear($("#view"));
  Object.assign(prefs, { branch: "", from: null, to: null, day: null, today: null, branches: [] });
  $("#app").hidden = true;
  $("#login").hidden = false;
  const error = $("#login-error");
  error.textContent = message;
  error.hidden = !message;
  $("#login-password").value = "";
  $("#login-name").focus();
}

/** The top bar's sections: on a phone a «Меню» button opens them (with the
 * account's buttons) as a list, closed again by a choice, Escape or a new page. */
function navMenu() {
  const toggle = $("#menu-toggle");
  const menu = $("#topbar-menu");
  const show = (open) => {
    menu.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "Закрыть" : "Меню";
  };
  toggle.addEventListener("click", () => show(!menu.classList.contains("open")));
  menu.addEventListener("click", (e) => { if (e.target.closest("a, #logout")) show(false); });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && menu.classList.contains("open")) {
      show(false);
      toggle.focus();
    }
  });
  window.addEventListener("hashchange", () => show(false));
}

function markCurrent(name) {
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.route === (name === "client" ? "clients" : name)) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function route() {
  if (!current()) return;
  const name = location.hash.replace(/^#\/?/, "").split(/[/?]/)[0] || "board";
  const page = PAGES[name] || board;
  if (unmount) unmount();
  const view = clear($("#view"));
  markCurrent(name);
  unmount = page.mount(view);
}

async function enter() {
  const session = current();
  const res = await fetch("/api/v1/branches", { headers: { Accept: "application/json" } });
  const all = res.ok ? (await res.json()).items : [];
  prefs.branches = all.filter((b) => sees(b.id));
  $("#who").textContent = `${session.login} · ${session.role === "admin" ? "администратор" : "менеджер"}`;
  for (const link of document.querySelectorAll("[data-admin]")) link.hidden = !isAdmin();
  $("#login").hidden = true;
  $("#app").hidden = false;
  route();
}

function muteButton() {
  const button = $("#mute");
  const paint = () => {
    button.textContent = muted() ? "Звук выкл." : "Звук вкл.";
    button.setAttribute("aria-pressed", String(muted()));
  };
  button.addEventListener("click", () => { setMuted(!muted()); paint(); });
  paint();
}

function loginForm() {
  $("#login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const error = $("#login-error");
    const button = e.target.querySelector("button");
    button.disabled = true;
    error.hidden = true;
    try {
      await signIn($("#login-name").value.trim(), $("#login-password").value);
      await enter();
    } catch (err) {
      error.textContent = err.status === 401 ? "Неверный логин или пароль"
        : err.status === 429 ? "Слишком много попыток, подождите минуту" : "Не удалось войти: нет связи с сервером";
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
}

onSignOut((reason) => showLogin(reason === "expired" ? "Сессия истекла — войдите снова" : ""));
window.addEventListener("hashchange", route);
$("#logout").addEventListener("click", () => signOut("manual"));
$("#new-booking").addEventListener("click", () => openBooking());
loginForm();
muteButton();
navMenu();
unlockOnGesture();

if (current()) {
  schedule();
  enter();
} else {
  showLogin();
}
