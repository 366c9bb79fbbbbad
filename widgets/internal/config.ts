import type { Tenant } from '../api/types.js';
import { SELECTED, selectedTenant } from './selection.js';

/**
 * Page-level defaults shared by every o365-health widget on a page. An element's own
 * attributes win; these fill what the attributes leave out.
 *
 * Two equivalent places, the global object winning over the meta tag:
 *
 * ```html
 * <script>window.O365Health = { apiBase: 'https://health.example.com', apiKey: 'o365_…', tenant: 'contoso.com', live: 'off' };</script>
 * <meta name="o365-health" content="api-base=https://health.example.com; api-key=o365_…; tenant=contoso.com; live=off">
 * ```
 *
 * Without an API base anywhere, the origin the widget script was loaded from is used.
 */
export interface PageDefaults {
  apiBase?: string;
  apiKey?: string;
  /** A tenant id or label, or `selected`: the tenant selected in `<o365-tenant-overview>`. */
  tenant?: string;
  locale?: string;
  timeZone?: string;
  /** `off`: no live updates from the server's event stream (`GET /api/events`); on otherwise. */
  live?: string;
}

declare global {
  interface Window {
    /** Page-level defaults of the o365-health widgets. */
    O365Health?: PageDefaults;
  }
}

const META_KEYS = { 'api-base': 'apiBase', 'api-key': 'apiKey', tenant: 'tenant', locale: 'locale', 'time-zone': 'timeZone', live: 'live' } as const satisfies Record<string, keyof PageDefaults>;

/** Reads `<meta name="o365-health" content="key=value; …">` then `window.O365Health`. */
export function pageDefaults(): PageDefaults {
  const out: PageDefaults = {};
  const content = document.querySelector<HTMLMetaElement>('meta[name="o365-health"]')?.content ?? '';
  for (const pair of content.split(';')) {
    const i = pair.indexOf('=');
    const key = pair.slice(0, i).trim() as keyof typeof META_KEYS;
    if (i > 0 && key in META_KEYS) out[META_KEYS[key]] = pair.slice(i + 1).trim();
  }
  return { ...out, ...(window.O365Health ?? {}) };
}

/** The origin this module was loaded from: the API base of last resort. */
export const scriptOrigin = new URL(import.meta.url).origin;

/** What a widget talks to, after discovery. */
export interface ResolvedConfig {
  apiBase: string;
  apiKey: string | undefined;
  /** The tenant id or label wanted; with `tenant="selected"`, the selected tenant's id (undefined before a selection). */
  tenant: string | undefined;
  /** True when `tenant` is `selected`: the widget follows the page's selected tenant (selection.ts). */
  selection: boolean;
  locale: string | undefined;
  timeZone: string | undefined;
  /** False when `live` is `off`: the widget does not follow the server's event stream. */
  live: boolean;
}

/** `tag` when it is a well-formed BCP 47 language tag, canonicalised; else undefined. */
function locale(tag: string | undefined): string | undefined {
  try {
    return tag ? Intl.getCanonicalLocales(tag)[0] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Attributes first, then the page-level defaults, then the script's origin (API base). The locale
 * falls back to the page's language (`<html lang>`), then to the browser's (undefined); the time
 * zone to the browser's. A tenant of `selected` (any case) is the tenant selected for the API base
 * in `<o365-tenant-overview>`, and until one is selected none, so discovery picks the first active one.
 */
export function resolveConfig(attrs: PageDefaults): ResolvedConfig {
  const page = pageDefaults();
  const pick = (k: keyof PageDefaults) => attrs[k] || page[k] || undefined;
  const apiBase = (pick('apiBase') ?? scriptOrigin).replace(/\/+$/, '');
  const wanted = pick('tenant');
  const selection = wanted?.trim().toLowerCase() === SELECTED;
  return {
    apiBase,
    apiKey: pick('apiKey'),
    tenant: selection ? selectedTenant(apiBase) : wanted,
    selection,
    locale: locale(attrs.locale) ?? locale(page.locale) ?? locale(document.documentElement.lang),
    timeZone: pick('timeZone'),
    live: pick('live')?.trim().toLowerCase() !== 'off',
  };
}

/**
 * The tenant a widget shows: the one whose id or label (case-insensitive) is `wanted`, else the
 * first active one, else the first one (which then needs re-authorization). `undefined` when
 * there is none, or when `wanted` matches none.
 */
export function pickTenant<T extends Pick<Tenant, 'tenantId' | 'label' | 'status'>>(tenants: readonly T[], wanted?: string): T | undefined {
  if (wanted) {
    const w = wanted.trim().toLowerCase();
    return tenants.find((t) => t.tenantId.toLowerCase() === w || t.label.toLowerCase() === w);
  }
  return tenants.find((t) => t.status === 'active') ?? tenants[0];
}
