// Building DOM without HTML strings: every value goes in as text (textContent,
// text nodes, attributes), so nothing from the API is ever parsed as markup.
// Styles are never set as attributes (the CSP forbids inline styles); use
// classes, or element.style properties through the CSSOM where positions are computed.

const SVG_NS = "http://www.w3.org/2000/svg";

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function apply(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "on") for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (key === "style") throw new Error("set styles through classes or el.style, not attributes");
    else if (key.startsWith("on")) throw new Error(`use on: {} for ${key}`);
    else if (key in el && typeof value !== "string") el[key] = value; // value, checked, disabled …
    else el.setAttribute(key, value === true ? "" : String(value));
  }
}

/** h("div", {class: "card", dataset: {id}}, "text", child…) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  apply(el, props);
  append(el, children);
  return el;
}

/** SVG elements: attributes are set as given (numbers become strings). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue;
    if (key === "class") el.setAttribute("class", value);
    else if (key === "text") el.textContent = String(value);
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/** <select> options from [value, label] pairs. */
export function options(select, pairs, selected) {
  clear(select);
  for (const [value, label] of pairs) {
    const opt = h("option", { value }, label);
    if (value === selected) opt.selected = true;
    select.append(opt);
  }
  return select;
}
