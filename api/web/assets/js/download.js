// Files from the API (GET …?format=csv|xlsx): a link cannot carry the manager's
// token, so the file is fetched with it and handed to the browser as a blob,
// under the name the server gives (Content-Disposition). Refusals become the
// same ApiError as api() throws: the server's Russian detail as the message.

import { ApiError } from "./api.js";
import { h } from "./dom.js";
import { current, signOut } from "./session.js";

function url(path, query) {
  const u = new URL(`/api/v1${path}`, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== null && value !== undefined && value !== "") u.searchParams.set(key, String(value));
  }
  return u;
}

/** download("/clients/export", {format: "xlsx"}, "clients.xlsx"): saves the answer as a file. */
export async function download(path, query, fallbackName) {
  const session = current();
  if (!session) {
    signOut("expired");
    throw new ApiError(401, { code: "unauthorized" });
  }
  let res;
  try {
    res = await fetch(url(path, query), { headers: { Authorization: `Bearer ${session.token}`, "Accept-Language": "ru" } });
  } catch {
    throw new ApiError(0, { code: "network" });
  }
  if (!res.ok) {
    const problem = await res.json().catch(() => ({}));
    if (res.status === 401) signOut("expired");
    throw new ApiError(res.status, problem);
  }
  const blob = await res.blob();
  const named = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "");
  const link = h("a", { href: URL.createObjectURL(blob), download: named ? named[1] : fallbackName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000); // the browser reads the blob after click()
}

/** A button that downloads while showing it is busy (aria-busy, disabled); errors go to `onError`. */
export function downloadButton(label, className, fetchFile, onError) {
  const button = h("button", { type: "button", class: className }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      await fetchFile();
    } catch (err) {
      onError(err);
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
  return button;
}
