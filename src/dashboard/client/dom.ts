/** The element with `id`; the page ships every id the script names, so a missing one is a build error. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

/**
 * A new element with text content only: every value from the API (ids, errors, payloads) is set as
 * text, never parsed as HTML, so nothing a webhook carried can run in the page.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: { text?: string; className?: string; attrs?: Record<string, string> } = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.text !== undefined) element.textContent = options.text;
  if (options.className) element.className = options.className;
  for (const [name, value] of Object.entries(options.attrs ?? {})) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** A `<time>` showing `iso` in the reader's local time, with the exact instant as its `datetime`. */
export function timeElement(iso: string | null): Node {
  if (!iso) return document.createTextNode('–');
  return el('time', { text: new Date(iso).toLocaleString(), attrs: { datetime: iso, title: iso } });
}

/** A duration in seconds as people read it: `42 s`, `7 min`, `3 h 5 min`, `2 d 4 h`. */
export function formatAge(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}
