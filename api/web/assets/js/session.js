// The signed-in manager: the JWT lives in sessionStorage (one tab, gone when it closes).
// Expiry is measured from the login answer's expires_in on the browser's own clock,
// so a skewed clock cannot end a session early; any 401 from the server ends it too.

const KEY = "zapis.session";
let expiryTimer = null;
const listeners = new Set();

/** The current session or null: {token, login, role, branches, expiresAt}. */
export function current() {
  let raw;
  try {
    raw = JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    raw = null;
  }
  if (!raw || typeof raw.token !== "string" || !(raw.expiresAt > Date.now())) return null;
  return raw;
}

export function isAdmin() {
  return current()?.role === "admin";
}

/** Does the token name this branch (admins and "*" see all)? */
export function sees(branchId) {
  const s = current();
  return !!s && (s.role === "admin" || s.branches.includes("*") || s.branches.includes(branchId));
}

function claims(token) {
  const part = token.split(".")[1] || "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

export async function signIn(login, password) {
  const res = await fetch("/api/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "Accept-Language": "ru" },
    body: JSON.stringify({ login, password }),
  });
  if (!res.ok) {
    const problem = await res.json().catch(() => ({}));
    const error = new Error(problem.detail || res.statusText);
    error.status = res.status;
    error.code = problem.code;
    throw error;
  }
  const answer = await res.json();
  const c = claims(answer.access_token);
  const session = {
    token: answer.access_token,
    login: String(c.sub || login),
    role: c.role === "admin" ? "admin" : "manager",
    branches: Array.isArray(c.branches) ? c.branches.map(String) : [],
    expiresAt: Date.now() + Number(answer.expires_in) * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  schedule();
  return session;
}

/** End the session; `reason` is shown on the login form ("expired", "manual"). */
export function signOut(reason = "manual") {
  const had = sessionStorage.getItem(KEY) !== null;
  sessionStorage.removeItem(KEY);
  clearTimeout(expiryTimer);
  if (had || reason !== "manual") for (const fn of listeners) fn(reason);
}

export function onSignOut(fn) {
  listeners.add(fn);
}

/** Sign out by ourselves when the token runs out (the server would answer 401 anyway). */
export function schedule() {
  clearTimeout(expiryTimer);
  const s = current();
  if (!s) return;
  const left = Math.min(s.expiresAt - Date.now(), 2 ** 31 - 1);
  expiryTimer = setTimeout(() => signOut("expired"), Math.max(left, 0));
}
