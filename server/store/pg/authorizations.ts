/**
 * Authorizations and the OAuth requests in flight on PostgreSQL: the same operations as
 * `store/authorizations.ts` over `schema.pg.ts`, so a consent started on one instance completes on
 * another (the state hash, sealed PKCE verifier and nonce are rows, not memory). Transactions are
 * drizzle's asynchronous ones; consuming a `state` stays single-use under concurrency because the
 * update is conditional on `used_at is null` and its row count decides.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, lte, ne, sql } from 'drizzle-orm';
import { sha256, type SecretBox } from '../../crypto.js';
import type { PgDb, PgTx } from '../../db/postgres.js';
import { authorizations, deliveries, events, oauthRequests, tenants } from '../../db/schema.pg.js';
import type { AuthorizationApi } from '../../db/schema.js';
import { isStorageUnavailable } from '../../errors.js';
import {
  authorizationJson,
  OAUTH_REQUEST_TTL_MS,
  reauthorizationEvent,
  type AuthorizationJson,
  type AuthorizationRow,
  type ConsumedRequest,
  type TenantSyncState,
} from '../authorizations.js';
import { sqlC } from './dialect.js';
import { recordEventsIn } from './events.js';

export async function listAuthorizations(db: PgDb, orgId: string, now: Date = new Date()): Promise<AuthorizationRow[]> {
  const abandoned = db
    .select({ id: oauthRequests.authorizationId })
    .from(oauthRequests)
    .where(and(isNull(oauthRequests.usedAt), lte(oauthRequests.expiresAt, now)));
  try {
    await db
      .update(authorizations)
      .set({ status: 'failed', lastError: 'The sign-in at Microsoft was not completed within 10 minutes.', updatedAt: now })
      .where(and(eq(authorizations.orgId, orgId), eq(authorizations.status, 'pending'), inArray(authorizations.id, abandoned)));
  } catch (err) {
    // A read must not fail because the database cannot write now; the expiry is applied later.
    if (!isStorageUnavailable(err)) throw err;
  }
  return db.select().from(authorizations).where(eq(authorizations.orgId, orgId)).orderBy(asc(authorizations.createdAt));
}

export async function authorizationsJson(db: PgDb, rows: readonly AuthorizationRow[]): Promise<AuthorizationJson[]> {
  const ids = [...new Set(rows.map((r) => r.tenantId).filter((id): id is string => id !== null))];
  const states = new Map<string, TenantSyncState>();
  if (ids.length) {
    for (const t of await db.select({ tenantId: tenants.tenantId, lastError: tenants.lastError, nextPollAt: tenants.nextPollAt }).from(tenants).where(inArray(tenants.tenantId, ids))) {
      states.set(t.tenantId, t);
    }
  }
  return rows.map((row) => authorizationJson(row, row.tenantId ? states.get(row.tenantId) : null));
}

export async function getAuthorization(db: PgDb, id: string): Promise<AuthorizationRow | undefined> {
  const [row] = await db.select().from(authorizations).where(eq(authorizations.id, id));
  return row;
}

export async function authorizationOrg(db: PgDb, id: string): Promise<string | null> {
  const [row] = await db.select({ orgId: authorizations.orgId }).from(authorizations).where(eq(authorizations.id, id));
  return row?.orgId ?? null;
}

export async function beginAuthorization(
  db: PgDb,
  box: SecretBox,
  p: { orgId: string; createdBy: string; label: string; api: AuthorizationApi; state: string; codeVerifier: string; nonce: string; returnTo: string | null; openerOrigin: string | null; now: Date },
): Promise<AuthorizationRow> {
  const id = randomUUID();
  const stateHash = sha256(p.state);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(authorizations)
      .values({ id, orgId: p.orgId, createdBy: p.createdBy, label: p.label, api: p.api, status: 'pending', createdAt: p.now, updatedAt: p.now })
      .returning();
    await tx.insert(oauthRequests).values({
      stateHash,
      authorizationId: id,
      codeVerifier: box.seal(p.codeVerifier, `pkce:${stateHash}`),
      nonce: box.seal(p.nonce, `nonce:${stateHash}`),
      returnTo: p.returnTo,
      openerOrigin: p.openerOrigin,
      createdAt: p.now,
      expiresAt: new Date(p.now.getTime() + OAUTH_REQUEST_TTL_MS),
    });
    return row!;
  });
}

export async function consumeOAuthRequest(db: PgDb, box: SecretBox, state: string, now: Date): Promise<ConsumedRequest> {
  const stateHash = sha256(state);
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(oauthRequests).where(eq(oauthRequests.stateHash, stateHash));
    if (!row) return { status: 'unknown' } as const;
    const where = { authorizationId: row.authorizationId, returnTo: row.returnTo, openerOrigin: row.openerOrigin };
    if (row.usedAt) return { status: 'used', ...where } as const;
    if (row.expiresAt.getTime() <= now.getTime()) return { status: 'expired', ...where } as const;
    const updated = await tx
      .update(oauthRequests)
      .set({ usedAt: now })
      .where(and(eq(oauthRequests.stateHash, stateHash), isNull(oauthRequests.usedAt)));
    // Another instance redeemed the same response meanwhile: single use holds across instances.
    if (updated.rowCount !== 1) return { status: 'used', ...where } as const;
    return { status: 'ok', ...where, codeVerifier: box.open(row.codeVerifier, `pkce:${stateHash}`), nonce: box.open(row.nonce, `nonce:${stateHash}`) } as const;
  });
}

export async function pruneOAuthRequests(db: PgDb, now: Date): Promise<number> {
  const result = await db.delete(oauthRequests).where(lte(oauthRequests.expiresAt, new Date(now.getTime() - 24 * 3600_000)));
  return result.rowCount ?? 0;
}

export async function activateAuthorization(db: PgDb, id: string, p: { tenantId: string; homeAccountId: string; consentedBy: string; now: Date }): Promise<AuthorizationRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(authorizations)
      .set({ status: 'active', tenantId: p.tenantId, homeAccountId: p.homeAccountId, consentedBy: p.consentedBy, lastError: null, updatedAt: p.now })
      .where(eq(authorizations.id, id))
      .returning();
    if (!row) throw new Error(`authorization ${id} vanished`);
    await tx.insert(tenants).values({ tenantId: p.tenantId, nextPollAt: p.now }).onConflictDoUpdate({ target: tenants.tenantId, set: { nextPollAt: p.now } });
    await tx
      .delete(authorizations)
      .where(
        and(eq(authorizations.orgId, row.orgId), eq(authorizations.tenantId, p.tenantId), ne(authorizations.id, id), inArray(authorizations.status, ['reauth_required', 'failed'])),
      );
    return row;
  });
}

export async function setAuthorizationStatus(db: PgDb, id: string, status: 'failed' | 'reauth_required', reason: string, now: Date): Promise<void> {
  await db.update(authorizations).set({ status, lastError: reason, updatedAt: now }).where(eq(authorizations.id, id));
}

/**
 * An active authorization's grant is gone: it becomes `reauth_required` with the reason, and in the
 * same transaction its `authorization.reauth_required` event is recorded for the org that holds it
 * (only on the change from active). Returns the ids of the events recorded.
 */
export async function requireReauthorization(db: PgDb, id: string, reason: string, now: Date): Promise<string[]> {
  return db.transaction(async (tx) => {
    // Locked, so two instances failing on the same grant at once see one change from active.
    const [row] = await tx.select().from(authorizations).where(eq(authorizations.id, id)).for('update');
    if (!row) return [];
    await tx.update(authorizations).set({ status: 'reauth_required', lastError: reason, updatedAt: now }).where(eq(authorizations.id, id));
    if (row.status !== 'active' || !row.tenantId) return [];
    const [tenant] = await tx.select({ displayName: tenants.displayName }).from(tenants).where(eq(tenants.tenantId, row.tenantId));
    return recordEventsIn(tx, [reauthorizationEvent(row, row.tenantId, tenant?.displayName ?? null, reason, now)], now);
  });
}

export async function activeAuthorizationsForTenant(db: PgDb, tenantId: string): Promise<AuthorizationRow[]> {
  return db
    .select()
    .from(authorizations)
    .where(and(eq(authorizations.tenantId, tenantId), eq(authorizations.status, 'active')))
    .orderBy(sql`${authorizations.lastSuccessAt} is null`, desc(authorizations.lastSuccessAt), asc(authorizations.createdAt), asc(sqlC(authorizations.id)));
}

/** A purged tenant's events and their deliveries (inside the purge's transaction). */
async function deleteTenantEventsIn(tx: PgTx, tenantId: string): Promise<void> {
  await tx.delete(deliveries).where(inArray(deliveries.eventId, tx.select({ id: events.id }).from(events).where(eq(events.tenantId, tenantId))));
  await tx.delete(events).where(eq(events.tenantId, tenantId));
}

export async function deleteAuthorization(db: PgDb, orgId: string, id: string): Promise<{ purgedTenant: string | null } | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(authorizations).where(and(eq(authorizations.id, id), eq(authorizations.orgId, orgId)));
    if (!row) return null;
    await tx.delete(authorizations).where(eq(authorizations.id, id));
    if (!row.tenantId) return { purgedTenant: null };
    const [remaining] = await tx.select({ id: authorizations.id }).from(authorizations).where(eq(authorizations.tenantId, row.tenantId)).limit(1);
    if (remaining) return { purgedTenant: null };
    await tx.delete(tenants).where(eq(tenants.tenantId, row.tenantId));
    await deleteTenantEventsIn(tx, row.tenantId);
    return { purgedTenant: row.tenantId };
  });
}

export async function discardPendingAuthorization(db: PgDb, id: string): Promise<boolean> {
  const result = await db.delete(authorizations).where(and(eq(authorizations.id, id), eq(authorizations.status, 'pending')));
  return result.rowCount === 1;
}

export async function loadTokenCache(db: PgDb | PgTx, authorizationId: string): Promise<string | null> {
  const [row] = await db.select({ c: authorizations.tokenCache }).from(authorizations).where(eq(authorizations.id, authorizationId));
  return row?.c ?? null;
}

export async function saveTokenCache(db: PgDb | PgTx, authorizationId: string, sealed: string, now: Date): Promise<void> {
  await db.update(authorizations).set({ tokenCache: sealed, updatedAt: now }).where(eq(authorizations.id, authorizationId));
}

/**
 * Runs `work` (a token request through msal) holding the authorization's row lock
 * (`SELECT … FOR UPDATE`), with the token cache read and written inside that transaction
 * (docs/scale-out.md §3): two instances that need a token for one authorization at once take
 * turns, and the second finds the refresh token the first rotated instead of redeeming the old
 * one (which Microsoft answers with AADSTS70000, and would mark the authorization for
 * re-authorization). The lock is held for one token request; the tenant's lease makes waiting
 * on it rare.
 */
export function withTokenLock<T>(db: PgDb, authorizationId: string, work: (tx: PgTx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.select({ id: authorizations.id }).from(authorizations).where(eq(authorizations.id, authorizationId)).for('update');
    return work(tx);
  });
}
