// Short messages in the corner (role=status, so screen readers hear them too).

import { h } from "./dom.js";

/** toast("Сохранено") · toast("Время занято", "error") */
export function toast(message, kind = "info", ms = 5000) {
  const box = document.getElementById("toasts");
  if (!box) return;
  const item = h("div", { class: ["toast", `toast-${kind}`] }, message);
  box.append(item);
  setTimeout(() => item.remove(), ms);
}
