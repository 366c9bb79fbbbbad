import { fixture, html, waitUntil } from '@open-wc/testing';
import { render, type TemplateResult } from 'lit';

export const CONTOSO = '4f2d5a86-3c1e-4b8f-9a57-0c6d3e1f2a10';
export const FABRIKAM = '9b1e7c42-6a0d-4e35-8f21-5d7c9e0a4b63';

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  aborted: boolean;
  /** The JSON body a POST sent. */
  body?: unknown;
}

let counter = 0;

/** A fresh fake-API session: its own request log, authorizations and (via the API base) store. */
export function newSession(): { id: string; apiBase: string } {
  const id = `s${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return { id, apiBase: `${location.origin}/test-api/${id}` };
}

/** What the fake API received in a session. */
export async function requests(id: string): Promise<LoggedRequest[]> {
  const res = await fetch(`/test-api/_requests?session=${id}`);
  return ((await res.json()) as { requests: LoggedRequest[] }).requests;
}

/** How many requests a session received for `method path` (path without query unless given). */
export async function count(id: string, path: string, method = 'GET'): Promise<number> {
  return (await requests(id)).filter((r) => r.method === method && (r.path === path || r.path.startsWith(`${path}?`))).length;
}

/**
 * Renders `template` into a wrapper that records every `o365-*` event reaching it (so they
 * bubble and are composed), and returns the first element.
 */
export async function mount<T extends HTMLElement>(template: TemplateResult): Promise<{ el: T; events: CustomEvent[]; wrapper: HTMLElement }> {
  const wrapper = await fixture<HTMLElement>(html`<div></div>`);
  const events: CustomEvent[] = [];
  for (const type of ['o365-load', 'o365-error', 'o365-issue-select', 'o365-authorization-change'])
    wrapper.addEventListener(type, (e) => events.push(e as CustomEvent));
  render(template, wrapper);
  const el = wrapper.firstElementChild as T;
  await (el as unknown as { updateComplete: Promise<unknown> }).updateComplete;
  return { el, events, wrapper };
}

/** The first element of the shadow root matching `selector`. */
export function $(el: Element, selector: string): HTMLElement | null {
  return el.shadowRoot!.querySelector<HTMLElement>(selector);
}

export function $$(el: Element, selector: string): HTMLElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLElement>(selector)];
}

/** Waits until a part is rendered. */
export async function part(el: Element, name: string, message?: string): Promise<HTMLElement> {
  await waitUntil(() => $(el, `[part~="${name}"]`), message ?? `part "${name}" never rendered`, { timeout: 4000 });
  return $(el, `[part~="${name}"]`)!;
}

/** The visible text of a node, whitespace collapsed. */
export const text = (node: Element | null | undefined): string => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();

/** Makes the page report itself hidden or visible, and tells listeners (as a tab switch would). */
export function setVisibility(state: 'hidden' | 'visible'): void {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
}

/** Undoes {@link setVisibility}. */
export function resetVisibility(): void {
  delete (document as { visibilityState?: unknown }).visibilityState;
}

/**
 * What sticks out of `host` horizontally: every rendered element of its shadow tree whose box
 * leaves the host's box or whose content is wider than the host (scrollWidth), as readable lines.
 * Empty when the layout fits.
 */
export function overflowing(host: HTMLElement): string[] {
  const box = host.getBoundingClientRect();
  const out: string[] = [];
  if (host.scrollWidth > host.clientWidth) out.push(`the host scrolls: ${host.scrollWidth} > ${host.clientWidth}`);
  for (const el of host.shadowRoot!.querySelectorAll<HTMLElement>('*')) {
    const r = el.getBoundingClientRect();
    if (r.width <= 1) continue; // the visually hidden live region
    const what = `<${el.tagName.toLowerCase()} class="${el.getAttribute('class') ?? ''}"> ${text(el).slice(0, 50)}`;
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5) out.push(`${what}: ${Math.round(r.left)}–${Math.round(r.right)} outside ${Math.round(box.left)}–${Math.round(box.right)}`);
    else if (el.scrollWidth > box.width + 0.5) out.push(`${what}: scrollWidth ${el.scrollWidth} > ${Math.round(box.width)}`);
  }
  return out;
}

/**
 * True when a `<select>` is at least as wide as it would be with `width: auto` (its longest
 * option), i.e. its text is not cut.
 */
export function selectFits(select: HTMLSelectElement): boolean {
  const probe = select.cloneNode(true) as HTMLSelectElement;
  probe.style.cssText = 'width:auto;min-width:0;max-width:none;position:absolute;visibility:hidden';
  select.parentNode!.append(probe);
  try {
    return select.getBoundingClientRect().width + 0.5 >= probe.getBoundingClientRect().width;
  } finally {
    probe.remove();
  }
}

/**
 * Words of `host`'s shadow tree that a line break cuts in two: a break between two letters or
 * digits of one text node ("onmicro|soft"). Breaks at spaces, after "." or "-", and at `<wbr>`
 * (which splits the text node) are fine. Empty when no word is cut.
 */
export function midWordBreaks(host: HTMLElement): string[] {
  const out: string[] = [];
  const walker = document.createTreeWalker(host.shadowRoot!, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const wordChar = /[\p{L}\p{N}]/u;
  for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
    const t = node.data;
    let prevTop: number | undefined;
    for (let i = 0; i < t.length; i++) {
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const r = range.getClientRects()[0];
      if (!r || !r.width) continue;
      if (prevTop !== undefined && r.top > prevTop + 2 && wordChar.test(t[i - 1] ?? '') && wordChar.test(t[i]!)) {
        const start = t.slice(0, i).search(/[\p{L}\p{N}.@_-]+$/u);
        out.push(`${t.slice(start, i)}|${/^[\p{L}\p{N}.@_-]+/u.exec(t.slice(i))?.[0] ?? ''}`);
      }
      prevTop = r.top;
    }
  }
  return out;
}
