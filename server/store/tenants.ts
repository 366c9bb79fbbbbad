/**
 * Read queries behind the tenants API, and the org-visibility rule they all go through:
 * a tenant is visible to an org while that org holds an authorization row carrying that tenant id
 * (a pending authorization has no tenant id yet; a deleted one is a deleted row).
 */
import { and, asc, desc, eq, gt, gte, inArray, isNotNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { foldForSearch } from '../db/functions.js';
import type { IssueRecord } from '../domain.js';
import { authorizations, issuePosts, issues, services, tenants, type AuthorizationStatus } from '../db/schema.js';

/** The issue fields the API serves (DESIGN.md `IssueSummary`): a stored issue without its posts. */
export type IssueSummary = Omit<IssueRecord, 'posts'>;

export interface PostView {
  createdDateTime: string;
  postType: string;
  html: string;
}

export interface IssueDetail extends IssueSummary {
  posts: PostView[];
}

/** A tenant as one org sees it. */
export interface VisibleTenant {
  tenantId: string;
  /** The label of this org's best authorization for the tenant. */
  label: string;
  displayName: string | null;
  /** This org's best authorization status for the tenant. */
  status: AuthorizationStatus;
  lastSyncAt: Date | null;
  /** Why the last sync attempt failed; null after a success. */
  lastSyncError: string | null;
  /** When the tenant is polled next; null when no active authorization reads it for this org. */
  nextSyncAt: Date | null;
}

export interface ServiceHealth {
  id: string;
  name: string;
  status: string;
  activeIssueCount: number;
  issues: IssueSummary[];
}

export interface TenantHealth {
  syncedAt: Date | null;
  services: ServiceHealth[];
}

/** Better first: an org that holds an active authorization sees the tenant as active. */
const STATUS_RANK: Record<AuthorizationStatus, number> = { active: 0, reauth_required: 1, failed: 2, pending: 3 };

/** The issue fields the API serves, by property name (both engines select these). */
export const ISSUE_SUMMARY_KEYS = [
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
] as const;

/** `{ key: table[key] }` for each of `keys`: a select list of one engine's table. */
export function columnsOf<T extends object, K extends keyof T>(table: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, table[key]])) as Pick<T, K>;
}

const summaryColumns = columnsOf(issues, ISSUE_SUMMARY_KEYS);

export interface AuthorizationRef {
  tenantId: string;
  label: string;
  status: AuthorizationStatus;
  createdAt: Date;
}

/**
 * The statements of the read path, prepared once by their owner (the core's tenants part) and
 * reused for every request; the functions below prepare their own when given none.
 */
export function prepareTenantReads(db: Db) {
  return {
    orgAuthorizations: db
      .select({
        tenantId: sql<string>`${authorizations.tenantId}`,
        label: authorizations.label,
        status: authorizations.status,
        createdAt: authorizations.createdAt,
      })
      .from(authorizations)
      .where(and(eq(authorizations.orgId, sql.placeholder('orgId')), isNotNull(authorizations.tenantId)))
      .prepare(),
    lastSyncAt: db.select({ lastSyncAt: tenants.lastSyncAt }).from(tenants).where(eq(tenants.tenantId, sql.placeholder('tenantId'))).prepare(),
    services: db
      .select({ id: services.serviceId, name: services.name, status: services.status })
      .from(services)
      .where(eq(services.tenantId, sql.placeholder('tenantId')))
      .orderBy(asc(services.name), asc(services.serviceId))
      .prepare(),
    activeIssues: db
      .select(summaryColumns)
      .from(issues)
      // Active: unresolved and still listed by Microsoft (a dropped issue is history, not news).
      .where(and(eq(issues.tenantId, sql.placeholder('tenantId')), eq(issues.isResolved, false), eq(issues.listedByMicrosoft, true)))
      .orderBy(desc(issues.lastModifiedDateTime), asc(issues.id))
      .prepare(),
  };
}

/**
 * What the read functions need: the prepared statements, or anything answering like them (the
 * core's read model answers from memory).
 */
export interface TenantReads {
  orgAuthorizations: { all(params: { orgId: string }): AuthorizationRef[] };
  lastSyncAt: { get(params: { tenantId: string }): { lastSyncAt: Date | null } | undefined };
  services: { all(params: { tenantId: string }): Array<{ id: string; name: string; status: string }> };
  activeIssues: { all(params: { tenantId: string }): IssueSummary[] };
}

const preparedReads = new WeakMap<Db, ReturnType<typeof prepareTenantReads>>();

/** The read statements of `db`, prepared on first use and kept with the connection. */
export function tenantReadsOf(db: Db): ReturnType<typeof prepareTenantReads> {
  let reads = preparedReads.get(db);
  if (!reads) preparedReads.set(db, (reads = prepareTenantReads(db)));
  return reads;
}

/** The org's authorizations that carry a tenant (visibility's raw material). */
export function orgAuthorizationRefs(db: Db, orgId: string): AuthorizationRef[] {
  return tenantReadsOf(db).orgAuthorizations.all({ orgId });
}

/** The tenant's services, by name. */
export function tenantServices(db: Db, tenantId: string): Array<{ id: string; name: string; status: string }> {
  return tenantReadsOf(db).services.all({ tenantId });
}

/** The tenant's active issues (unresolved, still listed by Microsoft), newest change first. */
export function tenantActiveIssues(db: Db, tenantId: string): IssueSummary[] {
  return tenantReadsOf(db).activeIssues.all({ tenantId });
}

/** What the tenants list shows of each tenant row, by tenant id. */
export interface TenantListRow {
  tenantId: string;
  displayName: string | null;
  lastSyncAt: Date | null;
  lastError: string | null;
  nextPollAt: Date;
}

/** The tenant rows of `tenantIds` (those that exist). */
export function tenantListRows(db: Db, tenantIds: readonly string[]): TenantListRow[] {
  if (tenantIds.length === 0) return [];
  return db
    .select({
      tenantId: tenants.tenantId,
      displayName: tenants.displayName,
      lastSyncAt: tenants.lastSyncAt,
      lastError: tenants.lastError,
      nextPollAt: tenants.nextPollAt,
    })
    .from(tenants)
    .where(inArray(tenants.tenantId, [...tenantIds]))
    .all();
}

/** The best authorization of each tenant among an org's references (pure). */
export function bestOf(refs: readonly AuthorizationRef[]): Map<string, AuthorizationRef> {
  const best = new Map<string, AuthorizationRef>();
  for (const auth of refs) {
    const current = best.get(auth.tenantId);
    if (!current || better(auth, current) < 0) best.set(auth.tenantId, auth);
  }
  return best;
}

/** The org's best authorization of one tenant (the one whose label and status it shows), or null. */
export function bestAuthorizationOf(db: Db, orgId: string, tenantId: string): AuthorizationRef | null {
  const rows = db
    .select({ tenantId: sql<string>`${authorizations.tenantId}`, label: authorizations.label, status: authorizations.status, createdAt: authorizations.createdAt })
    .from(authorizations)
    .where(and(eq(authorizations.orgId, orgId), eq(authorizations.tenantId, tenantId)))
    .all();
  return rows.reduce<AuthorizationRef | null>((best, auth) => (!best || better(auth, best) < 0 ? auth : best), null);
}

/** The visible tenants from the org's best authorizations and their tenant rows, ordered by label (pure). */
export function visibleFrom(best: ReadonlyMap<string, AuthorizationRef>, tenantRows: readonly TenantListRow[]): VisibleTenant[] {
  const rows = new Map(tenantRows.map((t) => [t.tenantId, t]));
  return [...best.values()]
    .map((auth) => {
      const row = rows.get(auth.tenantId);
      return {
        tenantId: auth.tenantId,
        label: auth.label,
        displayName: row?.displayName ?? null,
        status: auth.status,
        lastSyncAt: row?.lastSyncAt ?? null,
        lastSyncError: row?.lastError ?? null,
        nextSyncAt: auth.status === 'active' ? (row?.nextPollAt ?? null) : null,
      };
    })
    .sort((a, b) => a.label.localeCompare(b.label) || a.tenantId.localeCompare(b.tenantId));
}

/**
 * Resolves a `tenant` reference among an org's authorizations (pure): a tenant id, else
 * (case-insensitively) one of the labels; null when none matches.
 */
export function resolveAmong(refs: readonly AuthorizationRef[], ref: string): { tenantId: string; label: string; status: AuthorizationStatus } | null {
  const wanted = ref.trim().toLowerCase();
  if (wanted === '') return null;
  const auths = [...refs].sort(better);
  const match =
    auths.find((a) => a.tenantId === ref) ??
    auths.find((a) => a.tenantId.toLowerCase() === wanted) ??
    auths.find((a) => a.label.toLowerCase() === wanted);
  if (!match) return null;
  const best = auths.find((a) => a.tenantId === match.tenantId) ?? match;
  return { tenantId: best.tenantId, label: best.label, status: best.status };
}

/** A tenant's health from its services, active issues and last sync (pure). */
export function healthOf(serviceRows: ReadonlyArray<{ id: string; name: string; status: string }>, active: readonly IssueSummary[], syncedAt: Date | null): TenantHealth {
  const byService = new Map<string, IssueSummary[]>();
  for (const issue of active) {
    const key = issue.service.toLowerCase();
    const list = byService.get(key);
    if (list) list.push(issue);
    else byService.set(key, [issue]);
  }
  return {
    syncedAt,
    services: serviceRows.map((s) => {
      const list = byService.get(s.name.toLowerCase()) ?? [];
      return { ...s, activeIssueCount: list.length, issues: list };
    }),
  };
}

function orgAuthorizations(db: Db, orgId: string, reads?: TenantReads): AuthorizationRef[] {
  return [...(reads ?? tenantReadsOf(db)).orgAuthorizations.all({ orgId })];
}

/** Best status first, then the oldest authorization, so the answer is stable. */
function better(a: AuthorizationRef, b: AuthorizationRef): number {
  return STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.createdAt.getTime() - b.createdAt.getTime();
}

/** The org's best authorization of each tenant it may see (the one whose label and status it shows), by tenant id. */
export function bestAuthorizations(db: Db, orgId: string, reads?: TenantReads): Map<string, AuthorizationRef> {
  return bestOf(orgAuthorizations(db, orgId, reads));
}

/** Every tenant this org may see, ordered by label. */
export function listVisibleTenants(db: Db, orgId: string, reads?: TenantReads): VisibleTenant[] {
  const best = bestAuthorizations(db, orgId, reads);
  if (best.size === 0) return [];
  return visibleFrom(best, tenantListRows(db, [...best.keys()]));
}

/**
 * Resolves a `tenant` path parameter for an org: a tenant id, else (case-insensitively) the label
 * of one of the org's authorizations. `null` when nothing visible matches — callers answer 404
 * whether the tenant does not exist or is someone else's.
 */
export function resolveVisibleTenant(
  db: Db,
  orgId: string,
  ref: string,
  reads?: TenantReads,
): { tenantId: string; label: string; status: AuthorizationStatus } | null {
  return resolveAmong(orgAuthorizations(db, orgId, reads), ref);
}

/** When the tenant last synced successfully; `null` when never (or no row yet). */
export function tenantLastSyncAt(db: Db, tenantId: string, reads?: TenantReads): Date | null {
  return (reads ?? tenantReadsOf(db)).lastSyncAt.get({ tenantId })?.lastSyncAt ?? null;
}

/** Every service of the tenant with its unresolved issues (matched on the service name). */
export function getTenantHealth(db: Db, tenantId: string, reads: TenantReads = tenantReadsOf(db)): TenantHealth {
  return healthOf(reads.services.all({ tenantId }), reads.activeIssues.all({ tenantId }), tenantLastSyncAt(db, tenantId, reads));
}

/** Where a page of issues ended: the sort key of its last row. */
export interface IssueCursor {
  lastModifiedDateTime: string;
  id: string;
}

/** Makes the opaque `nextCursor` string. */
export function encodeIssueCursor(cursor: IssueCursor): string {
  return Buffer.from(JSON.stringify([cursor.lastModifiedDateTime, cursor.id]), 'utf8').toString('base64url');
}

/** Reads a cursor made by {@link encodeIssueCursor}; `null` when it is not one. */
export function decodeIssueCursor(value: string): IssueCursor | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(value)) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [lastModifiedDateTime, id] = parsed;
    if (typeof lastModifiedDateTime !== 'string' || typeof id !== 'string' || id === '') return null;
    if (Number.isNaN(Date.parse(lastModifiedDateTime))) return null;
    return { lastModifiedDateTime, id };
  } catch {
    return null;
  }
}

export interface IssueQuery {
  state: 'active' | 'resolved' | 'all';
  classification?: string;
  /** A service name or service id, case-insensitive. */
  service?: string;
  /** Case-insensitive substring of the id, title, impact description, service or feature. */
  q?: string;
  /** ISO date-time: only issues modified at or after it. */
  since?: string;
  limit: number;
  cursor?: IssueCursor;
}

/** One page of a tenant's issues, newest `lastModifiedDateTime` first, then by id. */
export function listIssues(db: Db, tenantId: string, query: IssueQuery): { issues: IssueSummary[]; nextCursor: string | null } {
  const where: SQL[] = [eq(issues.tenantId, tenantId)];
  if (query.state === 'active') where.push(eq(issues.isResolved, false), eq(issues.listedByMicrosoft, true));
  if (query.state === 'resolved') where.push(eq(issues.isResolved, true));
  if (query.classification) where.push(sql`lower(${issues.classification}) = ${query.classification.toLowerCase()}`);
  if (query.service) {
    const wanted = query.service.toLowerCase();
    where.push(
      sql`(lower(${issues.service}) = ${wanted} or ${issues.service} in (select ${services.name} from ${services} where ${services.tenantId} = ${tenantId} and lower(${services.serviceId}) = ${wanted}))`,
    );
  }
  if (query.q) {
    // Every field a row shows: id, title, impact, service and feature, case-insensitively in any
    // script (see server/db/functions.ts). instr() needs no escaping of % and _.
    const needle = foldForSearch(query.q);
    const fields = [issues.id, issues.title, issues.impactDescription, issues.service, issues.feature, issues.featureGroup];
    where.push(or(...fields.map((f) => sql`instr(fold(coalesce(${f}, '')), ${needle}) > 0`))!);
  }
  if (query.since) where.push(gte(issues.lastModifiedDateTime, query.since));
  if (query.cursor) {
    const { lastModifiedDateTime: lm, id } = query.cursor;
    where.push(or(lt(issues.lastModifiedDateTime, lm), and(eq(issues.lastModifiedDateTime, lm), gt(issues.id, id)))!);
  }
  const rows = db
    .select(summaryColumns)
    .from(issues)
    .where(and(...where))
    .orderBy(desc(issues.lastModifiedDateTime), asc(issues.id))
    .limit(query.limit + 1)
    .all();
  const { page, nextCursor } = pageOf(rows, query.limit);
  return { issues: page, nextCursor };
}

/**
 * A page out of the `limit + 1` rows a keyset query read (newest change first, then id): its
 * first `limit` rows, and the cursor after the last of them when there was one more (pure).
 */
export function pageOf<R extends IssueCursor>(rows: readonly R[], limit: number): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last ? encodeIssueCursor({ lastModifiedDateTime: last.lastModifiedDateTime, id: last.id }) : null };
}

/** One issue with its posts in Graph's order; `null` when the tenant has no such issue. */
export function getIssue(db: Db, tenantId: string, issueId: string): IssueDetail | null {
  const issue = db
    .select(summaryColumns)
    .from(issues)
    .where(and(eq(issues.tenantId, tenantId), eq(issues.id, issueId)))
    .get();
  if (!issue) return null;
  const posts = db
    .select({ createdDateTime: issuePosts.createdDateTime, postType: issuePosts.postType, html: issuePosts.html })
    .from(issuePosts)
    .where(and(eq(issuePosts.tenantId, tenantId), eq(issuePosts.issueId, issueId)))
    .orderBy(asc(issuePosts.position))
    .all();
  return { ...issue, posts };
}
