/**
 * Message center posts on PostgreSQL: writing what a sync read, inside the sync's transaction —
 * `store/messages.ts`'s `applyMessagesIn` with the same row mapping and sanitising (`messageRow`).
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { PgTx } from '../../db/postgres.js';
import { messages, tenants } from '../../db/schema.pg.js';
import type { MessageRecord } from '../../domain.js';
import { messageRow } from '../messages.js';
import { chunks, laterWatermark } from '../sync.js';

/**
 * Upserts the posts one sync read (marked as listed); on a `full` read marks the stored posts
 * Microsoft no longer lists; advances the messages watermark (never back) and the messages sync
 * times. The tenant row must exist. @throws InvalidRecordError — the whole sync is rolled back.
 */
export async function applyMessagesIn(tx: PgTx, tenantId: string, items: readonly MessageRecord[], full: boolean, now: Date): Promise<void> {
  let watermark: string | null = null;
  const seen = new Set<string>();
  for (const item of items) {
    const row = messageRow(tenantId, item);
    seen.add(row.id);
    if (watermark === null || row.lastModifiedDateTime > watermark) watermark = row.lastModifiedDateTime;
    const { tenantId: _t, id: _i, ...changes } = row;
    const listed = { listedByMicrosoft: true, lastListedAt: now };
    await tx
      .insert(messages)
      .values({ ...row, ...listed })
      .onConflictDoUpdate({ target: [messages.tenantId, messages.id], set: { ...changes, ...listed } });
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
