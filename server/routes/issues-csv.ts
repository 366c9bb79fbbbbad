/**
 * The CSV form of `GET /api/tenants/:tenant/issues` (DESIGN.md, "History"): asked for with
 * `format=csv` or `Accept: text/csv`, it holds every issue the query matches (all pages, newest
 * change first) with a header row of the `IssueSummary` field names, and comes as a download
 * named after the tenant's label and the day.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../auth.js';
import type { Core } from '../core/index.js';
import type { IssueQuery, IssueSummary } from '../core/tenants.js';
import { toCsv } from '../csv.js';
import { notFound } from '../errors.js';

/** The `IssueSummary` fields, in the contract's order: the header row. */
export const ISSUE_CSV_COLUMNS = [
  'id',
  'title',
  'service',
  'feature',
  'featureGroup',
  'classification',
  'status',
  'origin',
  'isResolved',
  'startDateTime',
  'endDateTime',
  'lastModifiedDateTime',
  'impactDescription',
] as const satisfies ReadonlyArray<keyof IssueSummary>;

/** True when the caller asked for CSV: `format=csv`, or no `format` and an Accept naming text/csv. */
export function wantsCsv(format: 'json' | 'csv' | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  return /(^|,)\s*text\/csv\s*(;|,|$)/i.test(accept ?? '');
}

/** `o365-issues-<label>-<YYYY-MM-DD>.csv`, the label reduced to letters, digits, `.` and `-`. */
export function csvFileName(label: string, tenantId: string, now: Date): string {
  const slug = label.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 60) || tenantId;
  return `o365-issues-${slug}-${now.toISOString().slice(0, 10)}.csv`;
}

/** The validated input the export reads (the issues route's param and query). */
type ExportInput = {
  out: {
    param: { tenantId: string };
    query: Omit<IssueQuery, 'limit' | 'cursor'> & { format?: 'json' | 'csv'; limit: number; cursor?: unknown };
  };
};

/**
 * Middleware of the issues route, after its validators: answers the CSV download when asked
 * (every matching issue, through the core's export), else hands over to the JSON handler. As
 * middleware it leaves the route's typed (hc) JSON answer as it is.
 */
export function issuesCsvExport(core: Pick<Core, 'tenants' | 'history' | 'now'>) {
  return createMiddleware<AppEnv, string, ExportInput>(async (c, next) => {
    c.header('Vary', 'Accept', { append: true });
    const { format, limit: _limit, cursor: _cursor, ...filters } = c.req.valid('query');
    if (!wantsCsv(format, c.req.header('accept'))) return next();
    const tenant = await core.tenants.resolve(c.var.principal.orgId, c.req.valid('param').tenantId);
    if (!tenant) throw notFound('No tenant with this id or label is available to this API key.');
    const rows = (await core.history.exportIssues(tenant.tenantId, filters)) as Array<IssueSummary & Record<string, string | boolean | null>>;
    c.header('Content-Type', 'text/csv; charset=utf-8; header=present');
    c.header('Content-Disposition', `attachment; filename="${csvFileName(tenant.label, tenant.tenantId, core.now())}"`);
    // A plain Response: the download must not add a typed answer to the route's (hc) JSON output.
    return c.body(toCsv(ISSUE_CSV_COLUMNS, rows)) as Response;
  });
}
