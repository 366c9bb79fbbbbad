/**
 * Message center posts on PostgreSQL: writing what a sync read, inside the sync's transaction —
 * `store/messages.ts`'s `applyMessagesIn` with the same row mapping and sanitising (`messageRow`),
 * plus the post's folded search keys (`foldedMessageColumns`) — and the list and detail reads
 * and the retention prune, answering exactly what SQLite answers. The filters and `q` read those
 * folded keys where SQLite folds in the query (`fold()` over `json_each` of the JSON lists).
 */
import { and, asc, desc, eq, getTableColumns, inArray, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import type { PgDb, PgTx } from '../../db/postgres.js';
import { foldForSearch } from '../../db/functions.js';
import { messages, tenants } from '../../db/schema.pg.js';
import type { MessageRecord } from '../../domain.js';
import { MESSAGE_SUMMARY_KEYS, messageRow, parseDetails, toSummary, type MessageDetail, type MessageQuery, type MessageSummary } from '../messages.js';
import { chunks, laterWatermark } from '../sync.js';
import { columnsOf, pageOf } from '../tenants.js';
import { foldedContains, foldedIncludes, foldedMessageColumns, sqlC, textEq } from './dialect.js';
import { afterCursor } from './tenants.js';

/**
 * Upserts the posts one sync read (marked as listed); on a `full` read marks the stored posts
 * Microsoft no longer lists; advances the messages watermark (never back) and the messages sync
 * times. The tenant row must exist. @throws InvalidRecordError — the whole sync is rolled back.
 */
export async function applyMessagesIn(tx: PgTx, tenantId: string, items: readonly MessageRecord[], full: boolean, now: Date): Promise<void> {
  let watermark: string | null = null;
  const seen = new Set<string>();
  // One upsert per chunk of posts, not per post; a post listed twice is written as its last listing says.
  const rows = new Map<string, Record<string, unknown> & { id: string }>();
  const listed = { listedByMicrosoft: true, lastListedAt: now };
  for (const item of items) {
    const row = messageRow(tenantId, item);
    seen.add(row.id);
    if (watermark === null || row.lastModifiedDateTime > watermark) watermark = row.lastModifiedDateTime;
    rows.delete(row.id);
    rows.set(row.id, { ...row, ...foldedMessageColumns(row), ...listed });
  }
  for (const part of chunks([...rows.values()])) {
    const columns = getTableColumns(messages) as Record<string, { name: string }>;
    const set = Object.fromEntries(
      Object.keys(part[0]!)
        .filter((key) => key !== 'tenantId' && key !== 'id')
        .map((key) => [key, sql.raw(`excluded."${columns[key]!.name}"`)]),
    );
    await tx
      .insert(messages)
      .values(part as Array<typeof messages.$inferInsert>)
      .onConflictDoUpdate({ target: [messages.tenantId, messages.id], set });
  }
  if (full) {
    const stored = (await tx.select({ id: messages.id }).from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.listedByMicrosoft, true))))
      .map((r) => r.id)
      .filter((id) => !seen.has(id));
    for (const part of chunks(stored)) {
      await tx
        .update(messages)
        .set({ listedByMicrosoft: false })
        .where(and(eq(messages.tenantId, tenantId), inArray(messages.id, part)));
    }
  }
  const [previous] = await tx.select({ w: tenants.messagesWatermark }).from(tenants).where(eq(tenants.tenantId, tenantId));
  await tx
    .update(tenants)
    .set({ messagesWatermark: laterWatermark(previous?.w ?? null, watermark), lastMessagesSyncAt: now, ...(full ? { lastFullMessagesSyncAt: now } : {}) })
    .where(eq(tenants.tenantId, tenantId));
}

const summaryColumns = columnsOf(messages, MESSAGE_SUMMARY_KEYS);

/**
 * One page of a tenant's posts, newest `lastModifiedDateTime` first, then by id; posts Microsoft
 * no longer lists stay until pruned (`store/messages.ts`'s `listMessages`).
 */
export async function listMessages(db: PgDb, tenantId: string, query: MessageQuery): Promise<{ messages: MessageSummary[]; nextCursor: string | null }> {
  const where: SQL[] = [textEq(messages.tenantId, tenantId)];
  if (query.category) where.push(textEq(messages.foldedCategory, foldForSearch(query.category)));
  if (query.service) where.push(foldedIncludes(messages.foldedServices, foldForSearch(query.service)));
  if (query.tag) where.push(foldedIncludes(messages.foldedTags, foldForSearch(query.tag)));
  // id, title, services and tags, folded when the row was written.
  if (query.q) where.push(foldedContains(messages.foldedSearch, foldForSearch(query.q)));
  if (query.major) where.push(eq(messages.isMajorChange, true));
  if (query.actionRequired) where.push(isNotNull(messages.actionRequiredByDateTime));
  if (query.cursor) where.push(afterCursor(messages.lastModifiedDateTime, messages.id, query.cursor));
  const rows = await db
    .select(summaryColumns)
    .from(messages)
    .where(and(...where))
    .orderBy(desc(sqlC(messages.lastModifiedDateTime)), asc(sqlC(messages.id)))
    .limit(query.limit + 1);
  const { page, nextCursor } = pageOf(rows, query.limit);
  return { messages: page.map(toSummary), nextCursor };
}

/** One post with its sanitised body and details; `null` when the tenant has no such post. */
export async function getMessage(db: PgDb, tenantId: string, messageId: string): Promise<MessageDetail | null> {
  const [row] = await db
    .select({ ...summaryColumns, html: messages.html, details: messages.details })
    .from(messages)
    .where(and(textEq(messages.tenantId, tenantId), textEq(messages.id, messageId)));
  if (!row) return null;
  const { html, details, ...summary } = row;
  return { ...toSummary(summary), html, details: parseDetails(details) };
}

/**
 * Removes the posts Microsoft no longer lists whose last change is older than `retentionDays`
 * before `now`; posts Microsoft still lists are never pruned. Returns how many went.
 */
export async function pruneRetainedMessages(db: PgDb, now: Date, retentionDays: number): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  const result = await db.delete(messages).where(and(eq(messages.listedByMicrosoft, false), lt(sqlC(messages.lastModifiedDateTime), cutoff)));
  return result.rowCount ?? 0;
}
