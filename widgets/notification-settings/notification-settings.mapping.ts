import type { Channel, ChannelFilters, Tenant } from '../api/types.js';
import { classificationText, type Level } from '../internal/status.js';
import { DELIVERY_INFO, EVENT_TEXT, KIND_INFO, type ChannelTestDelivery } from './notification-settings.types.js';

const lookup = <T>(table: Record<string, T>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

/** Words of a channel kind; an unknown one as it came. */
export const kindText = (kind: string): string => lookup(KIND_INFO, kind)?.text ?? kind;

/** Words of an event type; an unknown one as it came. */
export const eventText = (type: string): string => lookup(EVENT_TEXT, type) ?? type;

/** Words and level of a delivery status; an unknown one keeps its raw value. */
export const deliveryStatus = (raw: string): { text: string; level: Level } => lookup(DELIVERY_INFO, raw) ?? { text: `Unknown status (${raw})`, level: 'unknown' };

/** A channel's state in words and by level: disabled, failing (its last delivery failed), or enabled. */
export function channelState(c: Pick<Channel, 'enabled' | 'lastError'>): { text: string; level: Level } {
  if (!c.enabled) return { text: 'Disabled', level: 'unknown' };
  return c.lastError ? { text: 'Enabled, last delivery failed', level: 'degraded' } : { text: 'Enabled', level: 'healthy' };
}

/**
 * What a channel receives, in words: "Everything", or each filter ("Tenants: contoso…;
 * Services: Exchange Online; Incident; Events: New issue"), tenant ids shown by their labels.
 */
export function filterText(f: ChannelFilters, tenants: readonly Pick<Tenant, 'tenantId' | 'label'>[]): string {
  const label = (id: string) => tenants.find((t) => t.tenantId === id)?.label ?? id;
  const parts = [
    f.tenants?.length ? `Tenants: ${f.tenants.map(label).join(', ')}` : '',
    f.services?.length ? `Services: ${f.services.join(', ')}` : '',
    f.classifications?.length ? `Classifications: ${f.classifications.map(classificationText).join(', ')}` : '',
    f.events?.length ? `Events: ${f.events.map(eventText).join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'Everything';
}

/** The filters a form chose: the checked values of each group, a group left unchecked being absent (all). */
export function formFilters(data: FormData): ChannelFilters {
  const out: Record<string, string[]> = {};
  for (const key of ['tenants', 'services', 'classifications', 'events']) {
    const values = data.getAll(key).map(String);
    if (values.length) out[key] = values;
  }
  // The checkboxes offer only the contract's classifications and event types.
  return out as ChannelFilters;
}

/** A test send's outcome in words: "Test delivered (HTTP 200)." / "The test failed: … (HTTP 500)." */
export function testText(d: ChannelTestDelivery): string {
  const http = d.responseStatus ? ` (HTTP ${d.responseStatus})` : '';
  return d.status === 'delivered' ? `Test delivered${http}.` : `The test failed${http}${d.error ? `: ${d.error}` : '.'}`;
}
