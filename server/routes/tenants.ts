/**
 * `GET /api/tenants…` (DESIGN.md, JSON API): the tenants an org may see, their health, and their
 * issues. Every handler resolves the `tenantId` path parameter through the org-visibility rule;
 * a tenant that does not exist and one that is not visible get the same 404.
 *
 * Mounted at `/api/tenants` by `createApp`, behind API key authentication. Handlers are chained so
 * `hc<TenantRoutes>` gets typed paths, queries and responses.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../auth.js';
import type { Db } from '../db/index.js';
import { notFound } from '../errors.js';
import { isStale } from '../freshness.js';
import {
  decodeIssueCursor,
  getIssue,
  getTenantHealth,
  listIssues,
  listVisibleTenants,
  resolveVisibleTenant,
  tenantLastSyncAt,
  type TenantHealth,
} from '../store/tenants.js';
import { validate } from '../validation.js';

export interface TenantRoutesDeps {
  db: Db;
  now: () => Date;
  /** The poll interval; data older than two of them is `stale`. */
  pollIntervalMs: number;
}

/** Longest accepted `q`; longer searches are refused rather than silently cut. */
export const MAX_QUERY_LENGTH = 200;

const tenantParam = z.object({ tenantId: z.string().trim().min(1).max(200) });
const issueParam = tenantParam.extend({
  issueId: z.string().min(1).max(100).regex(/^[A-Za-z0-9._-]+$/, 'must be a Microsoft issue id such as EX123456'),
});

/** An empty query value (`?service=`) means the filter is not set. */
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));

const issuesQuery = z.object({
  state: z.enum(['active', 'resolved', 'all']).default('all'),
  classification: z.enum(['incident', 'advisory']).optional(),
  service: optionalText(100),
  q: optionalText(MAX_QUERY_LENGTH),
  since: z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time such as 2024-05-01T00:00:00Z' })
    .transform((v) => new Date(v).toISOString())
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      const cursor = decodeIssueCursor(value);
      if (!cursor) {
        ctx.addIssue({ code: 'custom', message: 'is not a nextCursor value from this API' });
        return z.NEVER;
      }
      return cursor;
    }),
});

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The tenants sub-app. */
export function tenantRoutes(deps: TenantRoutesDeps) {
  const { db, now, pollIntervalMs } = deps;

  /**
   * Health per tenant, kept until the tenant's next successful sync: stored health changes only in
   * a sync, and every sync moves `lastSyncAt`. One cheap lookup then replaces the services and
   * issues queries on the hot path.
   */
  const healthCache = new Map<string, TenantHealth>();
  const cachedHealth = (tenantId: string): TenantHealth => {
    const syncedAt = tenantLastSyncAt(db, tenantId)?.getTime() ?? null;
    const cached = healthCache.get(tenantId);
    if (cached && (cached.syncedAt?.getTime() ?? null) === syncedAt) return cached;
    const fresh = getTenantHealth(db, tenantId);
    if (healthCache.size >= 10_000) healthCache.clear();
    healthCache.set(tenantId, fresh);
    return fresh;
  };

  /** The visible tenant named by the path, or a 404 that does not say whether it exists. */
  const visibleTenant = (orgId: string, ref: string) => {
    const tenant = resolveVisibleTenant(db, orgId, ref);
    if (!tenant) throw notFound('No tenant with this id or label is available to this API key.');
    return tenant;
  };

  return new Hono<AppEnv>()
    .get('/', (c) => {
      const at = now();
      const tenants = listVisibleTenants(db, c.var.principal.orgId).map((t) => ({
        tenantId: t.tenantId,
        label: t.label,
        displayName: t.displayName,
        status: t.status,
        lastSyncAt: iso(t.lastSyncAt),
        stale: isStale(t.lastSyncAt, at, pollIntervalMs),
        lastSyncError: t.lastSyncError,
        nextSyncAt: iso(t.nextSyncAt),
      }));
      return c.json({ tenants });
    })
    .get('/:tenantId/health', validate('param', tenantParam), (c) => {
      const tenant = visibleTenant(c.var.principal.orgId, c.req.valid('param').tenantId);
      const health = cachedHealth(tenant.tenantId);
      return c.json({
        tenantId: tenant.tenantId,
        label: tenant.label,
        authorizationStatus: tenant.status,
        syncedAt: iso(health.syncedAt),
        stale: isStale(health.syncedAt, now(), pollIntervalMs),
        services: health.services,
      });
    })
    .get('/:tenantId/issues', validate('param', tenantParam), validate('query', issuesQuery), (c) => {
      const tenant = visibleTenant(c.var.principal.orgId, c.req.valid('param').tenantId);
      const query = c.req.valid('query');
      const page = listIssues(db, tenant.tenantId, query);
      const syncedAt = tenantLastSyncAt(db, tenant.tenantId);
      return c.json({
        tenantId: tenant.tenantId,
        syncedAt: iso(syncedAt),
        stale: isStale(syncedAt, now(), pollIntervalMs),
        issues: page.issues,
        nextCursor: page.nextCursor,
      });
    })
    .get('/:tenantId/issues/:issueId', validate('param', issueParam), (c) => {
      const params = c.req.valid('param');
      const tenant = visibleTenant(c.var.principal.orgId, params.tenantId);
      const issue = getIssue(db, tenant.tenantId, params.issueId);
      if (!issue) throw notFound('This tenant has no issue with this id.');
      return c.json(issue);
    });
}

/** The typed sub-app, for `hc<TenantRoutes>()`. */
export type TenantRoutes = ReturnType<typeof tenantRoutes>;

/** Paths of this sub-app (relative to its mount point) that only answer GET/HEAD; others get a 405. */
export const TENANT_ROUTE_PATHS = ['/', '/:tenantId/health', '/:tenantId/issues', '/:tenantId/issues/:issueId'] as const;
