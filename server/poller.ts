/**
 * Polls Graph's service communications API for every authorized tenant on a croner schedule.
 *
 * Each cycle picks the tenants that are due (their stored `nextPollAt` has passed and at least one
 * authorization is active), syncs them with a concurrency limit, and stores the next due time, so
 * a restart neither stampedes nor forgets. A quiet cycle costs two Graph requests per tenant:
 * `healthOverviews?$expand=issues` and `issues?$filter=lastModifiedDateTime ge <watermark>`;
 * a full issue resync happens now and then. Failures back off per tenant. An authorization whose
 * grant is gone becomes `reauth_required` and the next active one of the tenant is tried.
 */
import { Cron } from 'croner';
import { and, asc, eq, exists, lte } from 'drizzle-orm';
import type { Db } from './db/index.js';
import { authorizations, tenants } from './db/schema.js';
import type { SecretBox } from './crypto.js';
import type { IssueRecord } from './domain.js';
import { GraphClient, GraphError, type GraphClientOptions } from './microsoft/graph.js';
import { TokenError, type IdentityClient } from './microsoft/identity.js';
import { applySync } from './store/sync.js';
import {
  activeAuthorizationsForTenant,
  getAuthorization,
  recordAuthorizationSuccess,
  setAuthorizationStatus,
  tokenCacheStore,
} from './tenancy.js';

export interface PollerOptions {
  db: Db;
  box: SecretBox;
  identity: IdentityClient;
  graphUrl: string;
  cron: string;
  now?: () => Date;
  log?: (line: string) => void;
  /** Tenants synced at once. */
  concurrency?: number;
  /** A full (unfiltered) issue resync at least this often. */
  fullSyncEveryMs?: number;
  /** Longest backoff after repeated failures. */
  maxBackoffMs?: number;
  /** Passed to every {@link GraphClient} (timeouts, retries; tests shorten them). */
  graph?: Partial<Omit<GraphClientOptions, 'baseUrl' | 'getToken' | 'signal'>>;
}

export type SyncOutcome =
  | { status: 'ok'; tenantId: string; requests: number; issues: number; full: boolean }
  | { status: 'failed'; tenantId: string; error: string }
  | { status: 'no-authorization'; tenantId: string };

/** Re-read issues modified slightly before the watermark, in case Graph stamps late writes early. */
const WATERMARK_OVERLAP_MS = 60_000;

export class Poller {
  readonly #o: Required<Omit<PollerOptions, 'graph'>> & { graph: PollerOptions['graph'] };
  readonly #inFlight = new Map<string, Promise<SyncOutcome>>();
  #job: Cron | null = null;
  #abort = new AbortController();
  #stopped = false;

  constructor(options: PollerOptions) {
    this.#o = {
      now: () => new Date(),
      log: (line) => console.log(line),
      concurrency: 8,
      fullSyncEveryMs: 6 * 3600_000,
      maxBackoffMs: 30 * 60_000,
      ...options,
      graph: options.graph,
    };
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
      async () => {
        await this.runCycle();
      },
    );
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
    this.#abort.abort(new Error('shutting down'));
    await Promise.allSettled([...this.#inFlight.values()]);
    this.#abort = new AbortController();
  }

  /** Runs one cycle now over every due tenant; resolves when all are done. */
  async runCycle(): Promise<SyncOutcome[]> {
    const now = this.#o.now();
    const due = this.#o.db
      .select({ tenantId: tenants.tenantId })
      .from(tenants)
      .where(
        and(
          lte(tenants.nextPollAt, now),
          exists(
            this.#o.db
              .select({ one: authorizations.id })
              .from(authorizations)
              .where(and(eq(authorizations.tenantId, tenants.tenantId), eq(authorizations.status, 'active'))),
          ),
        ),
      )
      .orderBy(asc(tenants.nextPollAt))
      .all()
      .map((r) => r.tenantId);
    const outcomes: SyncOutcome[] = [];
    let next = 0;
    const worker = async () => {
      while (next < due.length && !this.#stopped) {
        const tenantId = due[next++]!;
        outcomes.push(await this.syncNow(tenantId));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#o.concurrency, due.length) }, worker));
    const failed = outcomes.filter((o) => o.status !== 'ok').length;
    if (due.length) this.#o.log(`poll cycle: ${due.length} tenant(s), ${due.length - failed} synced, ${failed} not`);
    return outcomes;
  }

  /** Syncs one tenant now (the first sync after an authorization); joins a sync already running. */
  syncNow(tenantId: string): Promise<SyncOutcome> {
    const running = this.#inFlight.get(tenantId);
    if (running) return running;
    const p = this.#sync(tenantId)
      .catch((err: Error): SyncOutcome => ({ status: 'failed', tenantId, error: err.message }))
      .finally(() => this.#inFlight.delete(tenantId));
    this.#inFlight.set(tenantId, p);
    return p;
  }

  async #sync(tenantId: string): Promise<SyncOutcome> {
    const { db, box, identity } = this.#o;
    const tenant = db.select().from(tenants).where(eq(tenants.tenantId, tenantId)).get();
    if (!tenant) return { status: 'no-authorization', tenantId };
    const candidates = activeAuthorizationsForTenant(db, tenantId);
    for (const auth of candidates) {
      if (this.#stopped) break;
      const store = tokenCacheStore(db, box, auth.id, this.#o.now);
      const client = new GraphClient({
        ...this.#o.graph,
        baseUrl: this.#o.graphUrl,
        signal: this.#abort.signal,
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
        if (this.#stopped) break;
        // The authorization may have been deleted while Graph answered (and with the last one the
        // tenant purged): then nothing may be written back. No await between here and the write.
        if (!getAuthorization(db, auth.id)) continue;
        const issues = mergeIssues(overview.issues, changed);
        const now = this.#o.now();
        applySync(db, tenantId, { services: overview.services, issues, fullIssueSync: full, organization }, now);
        recordAuthorizationSuccess(db, auth.id, now);
        db.update(tenants).set({ nextPollAt: this.nextRun(now) }).where(eq(tenants.tenantId, tenantId)).run();
        return { status: 'ok', tenantId, requests: client.stats.requests, issues: issues.length, full };
      } catch (err) {
        if (this.#stopped) break;
        if ((err instanceof TokenError && err.kind === 'reauth') || (err instanceof GraphError && err.authFailure)) {
          const reason =
            err instanceof TokenError
              ? err.message
              : `Microsoft Graph refused access (${err.status}${err.code ? ` ${err.code}` : ''}); the consent may have been removed in Microsoft Entra. Authorize again.`;
          setAuthorizationStatus(db, auth.id, 'reauth_required', reason, this.#o.now());
          this.#o.log(`tenant ${tenantId}: authorization ${auth.id} needs re-authorization: ${reason}`);
          continue;
        }
        return this.#recordFailure(tenantId, tenant.consecutiveFailures, (err as Error).message);
      }
    }
    if (this.#stopped) return { status: 'failed', tenantId, error: 'stopped' };
    const reason = 'No active authorization can read this tenant; an administrator must authorize it again.';
    db.update(tenants).set({ lastError: reason, nextPollAt: this.nextRun(this.#o.now()) }).where(eq(tenants.tenantId, tenantId)).run();
    return { status: 'no-authorization', tenantId };
  }

  #recordFailure(tenantId: string, failuresBefore: number, message: string): SyncOutcome {
    const now = this.#o.now();
    const failures = failuresBefore + 1;
    // Exponential backoff with jitter, never earlier than the next scheduled tick.
    const backoff = Math.min(this.#o.maxBackoffMs, 30_000 * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
    const next = new Date(Math.max(this.nextRun(now).getTime(), now.getTime() + backoff));
    this.#o.db
      .update(tenants)
      .set({ consecutiveFailures: failures, lastError: message, nextPollAt: next })
      .where(eq(tenants.tenantId, tenantId))
      .run();
    this.#o.log(`tenant ${tenantId}: sync failed (${failures} in a row), next try ${next.toISOString()}: ${message}`);
    return { status: 'failed', tenantId, error: message };
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
