/**
 * What an org may read: its visible tenants, their health and issues. Every read goes through the
 * org-visibility rule (a tenant is visible while the org holds an authorization for it).
 *
 * The hot path reads from the read model (`read-model.ts`): the org's authorizations, each
 * tenant's last sync and health are kept in memory and replaced when the data changes, and the
 * health answer is kept serialised with its ETag, so a dashboard refresh builds nothing.
 */
import { hash } from 'node:crypto';
import type { Db } from '../db/index.js';
import type { AuthorizationStatus } from '../db/schema.js';
import { isStale } from '../freshness.js';
import {
  bestAuthorizations,
  getIssue,
  getTenantHealth,
  listIssues,
  listVisibleTenants,
  prepareTenantReads,
  resolveVisibleTenant,
  tenantLastSyncAt,
  type AuthorizationRef,
  type IssueDetail,
  type IssueQuery,
  type IssueSummary,
  type TenantHealth,
  type TenantReads,
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

export interface TenantsCore {
  /** Every tenant the org may see, ordered by label. */
  visible(orgId: string): VisibleTenant[];
  /** The org's best authorization of each tenant it may see, by tenant id (from memory). */
  authorizationsByTenant(orgId: string): Map<string, AuthorizationRef>;
  /** A tenant id or one of the org's labels; null when nothing visible matches. */
  resolve(orgId: string, ref: string): TenantRef | null;
  /** Services with their active issues, as of the last sync. */
  health(tenantId: string): TenantHealth;
  /** The health answer of `ref` for this org, serialised, with its ETag; null when not visible. */
  healthBody(orgId: string, ref: string): PreparedBody | null;
  /** The `GET /api/tenants` answer for this org. */
  list(orgId: string): TenantsResponse;
  /** The same, serialised, with its ETag (kept until a tenant's data changes or turns stale). */
  tenantsBody(orgId: string): PreparedBody;
  issues(tenantId: string, query: IssueQuery): { issues: IssueSummary[]; nextCursor: string | null; syncedAt: Date | null };
  /** One page of issues as the API answers it. */
  issuesPage(tenantId: string, query: IssueQuery): IssuesResponse;
  /** The same, serialised, with its ETag (kept until the tenant's next sync or the data turns stale). */
  issuesBody(tenantId: string, query: IssueQuery): PreparedBody;
  issue(tenantId: string, issueId: string): IssueDetail | null;
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

export function createTenantsCore(deps: { db: Db; now: () => Date; pollIntervalMs: number; model: ReadModel }): TenantsCore {
  const { db, now, pollIntervalMs, model } = deps;
  const statements = prepareTenantReads(db);
  const refsByOrg = model.cache<string, AuthorizationRef[]>(['authorizations']);
  const lastSyncByTenant = model.cache<string, Date | null>(['tenants']);
  const healthByTenant = model.cache<string, TenantHealth>(['tenants']);
  const bodiesByTenant = model.cache<string, Map<string, PreparedBody>>(['tenants']);
  const listsByOrg = model.cache<string, { prepared: PreparedBody; validUntil: number }>(['authorizations', 'anyTenant']);
  // `tenant` path parameters already resolved for an org (misses too; the map is bounded).
  const resolved = model.cache<string, TenantRef | null>(['authorizations']);
  const resolve = (orgId: string, ref: string): TenantRef | null => {
    model.checkExternalWrites();
    const key = `${orgId}\u0000${ref}`;
    let tenant = resolved.get(key);
    if (tenant === undefined) resolved.set(key, (tenant = resolveVisibleTenant(db, orgId, ref, reads)));
    return tenant;
  };

  // The store's read functions, answered from memory where the model holds the answer.
  const reads: TenantReads = {
    orgAuthorizations: {
      all({ orgId }) {
        model.checkExternalWrites();
        let refs = refsByOrg.get(orgId);
        if (!refs) refsByOrg.set(orgId, (refs = statements.orgAuthorizations.all({ orgId })));
        return refs;
      },
    },
    lastSyncAt: {
      get({ tenantId }) {
        if (!lastSyncByTenant.has(tenantId)) lastSyncByTenant.set(tenantId, statements.lastSyncAt.get({ tenantId })?.lastSyncAt ?? null);
        return { lastSyncAt: lastSyncByTenant.get(tenantId)! };
      },
    },
    services: statements.services,
    activeIssues: statements.activeIssues,
  };

  const health = (tenantId: string): TenantHealth => {
    model.checkExternalWrites();
    let cached = healthByTenant.get(tenantId);
    if (!cached) healthByTenant.set(tenantId, (cached = getTenantHealth(db, tenantId, reads)));
    return cached;
  };
  const stale = (syncedAt: Date | null) => isStale(syncedAt, now(), pollIntervalMs);

  const visible = (orgId: string) => listVisibleTenants(db, orgId, reads);
  const issues = (tenantId: string, query: IssueQuery) => ({ ...listIssues(db, tenantId, query), syncedAt: tenantLastSyncAt(db, tenantId, reads) });
  const issuesPage = (tenantId: string, query: IssueQuery): IssuesResponse => {
    const page = issues(tenantId, query);
    return { tenantId, syncedAt: iso(page.syncedAt), stale: stale(page.syncedAt), issues: page.issues, nextCursor: page.nextCursor };
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
  return {
    visible,
    authorizationsByTenant: (orgId) => bestAuthorizations(db, orgId, reads),
    list: (orgId) => listOf(visible(orgId)),
    tenantsBody(orgId) {
      model.checkExternalWrites();
      const at = now().getTime();
      const cached = listsByOrg.get(orgId);
      if (cached && at < cached.validUntil) return cached.prepared;
      const list = visible(orgId);
      const body = JSON.stringify(listOf(list));
      // Good until the first tenant whose data turns stale (or forever, until a change clears it).
      const flips = list.map((t) => (t.lastSyncAt ? t.lastSyncAt.getTime() + 2 * pollIntervalMs : Infinity)).filter((t) => t >= at);
      const entry = { prepared: prepareBody(body), validUntil: flips.length ? Math.min(...flips) : Infinity };
      listsByOrg.set(orgId, entry);
      return entry.prepared;
    },
    resolve,
    health,
    healthBody(orgId, ref) {
      const tenant = resolve(orgId, ref);
      if (!tenant) return null;
      const current = health(tenant.tenantId);
      const isStaleNow = stale(current.syncedAt);
      // Everything that shapes the bytes: the org's label and status, and staleness (the sync
      // time is the tenant's entry itself, replaced by the next sync).
      const variant = `${tenant.status}\u0000${isStaleNow ? 1 : 0}\u0000${tenant.label}`;
      let bodies = bodiesByTenant.get(tenant.tenantId);
      if (!bodies) bodiesByTenant.set(tenant.tenantId, (bodies = new Map()));
      let prepared = bodies.get(variant);
      if (!prepared) {
        const body = JSON.stringify({
          tenantId: tenant.tenantId,
          label: tenant.label,
          authorizationStatus: tenant.status,
          syncedAt: current.syncedAt ? current.syncedAt.toISOString() : null,
          stale: isStaleNow,
          services: current.services,
        } satisfies HealthResponse);
        prepared = prepareBody(body);
        if (bodies.size >= 64) bodies.clear();
        bodies.set(variant, prepared);
      }
      return prepared;
    },
    issues,
    issuesPage,
    issuesBody(tenantId, query) {
      model.checkExternalWrites();
      const syncedAt = tenantLastSyncAt(db, tenantId, reads);
      const variant = `issues\u0000${stale(syncedAt) ? 1 : 0}\u0000${JSON.stringify(query)}`;
      let bodies = bodiesByTenant.get(tenantId);
      if (!bodies) bodiesByTenant.set(tenantId, (bodies = new Map()));
      let prepared = bodies.get(variant);
      if (!prepared) {
        prepared = prepareBody(JSON.stringify(issuesPage(tenantId, query)));
        if (bodies.size >= 64) bodies.clear();
        bodies.set(variant, prepared);
      }
      return prepared;
    },
    issue: (tenantId, issueId) => getIssue(db, tenantId, issueId),
    isStale: stale,
  };
}
