/**
 * `GET /api/tenants/:tenantId/history?days=90&timeZone=Area/City` (DESIGN.md, "History"; viewer):
 * per service and calendar day in that zone the worst level and the issue ids, and the
 * availability over the window. The computation is `server/core/history.ts`'s.
 *
 * Mounted at `/api/tenants` by `createApp` beside the tenants sub-app, behind API key
 * authentication. HTTP only: validate, resolve the tenant through the org-visibility rule, call
 * the core.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../auth.js';
import { canonicalTimeZone, MAX_HISTORY_DAYS, type HistoryResponse } from '../core/history.js';
import type { Core } from '../core/index.js';
import { notFound } from '../errors.js';
import { tenantParam, validate } from '../validation.js';

export type { HistoryDay, HistoryResponse, DayLevel, HistoryLevel } from '../core/history.js';


const historyQuery = z.object({
  days: z.coerce
    .number({ message: `must be a whole number from 1 to ${MAX_HISTORY_DAYS}` })
    .int(`must be a whole number from 1 to ${MAX_HISTORY_DAYS}`)
    .min(1, `must be a whole number from 1 to ${MAX_HISTORY_DAYS}`)
    .max(MAX_HISTORY_DAYS, `must be a whole number from 1 to ${MAX_HISTORY_DAYS}`)
    .default(90),
  timeZone: z
    .string()
    .trim()
    .max(100)
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return 'UTC';
      const zone = canonicalTimeZone(value);
      if (!zone) {
        ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone such as Europe/Berlin or UTC' });
        return z.NEVER;
      }
      return zone;
    }),
});

/** The history sub-app. */
export function historyRoutes(deps: { core: Core }) {
  const { tenants, history } = deps.core;
  return new Hono<AppEnv>().get('/:tenantId/history', validate('param', tenantParam), validate('query', historyQuery), async (c) => {
    const tenant = await tenants.resolve(c.var.principal.orgId, c.req.valid('param').tenantId);
    if (!tenant) throw notFound('No tenant with this id or label is available to this API key.');
    const { days, timeZone } = c.req.valid('query');
    return c.json({ tenantId: tenant.tenantId, ...(await history.history(tenant.tenantId, { days, timeZone })) } satisfies HistoryResponse);
  });
}
