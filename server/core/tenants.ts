/**
 * What an org may read: its visible tenants, their health and issues. Every read goes through the
 * org-visibility rule (a tenant is visible while the org holds an authorization for it).
 *
 * The hot path reads from the read model (`read-model.ts`): the org's authorizations, each
 * tenant's last sync and health are kept in memory and replaced when the data changes, and the
 * health answer is kept serialised with its ETag, so a dashboard refresh builds nothing.
 */
import { hash } from 'node:crypto';
import type { AuthorizationStatus } from '../db/schema.js';
import { isStale } from '../freshness.js';
import type { Store } from '../store/index.js';
import {
  bestOf,
  healthOf,
  resolveAmong,
  visibleFrom,
  type AuthorizationRef,
  type IssueDetail,
  type IssueQuery,
  type IssueSummary,
  type TenantHealth,
  type VisibleTenant,
} from '../store/tenants.js';
import type { HealthResponse, IssuesResponse, TenantsResponse } from '../../widgets/api/types.js';
import type { ReadModel } from './read-model.js';

export type { IssueDetail, IssueQuery, IssueSummary, TenantHealth, VisibleTenant } from '../store/tenants.js';

/** A tenant as the org named it: the path parameter resolved through visibility. */
export interface TenantRef {
  tenantId: string;
  label: string;
  status: AuthorizationStatus;
}

/** A ready answer: the exact bytes and their ETag (as Hono's etag middleware computes it). */
export interface PreparedBody {
  body: string;
  /** `body` as UTF-8, encoded once (the socket takes it as is). */
  bytes: Uint8Array;
  /** `bytes.byteLength`, as the header value. */
  contentLength: string;
  etag: string;
}

/**
 * The `peek…` functions answer from the read model only, at once, and return undefined when it
 * does not hold the answer (the hot path then leaves the request to the app, whose awaited reads
 * fill the model); every other read is asynchronous and goes to the store on a miss.
 */
export interface TenantsCore {
  /** Every tenant the org may see, ordered by label. */
  visible(orgId: string): Promise<VisibleTenant[]>;
  /** The org's best authorization of each tenant it may see, by tenant id (from memory once read). */
  authorizationsByTenant(orgId: string): Promise<Map<string, AuthorizationRef>>;
  /** A tenant id or one of the org's labels; null when nothing visible matches. */
  resolve(orgId: string, ref: string): Promise<TenantRef | null>;
  /** {@link resolve} from memory; undefined when the org's authorizations are not in memory. */
  peekResolve(orgId: string, ref: string): TenantRef | null | undefined;
  /** Services with their active issues, as of the last sync. */
  health(tenantId: string): Promise<TenantHealth>;
  /** The health answer of `ref` for this org, serialised, with its ETag; null when not visible. */
  healthBody(orgId: string, ref: string): Promise<PreparedBody | null>;
  /** {@link healthBody} from memory; undefined when not all of it is there (or the tenant is not visible). */
  peekHealthBody(orgId: string, ref: string): PreparedBody | undefined;
  /** The `GET /api/tenants` answer for this org (its serialised form is kept for {@link peekTenantsBody}). */
  list(orgId: string): Promise<TenantsResponse>;
  /** The same, serialised, with its ETag (kept until a tenant's data changes or turns stale). */
  tenantsBody(orgId: string): Promise<PreparedBody>;
  /** {@link tenantsBody} from memory; undefined when it is not there or no longer valid. */
  peekTenantsBody(orgId: string): PreparedBody | undefined;
  issues(tenantId: string, query: IssueQuery): Promise<{ issues: IssueSummary[]; nextCursor: string | null; syncedAt: Date | null }>;
  /** One page of issues as the API answers it (its serialised form is kept for {@link peekIssuesBody}). */
  issuesPage(tenantId: string, query: IssueQuery): Promise<IssuesResponse>;
  /** The same, serialised, with its ETag (kept until the tenant's next sync or the data turns stale). */
  issuesBody(tenantId: string, query: IssueQuery): Promise<PreparedBody>;
  /** {@link issuesBody} from memory; undefined when it is not there. */
  peekIssuesBody(tenantId: string, query: IssueQuery): PreparedBody | undefined;
  issue(tenantId: string, issueId: string): Promise<IssueDetail | null>;
  /** True when `syncedAt` is older than two poll intervals (or null). */
  isStale(syncedAt: Date | null): boolean;
}

/** The ETag Hono's `etag()` middleware gives a body: the quoted SHA-1 hex of its bytes. */
export function bodyEtag(body: string): string {
  return `"${hash('sha1', body, 'hex')}"`;
}

/** A body ready for the socket: encoded once, with its length and ETag. */
export function prepareBody(body: string): PreparedBody {
  const bytes = Buffer.from(body, 'utf8');
  return { body, bytes, contentLength: String(bytes.byteLength), etag: bodyEtag(body) };
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function createTenantsCore(deps: { store: Store; now: () => Date; pollIntervalMs: number; model: ReadModel }): TenantsCore {
  const { store, now, pollIntervalMs, model } = deps;
  const refsByOrg = model.cache<string, AuthorizationRef[]>(['authorizations']);
  const lastSyncByTenant = model.cache<string, Date | null>(['tenants']);
  const healthByTenant = model.cache<string, TenantHealth>(['tenants']);
  const bodiesByTenant = model.cache<string, Map<string, PreparedBody>>(['tenants']);
  const listsByOrg = model.cache<string, { prepared: PreparedBody; validUntil: number; response: TenantsResponse }>(['authorizations', 'anyTenant']);
  const stale = (syncedAt: Date | null) => isStale(syncedAt, now(), pollIntervalMs);

  const refsOf = async (orgId: string): Promise<AuthorizationRef[]> => {
    model.checkExternalWrites();
    return refsByOrg.get(orgId) ?? model.load(refsByOrg, orgId, () => store.orgAuthorizationRefs(orgId));
  };
  const peekResolve = (orgId: string, ref: string): TenantRef | null | undefined => {
    model.checkExternalWrites();
    const refs = refsByOrg.get(orgId);
    return refs ? resolveAmong(refs, ref) : undefined;
  };
  const resolve = async (orgId: string, ref: string) => resolveAmong(await refsOf(orgId), ref);
  const lastSyncAt = async (tenantId: string): Promise<Date | null> => {
    if (lastSyncByTenant.has(tenantId)) return lastSyncByTenant.get(tenantId)!;
    return model.load(lastSyncByTenant, tenantId, () => store.tenantLastSyncAt(tenantId));
  };
  const health = async (tenantId: string): Promise<TenantHealth> => {
    model.checkExternalWrites();
    return (
      healthByTenant.get(tenantId) ??
      model.load(healthByTenant, tenantId, async () => {
        const [services, active, syncedAt] = await Promise.all([store.tenantServices(tenantId), store.tenantActiveIssues(tenantId), lastSyncAt(tenantId)]);
        return healthOf(services, active, syncedAt);
      })
    );
  };
  /** The kept body of `variant` for a tenant, made by `make` when missing. */
  const bodyOf = (tenantId: string, variant: string, make: () => string): PreparedBody => {
    let bodies = bodiesByTenant.get(tenantId);
    if (!bodies) bodiesByTenant.set(tenantId, (bodies = new Map()));
    let prepared = bodies.get(variant);
    if (!prepared) {
      prepared = prepareBody(make());
      if (bodies.size >= 64) bodies.clear();
      bodies.set(variant, prepared);
    }
    return prepared;
  };
  const healthBodyOf = (tenant: TenantRef, current: TenantHealth): PreparedBody => {
    const isStaleNow = stale(current.syncedAt);
    // Everything that shapes the bytes: the org's label and status, and staleness (the sync
    // time is the tenant's entry itself, replaced by the next sync).
    const variant = `${tenant.status}\u0000${isStaleNow ? 1 : 0}\u0000${tenant.label}`;
    return bodyOf(tenant.tenantId, variant, () =>
      JSON.stringify({
        tenantId: tenant.tenantId,
        label: tenant.label,
        authorizationStatus: tenant.status,
        syncedAt: current.syncedAt ? current.syncedAt.toISOString() : null,
        stale: isStaleNow,
        services: current.services,
      } satisfies HealthResponse),
    );
  };

  const visible = async (orgId: string) => {
    const best = bestOf(await refsOf(orgId));
    if (best.size === 0) return [];
    return visibleFrom(best, await store.tenantListRows([...best.keys()]));
  };
  const issues = async (tenantId: string, query: IssueQuery) => {
    const [page, syncedAt] = await Promise.all([store.listIssues(tenantId, query), lastSyncAt(tenantId)]);
    return { ...page, syncedAt };
  };
  const issuesVariant = (syncedAt: Date | null, query: IssueQuery) => `issues\u0000${stale(syncedAt) ? 1 : 0}\u0000${JSON.stringify(query)}`;
  /** A page of issues, kept serialised for {@link TenantsCore.peekIssuesBody} unless a change overtook the read. */
  const issuesPage = async (tenantId: string, query: IssueQuery): Promise<IssuesResponse> => {
    model.checkExternalWrites();
    const stamp = model.stamp();
    const page = await issues(tenantId, query);
    const response: IssuesResponse = { tenantId, syncedAt: iso(page.syncedAt), stale: stale(page.syncedAt), issues: page.issues, nextCursor: page.nextCursor };
    if (model.unchanged(stamp)) bodyOf(tenantId, issuesVariant(page.syncedAt, query), () => JSON.stringify(response));
    return response;
  };
  const peekIssuesBody = (tenantId: string, query: IssueQuery): PreparedBody | undefined => {
    model.checkExternalWrites();
    if (!lastSyncByTenant.has(tenantId)) return undefined;
    return bodiesByTenant.get(tenantId)?.get(issuesVariant(lastSyncByTenant.get(tenantId)!, query));
  };
  const listOf = (list: VisibleTenant[]): TenantsResponse => ({
    tenants: list.map((t) => ({
      tenantId: t.tenantId,
      label: t.label,
      displayName: t.displayName,
      status: t.status,
      lastSyncAt: iso(t.lastSyncAt),
      stale: stale(t.lastSyncAt),
      lastSyncError: t.lastSyncError,
      nextSyncAt: iso(t.nextSyncAt),
    })),
  });
  const peekTenantsBody = (orgId: string): PreparedBody | undefined => {
    model.checkExternalWrites();
    const cached = listsByOrg.get(orgId);
    return cached && now().getTime() < cached.validUntil ? cached.prepared : undefined;
  };
  /** The org's list, answered and kept serialised (good until the first tenant whose data turns stale). */
  const listed = async (orgId: string): Promise<{ response: TenantsResponse; prepared: PreparedBody }> => {
    const entry = await model.load(listsByOrg, orgId, async () => {
      const list = await visible(orgId);
      const response = listOf(list);
      const at = now().getTime();
      const flips = list.map((t) => (t.lastSyncAt ? t.lastSyncAt.getTime() + 2 * pollIntervalMs : Infinity)).filter((t) => t >= at);
      return { prepared: prepareBody(JSON.stringify(response)), validUntil: flips.length ? Math.min(...flips) : Infinity, response };
    });
    return { response: entry.response, prepared: entry.prepared };
  };
  return {
    visible,
    authorizationsByTenant: async (orgId) => bestOf(await refsOf(orgId)),
    list: async (orgId) => (await listed(orgId)).response,
    async tenantsBody(orgId) {
      return peekTenantsBody(orgId) ?? (await listed(orgId)).prepared;
    },
    peekTenantsBody,
    resolve,
    peekResolve,
    health,
    async healthBody(orgId, ref) {
      const tenant = await resolve(orgId, ref);
      if (!tenant) return null;
      return healthBodyOf(tenant, await health(tenant.tenantId));
    },
    peekHealthBody(orgId, ref) {
      const tenant = peekResolve(orgId, ref);
      if (!tenant) return undefined;
      const current = healthByTenant.get(tenant.tenantId);
      return current ? healthBodyOf(tenant, current) : undefined;
    },
    issues,
    issuesPage,
    async issuesBody(tenantId, query) {
      const known = peekIssuesBody(tenantId, query);
      if (known) return known;
      const page = await issuesPage(tenantId, query);
      return prepareBody(JSON.stringify(page));
    },
    peekIssuesBody,
    issue: (tenantId, issueId) => store.getIssue(tenantId, issueId),
    isStale: stale,
  };
}
