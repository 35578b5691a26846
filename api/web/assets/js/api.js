// Calls to /api/v1 with the manager's token, always asking for Russian
// (Accept-Language: ru): problem documents become ApiError with the stable
// `code` and the server's Russian `detail` as the message; 401 ends the session.

import { current, signOut } from "./session.js";

// Only for answers that carry no detail of the server (a proxy's error page, no connection).
const FALLBACK = {
  network: "Нет связи с сервером — проверьте интернет и попробуйте ещё раз",
  unauthorized: "Сессия истекла — войдите снова",
  rate_limited: "Слишком много запросов — попробуйте чуть позже",
  unavailable: "Сервер временно недоступен — попробуйте ещё раз",
};
const RUSSIAN = /[а-яё]/i;

export class ApiError extends Error {
  constructor(status, problem) {
    const code = problem.code || "error";
    const detail = typeof problem.detail === "string" ? problem.detail : "";
    const message = RUSSIAN.test(detail) ? detail
      : FALLBACK[code] || (status >= 500 ? "Ошибка сервера — попробуйте ещё раз" : `Не получилось (ошибка ${status})`);
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

function url(path, query) {
  const u = new URL(`/api/v1${path}`, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value === null || value === undefined || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) u.searchParams.append(key, String(v));
  }
  return u;
}

/** api("/dashboard/board", {query}) · api(path, {method: "PATCH", body}) · api(path, {method: "POST", form}) */
export async function api(path, { method = "GET", query, body, form, signal } = {}) {
  const session = current();
  if (!session) {
    signOut("expired");
    throw new ApiError(401, { code: "unauthorized" });
  }
  const headers = { Authorization: `Bearer ${session.token}`, Accept: "application/json", "Accept-Language": "ru" };
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url(path, query), { method, headers, body: payload, signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, { code: "network" });
  }
  if (res.status === 401) {
    signOut("expired");
    throw new ApiError(401, await res.json().catch(() => ({ code: "unauthorized" })));
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}
