/**
 * Message center posts (Graph `serviceUpdateMessage`): writing what a sync read, the list and
 * detail queries behind `GET /api/tenants/:tenant/messages…`, and the retention prune.
 *
 * `services`, `tags` and `details` are stored as JSON text as Graph sent them (details with names
 * this server does not know included); the body is stored sanitised (`renderPostBody`, the same
 * allow-list as issue posts), so nothing a post carries reaches a page.
 */
import { and, asc, desc, eq, gt, inArray, isNotNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { foldForSearch } from '../db/functions.js';
import { messages, tenants } from '../db/schema.js';
import type { MessageDetailRecord, MessageRecord } from '../domain.js';
import { renderPostBody } from '../sanitize.js';
import type { MessageDetail, MessageSummary } from '../../widgets/api/types.js';
import { InvalidRecordError, laterWatermark, type Tx } from './sync.js';
import { columnsOf, decodeIssueCursor, encodeIssueCursor, pageOf, type IssueCursor } from './tenants.js';

/** A post in a list, and one post with its sanitised body and details: the API's shapes (widgets/api/types.ts). */
export type { MessageDetail, MessageSummary };

/** Where a page of posts ended: the sort key of its last row (the same opaque form as issues'). */
export type MessageCursor = IssueCursor;
/** Makes the opaque `nextCursor` string. */
export const encodeMessageCursor: (cursor: MessageCursor) => string = encodeIssueCursor;
/** Reads a cursor made by {@link encodeMessageCursor}; `null` when it is not one. */
export const decodeMessageCursor: (value: string) => MessageCursor | null = decodeIssueCursor;

export interface MessageQuery {
  /** A category, case-insensitive (unknown values are just another value). */
  category?: string;
  /** A service name, case-insensitive, matched against each of the post's services. */
  service?: string;
  /** A tag, case-insensitive, matched against each of the post's tags. */
  tag?: string;
  /** Case-insensitive substring of the id, the title, a service or a tag. */
  q?: string;
  /** Only major changes. */
  major?: boolean;
  /** Only posts with an act-by date. */
  actionRequired?: boolean;
  limit: number;
  cursor?: MessageCursor;
}

const CHUNK = 500;

function iso(value: string | null, field: string, id: string, required: true): string;
function iso(value: string | null, field: string, id: string, required?: false): string | null;
function iso(value: string | null, field: string, id: string, required = false): string | null {
  if (value === null || value === undefined) {
    if (required) throw new InvalidRecordError(`message ${id}: ${field} is missing`);
    return null;
  }
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw new InvalidRecordError(`message ${id}: ${field} is not a date-time`);
  return new Date(time).toISOString();
}

function text(value: unknown, field: string, id: string): string {
  if (typeof value !== 'string' || value === '') throw new InvalidRecordError(`message ${id}: ${field} is missing`);
  return value;
}

const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** Maps one post to its row, checking what the columns cannot check themselves. */
export function messageRow(tenantId: string, m: MessageRecord) {
  const id = text(m.id, 'id', String(m.id));
  return {
    tenantId,
    id,
    title: text(m.title, 'title', id),
    category: text(m.category, 'category', id),
    severity: text(m.severity, 'severity', id),
    isMajorChange: m.isMajorChange === true,
    services: JSON.stringify(stringList(m.services)),
    tags: JSON.stringify(stringList(m.tags)),
    startDateTime: iso(m.startDateTime, 'startDateTime', id),
    endDateTime: iso(m.endDateTime, 'endDateTime', id),
    lastModifiedDateTime: iso(m.lastModifiedDateTime, 'lastModifiedDateTime', id, true),
    actionRequiredByDateTime: iso(m.actionRequiredByDateTime, 'actionRequiredByDateTime', id),
    details: JSON.stringify(
      (Array.isArray(m.details) ? m.details : [])
        .filter((d) => d && typeof d.name === 'string')
        .map((d) => ({ name: d.name, value: typeof d.value === 'string' ? d.value : String(d.value ?? '') })),
    ),
    html: renderPostBody(String(m.body?.contentType ?? 'text'), String(m.body?.content ?? '')),
  };
}

/**
 * Writes the Message center posts one sync read, inside the sync's transaction: each post is
 * upserted (body sanitised) and marked as listed; on a `full` read the stored posts Microsoft no
 * longer lists are kept but marked `listedByMicrosoft = false` (pruned RETENTION_DAYS after their
 * last change by {@link pruneRetainedMessages}); the messages watermark advances to the newest
 * `lastModifiedDateTime` seen (never back), and `lastMessagesSyncAt` (and on a full read
 * `lastFullMessagesSyncAt`) is set to `now`. The tenant row must exist.
 *
 * @throws InvalidRecordError — the caller's transaction (the whole sync) is then rolled back.
 */
export function applyMessagesIn(tx: Tx, tenantId: string, items: readonly MessageRecord[], full: boolean, now: Date): void {
  let watermark: string | null = null;
  const seen = new Set<string>();
  for (const item of items) {
    const row = messageRow(tenantId, item);
    seen.add(row.id);
    if (watermark === null || row.lastModifiedDateTime > watermark) watermark = row.lastModifiedDateTime;
    const { tenantId: _t, id: _i, ...changes } = row;
    const listed = { listedByMicrosoft: true, lastListedAt: now };
    tx.insert(messages)
      .values({ ...row, ...listed })
      .onConflictDoUpdate({ target: [messages.tenantId, messages.id], set: { ...changes, ...listed } })
      .run();
  }
  if (full) {
    const stored = tx
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.tenantId, tenantId), eq(messages.listedByMicrosoft, true)))
      .all()
      .map((r) => r.id)
      .filter((id) => !seen.has(id));
    for (let i = 0; i < stored.length; i += CHUNK) {
      tx.update(messages)
        .set({ listedByMicrosoft: false })
        .where(and(eq(messages.tenantId, tenantId), inArray(messages.id, stored.slice(i, i + CHUNK))))
        .run();
    }
  }
  const next = laterWatermark(tx.select({ w: tenants.messagesWatermark }).from(tenants).where(eq(tenants.tenantId, tenantId)).get()?.w ?? null, watermark);
  tx.update(tenants)
    .set({ messagesWatermark: next, lastMessagesSyncAt: now, ...(full ? { lastFullMessagesSyncAt: now } : {}) })
    .where(eq(tenants.tenantId, tenantId))
    .run();
}

/** The post fields the list serves, by property name (both engines select these). */
export const MESSAGE_SUMMARY_KEYS = [
  'id',
  'title',
  'category',
  'severity',
  'isMajorChange',
  'services',
  'tags',
  'startDateTime',
  'endDateTime',
  'lastModifiedDateTime',
  'actionRequiredByDateTime',
] as const;

const summaryColumns = columnsOf(messages, MESSAGE_SUMMARY_KEYS);

/** A stored JSON list of names read back (its strings; nothing when it is not one). */
export function parseList(json: string): string[] {
  try {
    return stringList(JSON.parse(json));
  } catch {
    return [];
  }
}

/** The stored JSON `details` read back (each name with its value as text). */
export function parseDetails(json: string): MessageDetailRecord[] {
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((d): d is { name: string; value: unknown } => typeof d === 'object' && d !== null && typeof (d as { name?: unknown }).name === 'string')
      .map((d) => ({ name: d.name, value: typeof d.value === 'string' ? d.value : String(d.value ?? '') }));
  } catch {
    return [];
  }
}

/** A stored row with its JSON lists read back. */
export const toSummary = <R extends { services: string; tags: string }>(row: R) => ({ ...row, services: parseList(row.services), tags: parseList(row.tags) });

/** `exists (an element of the JSON array column whose folded text equals / contains needle)`. */
const jsonArrayHas = (column: typeof messages.services | typeof messages.tags, needle: string, how: 'equals' | 'contains') =>
  how === 'equals'
    ? sql`exists (select 1 from json_each(${column}) where fold(json_each.value) = ${needle})`
    : sql`exists (select 1 from json_each(${column}) where instr(fold(json_each.value), ${needle}) > 0)`;

/**
 * One page of a tenant's posts, newest `lastModifiedDateTime` first, then by id. Posts Microsoft
 * no longer lists stay in the list until they are pruned (the feed is also the archive).
 */
export function listMessages(db: Db, tenantId: string, query: MessageQuery): { messages: MessageSummary[]; nextCursor: string | null } {
  const where: SQL[] = [eq(messages.tenantId, tenantId)];
  if (query.category) where.push(sql`fold(${messages.category}) = ${foldForSearch(query.category)}`);
  if (query.service) where.push(jsonArrayHas(messages.services, foldForSearch(query.service), 'equals'));
  if (query.tag) where.push(jsonArrayHas(messages.tags, foldForSearch(query.tag), 'equals'));
  if (query.q) {
    const needle = foldForSearch(query.q);
    where.push(
      or(
        sql`instr(fold(${messages.id}), ${needle}) > 0`,
        sql`instr(fold(${messages.title}), ${needle}) > 0`,
        jsonArrayHas(messages.services, needle, 'contains'),
        jsonArrayHas(messages.tags, needle, 'contains'),
      )!,
    );
  }
  if (query.major) where.push(eq(messages.isMajorChange, true));
  if (query.actionRequired) where.push(isNotNull(messages.actionRequiredByDateTime));
  if (query.cursor) {
    const { lastModifiedDateTime: lm, id } = query.cursor;
    where.push(or(lt(messages.lastModifiedDateTime, lm), and(eq(messages.lastModifiedDateTime, lm), gt(messages.id, id)))!);
  }
  const rows = db
    .select(summaryColumns)
    .from(messages)
    .where(and(...where))
    .orderBy(desc(messages.lastModifiedDateTime), asc(messages.id))
    .limit(query.limit + 1)
    .all();
  const { page, nextCursor } = pageOf(rows, query.limit);
  return { messages: page.map(toSummary), nextCursor };
}

/** One post with its sanitised body and details; `null` when the tenant has no such post. */
export function getMessage(db: Db, tenantId: string, messageId: string): MessageDetail | null {
  const row = db
    .select({ ...summaryColumns, html: messages.html, details: messages.details })
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.id, messageId)))
    .get();
  if (!row) return null;
  const { html, details, ...summary } = row;
  return { ...toSummary(summary), html, details: parseDetails(details) };
}

/**
 * Removes the posts Microsoft no longer lists whose last change (`lastModifiedDateTime`) is older
 * than `retentionDays` before `now` — the rule of `pruneRetainedIssues`. Posts Microsoft still
 * lists are never pruned. Returns how many went.
 */
export function pruneRetainedMessages(db: Db, now: Date, retentionDays: number): number {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  return db
    .delete(messages)
    .where(and(eq(messages.listedByMicrosoft, false), lt(messages.lastModifiedDateTime, cutoff)))
    .run().changes;
}
