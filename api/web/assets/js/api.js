// Calls to /api/v1 with the manager's token. Problem documents become ApiError
// with the stable `code` and a Russian message; 401 ends the session.

import { current, signOut } from "./session.js";

const MESSAGES = {
  slot_unavailable: "Это время уже занято или недоступно",
  version_conflict: "Запись уже изменил кто-то другой — показываю актуальную",
  invalid_transition: "Так изменить эту запись нельзя",
  forbidden: "Нет доступа к этому филиалу",
  not_found: "Не найдено",
  client_conflict: "Этот телефон принадлежит другому клиенту",
  file_too_large: "Файл слишком большой",
  unsupported_file: "Формат файла не поддерживается (нужен CSV, XLS или XLSX)",
  rate_limited: "Слишком много запросов, попробуйте чуть позже",
  unavailable: "Сервер временно недоступен, ничего не сохранено",
  payload_too_large: "Слишком большой запрос",
  internal_error: "Ошибка сервера",
};

export class ApiError extends Error {
  constructor(status, problem) {
    const code = problem.code || "error";
    const base = MESSAGES[code];
    const message = base || (code === "validation_error" ? `Проверьте данные: ${problem.detail || ""}` : problem.detail || `Ошибка ${status}`);
    super(message);
    this.status = status;
    this.code = code;
    this.detail = problem.detail || "";
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
    throw new ApiError(401, { code: "unauthorized", detail: "sign in" });
  }
  const headers = { Authorization: `Bearer ${session.token}`, Accept: "application/json" };
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
    throw new ApiError(0, { code: "network", detail: "Нет связи с сервером" });
  }
  if (res.status === 401) {
    signOut("expired");
    throw new ApiError(401, { code: "unauthorized", detail: "Сессия истекла" });
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}
