/**
 * Pure mapping of Message center posts (Graph `serviceUpdateMessage`) to what the widget shows.
 * Enum values are compared case-insensitively (Graph's examples are PascalCase, the server sends
 * camelCase); a value the widget does not know is shown as it came, never dropped.
 */
import type { MessageDetailItem, Tenant, Timestamp } from '../api/types.js';
import { toDate } from '../internal/format.js';
import { CATEGORY_TEXT, type MessageCategory, type Urgency } from './message-center.types.js';

/** The default `admin-center-url`: a post in the Message center of the Microsoft 365 admin center. */
export const ADMIN_MESSAGE_URL = 'https://admin.microsoft.com/#/MessageCenter/:/messages/{messageId}';

/** A feature of the Microsoft 365 roadmap. */
export const ROADMAP_URL = 'https://www.microsoft.com/microsoft-365/roadmap?featureid=';

const DAY_MS = 86_400_000;

/** Words of a category ("Plan for change"); an unknown one as it came. */
export function categoryText(raw: string): string {
  const known = Object.keys(CATEGORY_TEXT).find((c) => c.toLowerCase() === raw?.toLowerCase()) as MessageCategory | undefined;
  return known ? CATEGORY_TEXT[known] : raw || 'Uncategorised';
}

/** Words of a severity worth a badge ("High severity"); '' for `normal` (most posts). */
export function severityText(raw: string): string {
  return !raw || raw.toLowerCase() === 'normal' ? '' : `${raw[0]!.toUpperCase()}${raw.slice(1)} severity`;
}

/** How soon an act-by date is at `now`: passed, within 7 days, later; undefined without one. */
export function urgency(actBy: Timestamp, now: number): Urgency | undefined {
  const d = toDate(actBy);
  if (!d) return undefined;
  const left = d.getTime() - now;
  return left < 0 ? 'overdue' : left <= 7 * DAY_MS ? 'soon' : 'later';
}

/** One row of an opened post's details: a label and either text or links. */
export interface DetailRow {
  name: string;
  value: string;
  /** Links instead of the text: roadmap features, or the value when it is an https URL. */
  links?: { href: string; text: string }[];
}

/** Labels of the detail names the widget knows (case-insensitive); others are spelled out ("ExternalLink" → "External link"). */
const DETAIL_NAMES: Record<string, string> = { summary: 'Summary', roadmapids: 'Microsoft 365 roadmap', platforms: 'Platforms' };
const ORDER = Object.keys(DETAIL_NAMES);

/** Summary, roadmap and platforms first, then the other details as they came; empty values left out. */
export function detailRows(details: readonly MessageDetailItem[]): DetailRow[] {
  const key = (d: MessageDetailItem) => String(d.name).toLowerCase();
  const rank = (d: MessageDetailItem) => (ORDER.includes(key(d)) ? ORDER.indexOf(key(d)) : ORDER.length);
  return details
    .filter((d) => d.name && String(d.value ?? '').trim())
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i)
    .map(({ d }) => {
      const value = String(d.value).trim();
      const name = DETAIL_NAMES[key(d)] ?? d.name.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').replace(/ ([A-Z])(?=[a-z])/g, (_m, c: string) => ` ${c.toLowerCase()}`);
      if (key(d) === 'roadmapids') {
        const ids = value.split(/[\s,;]+/).filter((id) => /^\d+$/.test(id));
        if (ids.length) return { name, value, links: ids.map((id) => ({ href: ROADMAP_URL + id, text: `Roadmap ID ${id}` })) };
      }
      return /^https:\/\/\S+$/.test(value) ? { name, value, links: [{ href: value, text: value }] } : { name, value };
    });
}

/** Fills `{messageId}`, `{tenantId}` and `{tenant}` (the label) of an admin center URL template. */
export function adminMessageUrl(template: string, tenant: Tenant, messageId: string): string {
  const values: Record<string, string> = { messageId, tenantId: tenant.tenantId, tenant: tenant.label };
  return (template || ADMIN_MESSAGE_URL).replace(/\{(messageId|tenantId|tenant)\}/g, (_m, k: string) => encodeURIComponent(values[k]!));
}
