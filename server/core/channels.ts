/**
 * Notification channels (DESIGN.md, "Notification channels"): an org's admins add webhooks,
 * Teams and Slack incoming webhooks and e-mail lists; the sync's change events reach them through
 * deliveries the worker (notify/worker.ts) claims and hands to {@link ChannelsCore.deliver}.
 *
 * Delivery is at least once: network errors, 5xx, 408 and 429 are retried with exponential
 * backoff — 30 s after the first attempt, doubling, so the 8th and last attempt comes about an
 * hour after the first — or later when the target's `Retry-After` asks (capped at an hour); any
 * other 4xx and redirects fail at once; `410 Gone` also disables the channel and says why.
 * A test send goes through the same senders at once and lands in the same delivery log.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config.js';
import { randomToken, type SecretBox } from '../crypto.js';
import { EVENT_TYPES, type ChannelKind } from '../db/schema.js';
import type { Metrics } from '../metrics.js';
import { sendEvent, type SendContext, type SendOutcome } from '../notify/senders.js';
import { resolveTarget, TargetRefusedError, type Resolve } from '../notify/ssrf.js';
import {
  channelJson,
  openChannel,
  TEST_EVENT_PREFIX,
  type ChannelFilters,
  type ChannelJson,
  type ClaimedDelivery,
  type PerChannelCap,
  type DeliveryJson,
} from '../store/channels.js';
import type { Store } from '../store/index.js';
import { bestOf, resolveAmong } from '../store/tenants.js';
import type { ChangeEvent } from '../../widgets/api/types.js';

export type { ChannelFilters, ChannelJson, ClaimedDelivery, DeliveryJson, PerChannelCap } from '../store/channels.js';

/** Attempts a delivery gets before it is `failed`. */
export const MAX_ATTEMPTS = 8;
/** The wait after the first failed attempt; each later one doubles it. */
export const FIRST_RETRY_MS = 30_000;
/** The longest wait between two attempts, whatever `Retry-After` asks. */
export const MAX_RETRY_DELAY_MS = 60 * 60_000;

/**
 * The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed: 30 s, 1, 2, 4,
 * 8, 16 and 32 min (63.5 min from the first attempt to the 8th), or the target's `Retry-After`
 * when that is longer, up to an hour.
 */
export function retryDelayMs(attempt: number, retryAfterMs?: number): number {
  const backoff = FIRST_RETRY_MS * 2 ** (attempt - 1);
  return Math.min(MAX_RETRY_DELAY_MS, Math.max(backoff, retryAfterMs ?? 0));
}

/** Event types a channel may filter on (`test` always reaches the channel it tests). */
export const FILTERABLE_EVENT_TYPES = EVENT_TYPES.filter((t) => t !== 'test');

/** What `POST /api/channels` takes (validated at the edge). */
export interface ChannelInput {
  kind: ChannelKind;
  name: string;
  target: string;
  filters?: ChannelFilters;
}

/** A request the core refuses, with a message for the caller (400). */
export class ChannelInputError extends Error {
  override name = 'ChannelInputError';
}

/** The result of a test send (`POST /api/channels/:id/test`). */
export interface TestDelivery {
  status: 'delivered' | 'failed';
  responseStatus: number | null;
  error: string | null;
}

export interface ChannelsCore {
  list(orgId: string): Promise<ChannelJson[]>;
  /** @throws ChannelInputError when the target or the filters cannot be used. */
  create(orgId: string, input: ChannelInput): Promise<{ channel: ChannelJson; secret?: string }>;
  /** null when the org has no such channel. @throws ChannelInputError for filters naming unknown tenants. */
  update(orgId: string, id: string, patch: { name?: string; filters?: ChannelFilters; enabled?: boolean }): Promise<ChannelJson | null>;
  delete(orgId: string, id: string): Promise<boolean>;
  /** Sends a `test` event now; null when the org has no such channel. */
  test(orgId: string, id: string): Promise<TestDelivery | null>;
  /** The channel's delivery log, newest first; null when the org has no such channel. */
  deliveries(orgId: string, id: string, limit: number): Promise<DeliveryJson[] | null>;
  /** Leases due deliveries to `owner` (the worker). */
  claim(owner: string, limit: number, leaseMs: number, perChannel?: PerChannelCap): Promise<ClaimedDelivery[]>;
  /** Makes one attempt at a claimed delivery and records how it went. */
  deliver(claimed: ClaimedDelivery, owner: string): Promise<void>;
  /** When the next pending delivery is due. */
  nextDueAt(): Promise<Date | null>;
}

export interface ChannelsDeps {
  store: Store;
  box: SecretBox;
  config: Pick<Config, 'publicUrl'> & Partial<Pick<Config, 'allowPrivateTargets' | 'smtpUrl' | 'smtpFrom'>>;
  now: () => Date;
  metrics: Pick<Metrics, 'notification'>;
  log?: (line: string) => void;
  /** DNS for targets (tests may pass their own); the system resolver by default. */
  resolve?: Resolve;
}

/** `https://hooks.example.com/…`: scheme and host only (the path carries the webhook's credentials). */
export function maskUrl(target: string): string {
  const url = new URL(target);
  return `${url.protocol}//${url.host}/…`;
}

const emailAddress = z.email();

/** The addresses of an e-mail target, validated; null when one of them is not an address. */
export function parseAddressList(target: string): string[] | null {
  const addresses = target.split(',').map((a) => a.trim()).filter(Boolean);
  if (addresses.length === 0 || addresses.length > 20) return null;
  return addresses.every((a) => emailAddress.safeParse(a).success) ? addresses : null;
}

/** A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function createChannelsCore(deps: ChannelsDeps): ChannelsCore {
  const { store, box, now, metrics } = deps;
  const log = deps.log ?? (() => {});
  const allowPrivateTargets = deps.config.allowPrivateTargets ?? false;
  const smtp = deps.config.smtpUrl && deps.config.smtpFrom ? { url: deps.config.smtpUrl, from: deps.config.smtpFrom } : null;
  const sendContext = (): SendContext => ({
    allowPrivateTargets,
    smtp,
    dashboardUrl: deps.config.publicUrl,
    now,
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
  });

  /** Tenant references (ids or labels) as the tenant ids the org sees; unknown ones are refused. */
  async function tenantFilter(orgId: string, filters: ChannelFilters | undefined): Promise<ChannelFilters> {
    if (!filters?.tenants) return filters ?? {};
    const ids: string[] = [];
    const refs = await store.orgAuthorizationRefs(orgId);
    for (const ref of filters.tenants) {
      const tenant = resolveAmong(refs, ref);
      if (!tenant) throw new ChannelInputError(`filters.tenants: ${JSON.stringify(ref)} is not a tenant this organisation can see.`);
      if (!ids.includes(tenant.tenantId)) ids.push(tenant.tenantId);
    }
    return { ...filters, tenants: ids };
  }

  async function checkTarget(kind: ChannelKind, target: string): Promise<{ target: string; masked: string }> {
    if (kind === 'email') {
      if (!smtp) throw new ChannelInputError('E-mail channels need the server to be configured with SMTP_URL and SMTP_FROM.');
      const addresses = parseAddressList(target);
      if (!addresses) throw new ChannelInputError('target: an e-mail channel takes a comma-separated list of up to 20 e-mail addresses.');
      return { target: addresses.join(', '), masked: addresses.join(', ') };
    }
    try {
      const resolved = await resolveTarget(target, { allowPrivateTargets }, deps.resolve);
      return { target: resolved.url.href, masked: maskUrl(resolved.url.href) };
    } catch (err) {
      if (err instanceof TargetRefusedError) throw new ChannelInputError(`target: ${err.message}`);
      throw err;
    }
  }

  function ownChannel(orgId: string, id: string) {
    return store.getChannel(orgId, id);
  }

  /** Records an attempt's outcome; a lost lease means another worker has the row now. */
  async function record(claimed: ClaimedDelivery, owner: string, kind: ChannelKind, orgId: string, outcome: SendOutcome): Promise<void> {
    const at = now();
    const attempt = claimed.attempts + 1;
    const base = { channelId: claimed.channelId, eventId: claimed.eventId, owner, responseStatus: outcome.responseStatus, now: at };
    if (outcome.result === 'delivered') {
      if (await store.finishAttempt({ ...base, status: 'delivered', error: null })) metrics.notification(kind, 'delivered');
      return;
    }
    if (outcome.result === 'retry' && attempt < MAX_ATTEMPTS) {
      const nextAttemptAt = new Date(at.getTime() + retryDelayMs(attempt, outcome.retryAfterMs));
      if (await store.finishAttempt({ ...base, status: 'pending', nextAttemptAt, error: outcome.error })) metrics.notification(kind, 'retry');
      return;
    }
    const error = outcome.result === 'retry' ? `${outcome.error} (gave up after ${MAX_ATTEMPTS} attempts)` : outcome.error;
    if (!await store.finishAttempt({ ...base, status: 'failed', error })) return;
    metrics.notification(kind, 'failed');
    if (outcome.result === 'gone') {
      const reason = `Disabled: the target answered 410 Gone (${at.toISOString()}).`;
      // The channel shows why it stopped; what it still owed fails with the same reason.
      await store.updateChannel(orgId, claimed.channelId, { enabled: false, now: at, reason, lastError: reason });
      log(`notifications: channel ${claimed.channelId} disabled, its target answered 410 Gone`);
    }
  }

  return {
    list: async (orgId) => (await store.listChannels(orgId)).map(channelJson),

    async create(orgId, input) {
      const filters = await tenantFilter(orgId, input.filters);
      const { target, masked } = await checkTarget(input.kind, input.target);
      const secret = input.kind === 'webhook' ? newSigningSecret() : null;
      const row = await store.insertChannel(box, { orgId, kind: input.kind, name: input.name, target, targetMasked: masked, secret, filters, now: now() });
      return { channel: channelJson(row), ...(secret ? { secret } : {}) };
    },

    async update(orgId, id, patch) {
      if (!(await ownChannel(orgId, id))) return null;
      const filters = patch.filters === undefined ? undefined : await tenantFilter(orgId, patch.filters);
      const row = await store.updateChannel(orgId, id, { ...patch, ...(filters ? { filters } : {}), now: now(), reason: 'The channel was disabled before this was sent.' });
      return row ? channelJson(row) : null;
    },

    delete: (orgId, id) => store.deleteChannel(orgId, id),

    async test(orgId, id) {
      const row = await ownChannel(orgId, id);
      if (!row) return null;
      const channel = openChannel(box, row);
      const at = now();
      const tenant = [...bestOf(await store.orgAuthorizationRefs(orgId)).values()][0];
      const event: ChangeEvent = {
        id: `${TEST_EVENT_PREFIX}${randomToken(16)}`,
        type: 'test',
        occurredAt: at.toISOString(),
        tenant: tenant ? { tenantId: tenant.tenantId, displayName: null, label: tenant.label } : { tenantId: '', displayName: null, label: null },
      };
      const outcome = await sendEvent(channel, event, sendContext());
      const status = outcome.result === 'delivered' ? 'delivered' : 'failed';
      const error = outcome.result === 'gone' ? `${outcome.error} (a test send does not disable the channel)` : outcome.error;
      await store.recordTestDelivery({ channelId: row.id, eventId: event.id, status, responseStatus: outcome.responseStatus, error, now: now() });
      metrics.notification(row.kind, status);
      return { status, responseStatus: outcome.responseStatus, error };
    },

    async deliveries(orgId, id, limit) {
      return (await ownChannel(orgId, id)) ? store.listDeliveries(id, limit) : null;
    },

    claim: (owner, limit, leaseMs, perChannel) => {
      const at = now();
      return store.claimDueDeliveries({ now: at, owner, leaseUntil: new Date(at.getTime() + leaseMs), limit, ...(perChannel ? { perChannel } : {}) });
    },

    async deliver(claimed, owner) {
      const row = await store.channelById(claimed.channelId);
      if (!row) return; // deleted meanwhile (its deliveries went with it)
      const event = await store.deliveryEvent(claimed.eventId, row.orgId);
      if (!event) {
        await record(claimed, owner, row.kind, row.orgId, { result: 'failed', responseStatus: null, error: 'The event is no longer stored.' });
        return;
      }
      let channel: ReturnType<typeof openChannel>;
      try {
        channel = openChannel(box, row);
      } catch {
        // No later attempt opens it either: the key it was sealed with is not this server's.
        await record(claimed, owner, row.kind, row.orgId, { result: 'failed', responseStatus: null, error: 'The channel target cannot be decrypted (SECRET_KEY changed?); delete the channel and add it again.' });
        return;
      }
      await record(claimed, owner, row.kind, row.orgId, await sendEvent(channel, event, sendContext()));
    },

    nextDueAt: () => store.nextDeliveryDueAt(),
  };
}
