/**
 * The page's selected tenant, one per API base: `<o365-tenant-overview>` sets it when a user picks
 * a tenant, and every widget whose `tenant` is `selected` shows it (config.ts resolves the word,
 * data.ts loads again when the selection changes). It is kept for the browser tab's session
 * (sessionStorage), so a reload shows the same tenant; with storage blocked it lasts for the page.
 *
 * The change is announced on `window` (`o365-health:selection`), so two copies of the widget
 * code on one page (the bundle and a bundler's build) still agree.
 */

/** The `tenant` value that follows the selection. */
export const SELECTED = 'selected';

const EVENT = 'o365-health:selection';
const storageKey = (apiBase: string) => `o365-health:selected-tenant:${apiBase}`;

/** This copy's view of the selections, by API base (what storage holds, or what it would). */
const memory = new Map<string, string | null>();

/** Detail of the `o365-health:selection` window event. */
interface SelectionDetail {
  apiBase: string;
  tenantId: string | null;
}

/** The tenant id selected for `apiBase` in this tab, if any. */
export function selectedTenant(apiBase: string): string | undefined {
  if (!memory.has(apiBase)) {
    let stored: string | null = null;
    try {
      stored = sessionStorage.getItem(storageKey(apiBase));
    } catch {
      /* storage blocked: nothing remembered */
    }
    memory.set(apiBase, stored);
  }
  return memory.get(apiBase) ?? undefined;
}

/** Selects `tenantId` for `apiBase` (null forgets the selection), remembers it and tells every widget. */
export function selectTenant(apiBase: string, tenantId: string | null): void {
  try {
    if (tenantId) sessionStorage.setItem(storageKey(apiBase), tenantId);
    else sessionStorage.removeItem(storageKey(apiBase));
  } catch {
    /* storage blocked: the selection lasts for this page */
  }
  window.dispatchEvent(new CustomEvent<SelectionDetail>(EVENT, { detail: { apiBase, tenantId } }));
}

/** Counts selection changes: part of a widget's discovery inputs, so a change resolves `selected` again. */
export let selectionVersion = 0;

window.addEventListener(EVENT, (e) => {
  const { apiBase, tenantId } = (e as CustomEvent<SelectionDetail>).detail;
  memory.set(apiBase, tenantId);
  selectionVersion++;
});

/** Calls `listener` with the API base of every selection change; returns the function that stops it. */
export function onSelection(listener: (apiBase: string) => void): () => void {
  const handler = (e: Event) => listener((e as CustomEvent<SelectionDetail>).detail.apiBase);
  window.addEventListener(EVENT, handler);
  return () => window.removeEventListener(EVENT, handler);
}
