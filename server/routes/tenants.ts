/**
 * `GET /api/tenants…` (DESIGN.md, JSON API): the tenants an org may see, their health, and their
 * issues. Every handler resolves the `tenantId` path parameter through the org-visibility rule;
 * a tenant that does not exist and one that is not visible get the same 404.
 *
 * Mounted at `/api/tenants` by `createApp`, behind API key authentication. Handlers are chained so
 * `hc<AppType>` gets typed paths, queries and responses. HTTP only: reads go through the core.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../auth.js';
import type { Core } from '../core/index.js';
import { notFound } from '../errors.js';
import { decodeIssueCursor } from '../store/tenants.js';
import { optionalText, tenantParam, validate } from '../validation.js';
import { issuesCsvExport } from './issues-csv.js';
import type { HealthResponse, IssueDetail, IssuesResponse, TenantsResponse } from '../../widgets/api/types.js';

/** Longest accepted `q`; longer searches are refused rather than silently cut. */
export const MAX_QUERY_LENGTH = 200;

const issueParam = tenantParam.extend({
  issueId: z.string().min(1).max(100).regex(/^[A-Za-z0-9._-]+$/, 'must be a Microsoft issue id such as EX123456'),
});

/** The issues query, as the route and the hot path (routes/hot-path.ts) validate it. */
export const issuesQuery = z.object({
  state: z.enum(['active', 'resolved', 'all']).default('all'),
  classification: z.enum(['incident', 'advisory']).optional(),
  service: optionalText(100),
  q: optionalText(MAX_QUERY_LENGTH),
  since: z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time such as 2024-05-01T00:00:00Z' })
    .transform((v) => new Date(v).toISOString())
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  /** `csv`: every matching issue (all pages) as a CSV download; also chosen by `Accept: text/csv`. */
  format: z.enum(['json', 'csv']).optional(),
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
export function tenantRoutes(deps: { core: Core }) {
  const { tenants } = deps.core;

  /** The visible tenant named by the path, or a 404 that does not say whether it exists. */
  const visibleTenant = async (orgId: string, ref: string) => {
    const tenant = await tenants.resolve(orgId, ref);
    if (!tenant) throw notFound('No tenant with this id or label is available to this API key.');
    return tenant;
  };

  return new Hono<AppEnv>()
    .get('/', async (c) => c.json((await tenants.list(c.var.principal.orgId)) satisfies TenantsResponse))
    .get('/:tenantId/health', validate('param', tenantParam), async (c) => {
      const tenant = await visibleTenant(c.var.principal.orgId, c.req.valid('param').tenantId);
      const health = await tenants.health(tenant.tenantId);
      return c.json({
        tenantId: tenant.tenantId,
        label: tenant.label,
        authorizationStatus: tenant.status,
        syncedAt: iso(health.syncedAt),
        stale: tenants.isStale(health.syncedAt),
        services: health.services,
      } satisfies HealthResponse);
    })
    .get('/:tenantId/issues', validate('param', tenantParam), validate('query', issuesQuery), issuesCsvExport(deps.core), async (c) => {
      const tenant = await visibleTenant(c.var.principal.orgId, c.req.valid('param').tenantId);
      return c.json((await tenants.issuesPage(tenant.tenantId, c.req.valid('query'))) satisfies IssuesResponse);
    })
    .get('/:tenantId/issues/:issueId', validate('param', issueParam), async (c) => {
      const params = c.req.valid('param');
      const tenant = await visibleTenant(c.var.principal.orgId, params.tenantId);
      const issue = await tenants.issue(tenant.tenantId, params.issueId);
      if (!issue) throw notFound('This tenant has no issue with this id.');
      return c.json(issue satisfies IssueDetail);
    });
}

/** The typed sub-app, for `hc<TenantRoutes>()`. */
export type TenantRoutes = ReturnType<typeof tenantRoutes>;
