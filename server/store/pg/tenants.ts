/**
 * The reads behind the tenants API on PostgreSQL: `store/tenants.ts`'s operations over
 * `schema.pg.ts`, answering exactly what SQLite answers. The pure parts (the row shapes, the
 * cursor and its page) are SQLite's own; what differs is SQL only (`dialect.ts`): text is ordered
 * and compared byte-wise (`COLLATE "C"`), SQLite's ASCII-only `lower()` is `asciiLower`, and the
 * `q` search reads the issue's folded search keys (`folded_search`, written with the row by
 * `pg/sync.ts`) where SQLite folds in the query with its `fold()` function.
 *
 * Where SQLite declares no order (the org's authorizations, the tenant rows), it answers in its
 * index order, which no caller relies on (the best authorization is chosen by status and age, the
 * tenants are placed by label); this store orders those explicitly, so its answers are stable.
 */
import { and, asc, desc, eq, inArray, isNotNull, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres.js';
import { foldForSearch } from '../../db/functions.js';
import { authorizations, issuePosts, issues, services, tenants } from '../../db/schema.pg.js';
import { columnsOf, ISSUE_SUMMARY_KEYS, pageOf, type AuthorizationRef, type IssueCursor, type IssueDetail, type IssueQuery, type IssueSummary, type TenantListRow } from '../tenants.js';
import { asciiLower, foldedContains, sqlC, textCompare, textEq } from './dialect.js';

/** The issue fields the API serves (`store/tenants.ts`'s). */
export const summaryColumns = columnsOf(issues, ISSUE_SUMMARY_KEYS);

/** Active: unresolved and still listed by Microsoft (a dropped issue is history, not news). */
export const activeIssue = and(eq(issues.isResolved, false), eq(issues.listedByMicrosoft, true))!;

/**
 * `after the cursor` in the keyset order newest `lastModifiedDateTime` first, then id
 * (SQLite: `lm < $lm or (lm = $lm and id > $id)`), byte-wise as SQLite compares.
 */
export function afterCursor(lastModified: AnyColumn, id: AnyColumn, cursor: IssueCursor): SQL {
  return or(textCompare(lastModified, '<', cursor.lastModifiedDateTime), and(textEq(lastModified, cursor.lastModifiedDateTime), textCompare(id, '>', cursor.id)))!;
}

/** The org's authorizations that carry a tenant (visibility's raw material), oldest first. */
export async function orgAuthorizationRefs(db: PgDb, orgId: string): Promise<AuthorizationRef[]> {
  return db
    .select({
      tenantId: sql<string>`${authorizations.tenantId}`,
      label: authorizations.label,
      status: authorizations.status,
      createdAt: authorizations.createdAt,
    })
    .from(authorizations)
    .where(and(textEq(authorizations.orgId, orgId), isNotNull(authorizations.tenantId)))
    .orderBy(asc(authorizations.createdAt), asc(sqlC(authorizations.id)));
}

/** When the tenant last synced successfully; `null` when never (or no row yet). */
export async function tenantLastSyncAt(db: PgDb, tenantId: string): Promise<Date | null> {
  const [row] = await db.select({ lastSyncAt: tenants.lastSyncAt }).from(tenants).where(textEq(tenants.tenantId, tenantId));
  return row?.lastSyncAt ?? null;
}

/** The tenant's services, by name. */
export async function tenantServices(db: PgDb, tenantId: string): Promise<Array<{ id: string; name: string; status: string }>> {
  return db
    .select({ id: services.serviceId, name: services.name, status: services.status })
    .from(services)
    .where(textEq(services.tenantId, tenantId))
    .orderBy(asc(sqlC(services.name)), asc(sqlC(services.serviceId)));
}

/** The tenant's active issues (unresolved, still listed by Microsoft), newest change first. */
export async function tenantActiveIssues(db: PgDb, tenantId: string): Promise<IssueSummary[]> {
  return db
    .select(summaryColumns)
    .from(issues)
    .where(and(textEq(issues.tenantId, tenantId), activeIssue))
    .orderBy(desc(sqlC(issues.lastModifiedDateTime)), asc(sqlC(issues.id)));
}

/** The tenant rows of `tenantIds` (those that exist), by tenant id. */
export async function tenantListRows(db: PgDb, tenantIds: readonly string[]): Promise<TenantListRow[]> {
  // An id PostgreSQL cannot hold (U+0000) names no row.
  const ids = [...new Set(tenantIds)].filter((id) => !id.includes('\u0000'));
  if (ids.length === 0) return [];
  return db
    .select({
      tenantId: tenants.tenantId,
      displayName: tenants.displayName,
      lastSyncAt: tenants.lastSyncAt,
      lastError: tenants.lastError,
      nextPollAt: tenants.nextPollAt,
    })
    .from(tenants)
    // One array parameter, whatever the number of tenants (an IN list binds one each).
    .where(sql`${tenants.tenantId} = any(${sql.param(ids)}::text[])`)
    .orderBy(asc(sqlC(tenants.tenantId)));
}

/** One page of a tenant's issues, newest `lastModifiedDateTime` first, then by id (`store/tenants.ts`'s `listIssues`). */
export async function listIssues(db: PgDb, tenantId: string, query: IssueQuery): Promise<{ issues: IssueSummary[]; nextCursor: string | null }> {
  const where: SQL[] = [textEq(issues.tenantId, tenantId)];
  if (query.state === 'active') where.push(activeIssue);
  if (query.state === 'resolved') where.push(eq(issues.isResolved, true));
  if (query.classification) where.push(textEq(asciiLower(issues.classification), query.classification.toLowerCase()));
  if (query.service) {
    const wanted = query.service.toLowerCase();
    const byId = db
      .select({ name: services.name })
      .from(services)
      .where(and(textEq(services.tenantId, tenantId), textEq(asciiLower(services.serviceId), wanted)));
    where.push(or(textEq(asciiLower(issues.service), wanted), inArray(issues.service, byId))!);
  }
  // id, title, impact, service, feature and feature group, folded when the row was written.
  if (query.q) where.push(foldedContains(issues.foldedSearch, foldForSearch(query.q)));
  if (query.since) where.push(textCompare(issues.lastModifiedDateTime, '>=', query.since));
  if (query.cursor) where.push(afterCursor(issues.lastModifiedDateTime, issues.id, query.cursor));
  const rows = await db
    .select(summaryColumns)
    .from(issues)
    .where(and(...where))
    .orderBy(desc(sqlC(issues.lastModifiedDateTime)), asc(sqlC(issues.id)))
    .limit(query.limit + 1);
  const { page, nextCursor } = pageOf(rows, query.limit);
  return { issues: page, nextCursor };
}

/** One issue with its posts in Graph's order; `null` when the tenant has no such issue. */
export async function getIssue(db: PgDb, tenantId: string, issueId: string): Promise<IssueDetail | null> {
  const [issue] = await db
    .select(summaryColumns)
    .from(issues)
    .where(and(textEq(issues.tenantId, tenantId), textEq(issues.id, issueId)));
  if (!issue) return null;
  const posts = await db
    .select({ createdDateTime: issuePosts.createdDateTime, postType: issuePosts.postType, html: issuePosts.html })
    .from(issuePosts)
    .where(and(eq(issuePosts.tenantId, tenantId), eq(issuePosts.issueId, issueId)))
    .orderBy(asc(issuePosts.position));
  return { ...issue, posts };
}
