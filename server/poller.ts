/**
 * Polls Graph's service communications API for every authorized tenant on a croner schedule.
 *
 * Each cycle picks the tenants that are due (their stored `nextPollAt` has passed and at least one
 * authorization is active) and not already syncing, syncs them with a concurrency limit shared by
 * all cycles, and stores the next due time, so a restart neither stampedes nor forgets. Ticks do
 * not wait for the slowest sync; a tenant that Graph throttles (`Retry-After`) or that keeps
 * failing simply becomes due later, and a timer wakes the poller when that is before the next tick.
 * Failures back off per tenant. An authorization whose grant is gone becomes `reauth_required` and
 * the next active one of the tenant is tried.
 *
 * Graph requests per tenant and sync:
 * - every sync: `healthOverviews?$expand=issues` and `issues?$filter=lastModifiedDateTime ge
 *   <watermark − 1 min>` (no filter on a full issue resync, every `fullSyncEveryMs`);
 * - Message center posts (`messages`) on the first sync and then at most every `messagesEveryMs`
 *   (30 min): `$filter=lastModifiedDateTime ge <messages watermark − 1 min>`, or unfiltered (full,
 *   so posts Microsoft dropped are marked) with the full issue resync's cadence;
 * - `/organization` until the tenant's display name is known.
 * So a quiet cycle costs two requests per tenant, and three in the cycles where posts are due
 * (one in six with a five-minute schedule). Every collection is read across all its pages.
 *
 * A Message center read that fails never fails the health sync: the health data is written, the
 * posts already stored stay, the failure is logged, and since `lastMessagesSyncAt` did not move the
 * posts are due again in the next cycle. Two failures are not "of the messages" and take the paths
 * every Graph request takes: a throttle (`Retry-After` beyond what the client waits in place) makes
 * the whole tenant wait, since Graph throttles the app in the tenant and any further request would
 * be refused too (the health read of that sync is redone after the wait); and an auth failure (401
 * after a token refresh, 403) marks the authorization as needing re-authorization — the consent the
 * product asks for includes `ServiceMessage.Read.All`, so losing it means the grant changed in
 * Microsoft Entra, which an admin must see.
 */
import { Cron } from 'croner';
import type { SyncCore, TenantSyncRow } from './core/sync.js';
import type { SyncMetrics } from './metrics.js';
import type { IssueRecord, MessageRecord } from './domain.js';
import { GraphClient, GraphError, GraphThrottledError, type GraphClientOptions } from './microsoft/graph.js';
import { TokenError, type IdentityClient } from './microsoft/identity.js';
export interface PollerOptions {
  /** The sync operations of the core (due tenants, candidates, recording results). */
  sync: SyncCore;
  identity: IdentityClient;
  graphUrl: string;
  cron: string;
  now?: () => Date;
  log?: (line: string) => void;
  /** Tenants synced at once (across cycles: a slow sync holds one slot, never the schedule). */
  concurrency?: number;
  /** A full (unfiltered) issue resync at least this often; also the cadence of full Message center reads. */
  fullSyncEveryMs?: number;
  /** Message center posts are read at most this often (default 30 min), and on a tenant's first sync. */
  messagesEveryMs?: number;
  /** Longest backoff after repeated failures. */
  maxBackoffMs?: number;
  /** Longest wait honoured when Graph answers `Retry-After` (longer requests are cut to this). */
  maxRetryAfterMs?: number;
  /** Jitter source of the failure backoff, in [0, 1) (tests pass a seeded one). */
  random?: () => number;
  /** Counts Graph answers by status and times each sync (`/metrics`). */
  metrics?: SyncMetrics;
  /** Passed to every {@link GraphClient} (timeouts, retries; tests shorten them). */
  graph?: Partial<Omit<GraphClientOptions, 'baseUrl' | 'getToken' | 'signal'>>;
}

export type SyncOutcome =
  | {
      status: 'ok';
      tenantId: string;
      requests: number;
      issues: number;
      full: boolean;
      /** What happened to the Message center posts in this sync: read (how many, full or not), not due, or failed. */
      messages: { read: number; full: boolean } | 'not-due' | { error: string };
    }
  | { status: 'failed'; tenantId: string; error: string; nextAttemptAt?: Date }
  | { status: 'throttled'; tenantId: string; error: string; nextAttemptAt: Date }
  | { status: 'no-authorization'; tenantId: string };

/** Re-read issues modified slightly before the watermark, in case Graph stamps late writes early. */
const WATERMARK_OVERLAP_MS = 60_000;

/** Default for {@link PollerOptions.messagesEveryMs}: Message center posts change slowly. */
export const MESSAGES_EVERY_MS = 30 * 60_000;

/** Default cap on an honoured `Retry-After` (README, "Polling"). */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

/** First backoff step after a failure; it doubles with each failure in a row. */
export const BACKOFF_BASE_MS = 30_000;

/**
 * The backoff after `failures` failures in a row: 30 s · 2^(failures − 1), capped at `maxMs`,
 * times a jitter factor in [0.5, 1) drawn from `random`.
 */
export function failureBackoffMs(failures: number, maxMs: number, random: () => number): number {
  return Math.min(maxMs, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1)) * (0.5 + random() / 2);
}

/** A counting semaphore: at most `size` holders at once, waiters served in order. */
class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];
  constructor(size: number) {
    this.#free = Math.max(1, size);
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

export class Poller {
  readonly #o: Required<Omit<PollerOptions, 'graph'>> & { graph: PollerOptions['graph'] };
  readonly #inFlight = new Map<string, Promise<SyncOutcome>>();
  readonly #slots: Slots;
  #job: Cron | null = null;
  #wake: NodeJS.Timeout | null = null;
  #abort = new AbortController();
  #stopped = false;

  constructor(options: PollerOptions) {
    this.#o = {
      now: () => new Date(),
      log: (line) => console.log(line),
      concurrency: 8,
      fullSyncEveryMs: 6 * 3600_000,
      messagesEveryMs: MESSAGES_EVERY_MS,
      maxBackoffMs: 30 * 60_000,
      maxRetryAfterMs: MAX_RETRY_AFTER_MS,
      random: Math.random,
      metrics: { graphResponse: () => {}, syncFinished: () => {} },
      ...options,
      graph: options.graph,
    };
    this.#slots = new Slots(this.#o.concurrency);
  }

  /** Starts the schedule. */
  start(): void {
    if (this.#job) return;
    this.#stopped = false;
    this.#job = new Cron(
      this.#o.cron,
      {
        name: 'o365-health-poll',
        protect: true,
        catch: (err) => this.#o.log(`poll cycle failed: ${(err as Error).message}`),
      },
      () => {
        // Not awaited: a tick only starts the due syncs. A slow or throttled tenant holds its own
        // slot, never the next tick (tenants still in flight are skipped by the next cycle).
        void this.runCycle().catch((err: Error) => this.#o.log(`poll cycle failed: ${err.message}`));
      },
    );
    this.#scheduleWake();
  }

  /** The next time the schedule fires after `from`. */
  nextRun(from: Date): Date {
    const next = new Cron(this.#o.cron, { paused: true }).nextRun(from);
    return next ?? new Date(from.getTime() + 5 * 60_000);
  }

  /** Stops the schedule, aborts requests in flight and waits for running syncs to settle. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#job?.stop();
    this.#job = null;
    if (this.#wake) clearTimeout(this.#wake);
    this.#wake = null;
    this.#abort.abort(new Error('shutting down'));
    await Promise.allSettled([...this.#inFlight.values()]);
    this.#abort = new AbortController();
  }

  /**
   * Syncs the due tenants this instance can claim, at most `concurrency` at once (shared with
   * syncs still running from earlier cycles), and resolves with their outcomes. Tenants are
   * claimed one at a time as sync slots free up, each with a lease in the database, so instances
   * sharing a database divide a cycle between them by how fast each works, and no tenant is
   * synced by two at once (docs/scale-out.md §2). Syncs already running here when the cycle
   * starts (a first sync, a slow one from an earlier tick) are joined, not started twice; the
   * schedule itself never waits for a cycle (the cron tick does not await this).
   */
  async runCycle(): Promise<SyncOutcome[]> {
    if (this.#stopped) return [];
    const joined = [...this.#inFlight.values()];
    const outcomes: SyncOutcome[] = [];
    let exhausted = false;
    const worker = async () => {
      while (!exhausted && !this.#stopped) {
        const outcome = await this.#slots.run(async () => {
          if (exhausted || this.#stopped) return null;
          const [tenantId] = await this.#o.sync.claim(this.#o.now(), 1);
          if (tenantId === undefined) {
            exhausted = true;
            return null;
          }
          // This instance's own lease lapsed while its sync still runs: that sync goes on.
          return this.#inFlight.get(tenantId) ?? this.#track(tenantId, () => this.#sync(tenantId));
        });
        if (outcome) outcomes.push(outcome);
      }
    };
    await Promise.all(Array.from({ length: this.#o.concurrency }, worker));
    for (const outcome of await Promise.all(joined)) if (!outcomes.some((o) => o.tenantId === outcome.tenantId)) outcomes.push(outcome);
    const failed = outcomes.filter((o) => o.status !== 'ok').length;
    if (outcomes.length) this.#o.log(`poll cycle: ${outcomes.length} tenant(s), ${outcomes.length - failed} synced, ${failed} not`);
    return outcomes;
  }

  /**
   * Syncs one tenant now (the first sync after an authorization); joins a sync already running.
   * It claims the tenant's lease like a cycle does: while another instance syncs the tenant, or
   * Graph asked to wait, nothing is sent to Graph.
   */
  syncNow(tenantId: string): Promise<SyncOutcome> {
    return (
      this.#inFlight.get(tenantId) ??
      this.#track(tenantId, async () => {
        if (await this.#o.sync.claimOne(tenantId)) return this.#sync(tenantId);
        const tenant = await this.#o.sync.tenant(tenantId);
        if (!tenant) return { status: 'no-authorization', tenantId };
        const now = this.#o.now();
        if (tenant.throttledUntil && tenant.throttledUntil > now) {
          return { status: 'throttled', tenantId, error: tenant.lastError ?? 'Microsoft Graph asked to wait', nextAttemptAt: tenant.throttledUntil };
        }
        return { status: 'failed', tenantId, error: `another instance (${tenant.leaseOwner ?? 'unknown'}) is syncing this tenant` };
      })
    );
  }

  #track(tenantId: string, work: () => Promise<SyncOutcome>): Promise<SyncOutcome> {
    const p = work()
      .catch((err: Error): SyncOutcome => ({ status: 'failed', tenantId, error: err.message }))
      .finally(() => this.#inFlight.delete(tenantId))
      .then((outcome) => {
        // Only a throttled tenant can become due before the next tick (a backoff never does).
        if (outcome.status === 'throttled') this.#scheduleWake();
        return outcome;
      });
    this.#inFlight.set(tenantId, p);
    return p;
  }

  /**
   * Per-tenant schedule between ticks: when a tenant becomes due before the next tick (Graph's
   * `Retry-After`, or a wait left over from before a restart), a timer runs a cycle at that moment.
   */
  #scheduleWake(): void {
    if (!this.#job || this.#stopped) return;
    if (this.#wake) clearTimeout(this.#wake);
    this.#wake = null;
    void this.#o.sync.earliestDue().then(
      (earliest) => this.#wakeAt(earliest),
      () => {}, // the database is closing or unreadable; the next tick tries again
    );
  }

  #wakeAt(earliest: Date | null): void {
    if (!earliest || !this.#job || this.#stopped) return;
    // A later call replaced the timer while the store answered: the newest read wins.
    if (this.#wake) clearTimeout(this.#wake);
    const now = this.#o.now();
    const tick = this.#job.nextRun(now);
    if (tick && earliest.getTime() >= tick.getTime()) return;
    const delay = Math.max(0, earliest.getTime() - now.getTime());
    this.#wake = setTimeout(() => {
      this.#wake = null;
      void this.runCycle().catch((err: Error) => this.#o.log(`poll cycle failed: ${err.message}`));
    }, Math.min(delay, 2 ** 31 - 1));
    this.#wake.unref();
  }

  /** {@link #syncOnce}, timed for the metrics. */
  async #sync(tenantId: string): Promise<SyncOutcome> {
    const started = performance.now();
    let outcome: SyncOutcome | undefined;
    // The lease is renewed while the sync runs (a slow Graph, retries), a third of it at a time.
    const renewal = setInterval(
      () => void this.#o.sync.renew(tenantId).catch(() => {}), // a failed renewal shows at the write, which checks the lease
      Math.max(1000, Math.floor(this.#o.sync.leaseMs / 3)),
    );
    renewal.unref();
    try {
      return (outcome = await this.#syncOnce(tenantId));
    } finally {
      clearInterval(renewal);
      // A sync that wrote released the lease in its transaction; any other ending gives it up here,
      // so another instance can take the tenant at once (a shutdown during a rolling upgrade).
      await this.#o.sync.release(tenantId).catch(() => {});
      this.#o.metrics.syncFinished((performance.now() - started) / 1000, outcome?.status ?? 'failed');
    }
  }

  async #syncOnce(tenantId: string): Promise<SyncOutcome> {
    const { sync, identity } = this.#o;
    const tenant = await sync.tenant(tenantId);
    if (!tenant) return { status: 'no-authorization', tenantId };
    for (const auth of await sync.candidates(tenantId)) {
      if (this.#stopped) break;
      const store = sync.tokenStore(auth.id);
      const client = new GraphClient({
        ...this.#o.graph,
        baseUrl: this.#o.graphUrl,
        signal: this.#abort.signal,
        onResponse: (status) => this.#o.metrics.graphResponse(status),
        getToken: (forceRefresh) => identity.accessToken({ tenantId, homeAccountId: auth.homeAccountId ?? '', forceRefresh }, store),
      });
      const startedAt = this.#o.now();
      try {
        const full =
          !tenant.issuesWatermark || !tenant.lastFullSyncAt || startedAt.getTime() - tenant.lastFullSyncAt.getTime() >= this.#o.fullSyncEveryMs;
        const overview = await client.healthOverviews();
        const since = full ? null : new Date(Date.parse(tenant.issuesWatermark!) - WATERMARK_OVERLAP_MS).toISOString();
        const changed = await client.issues(since);
        const organization = tenant.displayName ? undefined : ((await client.organization().catch(() => null)) ?? undefined);
        const posts = await this.#readMessages(client, tenant, startedAt);
        if (this.#stopped) break;
        const issues = mergeIssues(overview.issues, changed);
        // Nothing is written when the authorization was deleted while Graph answered (and with
        // the last one the tenant purged): the core checks it inside the write's transaction.
        const written = await sync.apply({
          tenantId,
          authorizationId: auth.id,
          snapshot: {
            services: overview.services,
            issues,
            fullIssueSync: full,
            organization,
            ...(posts.snapshot ? { messages: posts.snapshot } : {}),
          },
          nextPollAt: this.nextRun(this.#o.now()),
        });
        if (written === 'lease-lost') {
          // This instance was paused beyond its lease and another one has the tenant now: its sync counts.
          this.#o.log(`tenant ${tenantId}: lease lost to another instance during the sync; nothing written`);
          return { status: 'failed', tenantId, error: 'the lease passed to another instance during the sync; nothing was written' };
        }
        if (!written) continue;
        return { status: 'ok', tenantId, requests: client.stats.requests, issues: issues.length, full, messages: posts.outcome };
      } catch (err) {
        if (this.#stopped) break;
        if ((err instanceof TokenError && err.kind === 'reauth') || (err instanceof GraphError && err.authFailure)) {
          const reason =
            err instanceof TokenError
              ? err.message
              : `Microsoft Graph refused access (${err.status}${err.code ? ` ${err.code}` : ''}); the consent may have been removed in Microsoft Entra. Authorize again.`;
          await sync.requireReauthorization(auth.id, reason);
          this.#o.log(`tenant ${tenantId}: authorization ${auth.id} needs re-authorization: ${reason}`);
          continue;
        }
        if (err instanceof GraphThrottledError) return await this.#recordThrottle(tenantId, err);
        return await this.#recordFailure(tenantId, tenant.consecutiveFailures, (err as Error).message);
      }
    }
    if (this.#stopped) return { status: 'failed', tenantId, error: 'stopped' };
    if (!(await sync.tenant(tenantId))) return { status: 'no-authorization', tenantId };
    const reason = 'No active authorization can read this tenant; an administrator must authorize it again.';
    await sync.recordAttempt(tenantId, { lastError: reason, nextPollAt: this.nextRun(this.#o.now()) });
    return { status: 'no-authorization', tenantId };
  }

  /**
   * Reads the tenant's Message center posts when they are due (see the module comment): on the
   * tenant's first read, then every `messagesEveryMs`, unfiltered every `fullSyncEveryMs`.
   * Throttling and auth failures are thrown to the sync's own handling; any other failure is
   * logged and leaves the posts for the next cycle.
   */
  async #readMessages(
    client: GraphClient,
    tenant: TenantSyncRow,
    at: Date,
  ): Promise<{ snapshot?: { items: MessageRecord[]; full: boolean }; outcome: Extract<SyncOutcome, { status: 'ok' }>['messages'] }> {
    const last = tenant.lastMessagesSyncAt;
    const fullDue = !tenant.lastFullMessagesSyncAt || at.getTime() - tenant.lastFullMessagesSyncAt.getTime() >= this.#o.fullSyncEveryMs;
    const due = fullDue || !last || at.getTime() - last.getTime() >= this.#o.messagesEveryMs;
    if (!due) return { outcome: 'not-due' };
    // No watermark yet (a tenant without posts): an unfiltered read, which is a full one anyway.
    const since = fullDue || !tenant.messagesWatermark ? null : new Date(Date.parse(tenant.messagesWatermark) - WATERMARK_OVERLAP_MS).toISOString();
    const full = since === null;
    try {
      const items = await client.messages(since);
      return { snapshot: { items, full }, outcome: { read: items.length, full } };
    } catch (err) {
      if (this.#stopped || err instanceof GraphThrottledError || err instanceof TokenError || (err instanceof GraphError && err.authFailure)) throw err;
      const message = (err as Error).message;
      this.#o.log(`tenant ${tenant.tenantId}: Message center posts not read (kept as stored, tried again next cycle): ${message}`);
      return { outcome: { error: message } };
    }
  }

  /** Graph asked this tenant to wait: it becomes due then (capped), and nobody else waits. */
  async #recordThrottle(tenantId: string, err: GraphThrottledError): Promise<SyncOutcome> {
    const now = this.#o.now();
    const waitMs = Math.min(err.retryAfterMs, this.#o.maxRetryAfterMs);
    const next = new Date(now.getTime() + waitMs);
    const message = `Microsoft Graph is throttling this tenant (${err.status}) and asked to wait ${Math.ceil(err.retryAfterMs / 1000)} s; the next attempt is at ${next.toISOString()}.`;
    await this.#o.sync.recordAttempt(tenantId, { lastError: message, nextPollAt: next, throttledUntil: next });
    this.#o.log(`tenant ${tenantId}: throttled by Graph, next try ${next.toISOString()}`);
    return { status: 'throttled', tenantId, error: message, nextAttemptAt: next };
  }

  async #recordFailure(tenantId: string, failuresBefore: number, message: string): Promise<SyncOutcome> {
    const now = this.#o.now();
    const failures = failuresBefore + 1;
    // Exponential backoff with jitter, never earlier than the next scheduled tick.
    const backoff = failureBackoffMs(failures, this.#o.maxBackoffMs, this.#o.random);
    const next = new Date(Math.max(this.nextRun(now).getTime(), now.getTime() + backoff));
    await this.#o.sync.recordAttempt(tenantId, { lastError: message, nextPollAt: next, consecutiveFailures: failures });
    this.#o.log(`tenant ${tenantId}: sync failed (${failures} in a row), next try ${next.toISOString()}: ${message}`);
    return { status: 'failed', tenantId, error: message, nextAttemptAt: next };
  }
}

/** Union of issue lists by id; the most recently modified copy wins. */
export function mergeIssues(...lists: IssueRecord[][]): IssueRecord[] {
  const byId = new Map<string, IssueRecord>();
  for (const list of lists) {
    for (const issue of list) {
      const seen = byId.get(issue.id);
      if (!seen || issue.lastModifiedDateTime >= seen.lastModifiedDateTime) byId.set(issue.id, issue);
    }
  }
  return [...byId.values()];
}
