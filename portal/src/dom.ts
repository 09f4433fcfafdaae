/**
 * Building the page's elements without a framework: a tiny element factory, formatters, and file helpers.
 * @module
 */

type Child = Node | string | number | false | null | undefined;
type Attributes = Record<string, string | number | boolean | EventListener | undefined>;

/**
 * An element with attributes (`on…` are listeners; `false`/`undefined` are left out) and children.
 * @example h("button", { type: "button", onclick: go }, "Go")
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.filter((c): c is Node | string | number => c !== false && c != null).map(String2));
  return element;
}

function String2(c: Node | string | number): Node | string {
  return typeof c === "number" ? String(c) : c;
}

/** Replaces the children of the element with id `id`. */
export function fill(id: string, ...children: Child[]): HTMLElement {
  const element = byId(id);
  element.replaceChildren(
    ...children.filter((c): c is Node | string | number => c !== false && c != null).map(String2),
  );
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`expected an element #${id} in the page, found none`);
  return element as T;
}

/** A Unix time as the subject's local date and time. */
export function when(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** `0x1234…abcd`, with the full value for screen readers and on hover. */
export function short(value: string): HTMLElement {
  return h("span", { class: "mono", title: value, "aria-label": value }, `${value.slice(0, 6)}…${value.slice(-4)}`);
}

/** Offers `text` as a file download (the person's click started it). */
export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The bytes of a file the person chose. */
export async function fileBytes(input: HTMLInputElement): Promise<Uint8Array | undefined> {
  const file = input.files?.[0];
  return file ? new Uint8Array(await file.arrayBuffer()) : undefined;
}

/**
 * Fills the element `id` with a table of `rows` under a caption and column headers, or with `empty` when there are
 * no rows. At phone width the rows become cards (see style.css), each cell labelled by its `data-label`.
 */
export function fillTable(id: string, empty: string, caption: string, headers: string[], rows: HTMLElement[]): void {
  if (rows.length === 0) {
    fill(id, h("p", {}, empty));
    return;
  }
  fill(
    id,
    h(
      "table",
      { class: "rows" },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...rows),
    ),
  );
}
