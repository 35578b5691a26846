// Клиент: placeholder until the page is built.

import { h } from "./dom.js";

export function mount(view) {
  view.append(h("section", { class: "page" }, h("h1", {}, "Клиент")));
  return () => {};
}
