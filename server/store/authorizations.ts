/**
 * Authorizations and the OAuth requests in flight: the rows behind the settings element and the
 * consent flow. Secrets (token caches, PKCE verifiers, nonces) are sealed with the {@link SecretBox};
 * the OAuth `state` is stored only as a hash.
 */
import { and, asc, desc, eq, inArray, isNull, lte, ne, sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/index.js';
import { authorizations, oauthRequests, tenants, type AuthorizationApi } from '../db/schema.js';
import { sha256, type SecretBox } from '../crypto.js';
import type { TokenCacheStore } from '../microsoft/identity.js';
import type { Authorization } from '../../widgets/api/types.js';
import { isStorageUnavailable } from '../errors.js';
import { deleteTenantEventsIn, recordEventsIn, type EventDraft } from './events.js';

export type AuthorizationRow = typeof authorizations.$inferSelect;

/** The JSON shape of an authorization (DESIGN.md contract; the widgets' `Authorization`). */
export interface AuthorizationJson extends Authorization {
  id: string;
  label: string;
  api: AuthorizationApi;
  tenantId: string | null;
  status: AuthorizationRow['status'];
  createdBy: string;
  createdAt: string;
  lastSuccessAt: string | null;
  lastError: string | null;
  /** The UPN of the administrator who consented at Microsoft (from the redeemed token). */
  consentedBy: string | null;
  /** Why the tenant's last sync attempt failed (throttling, an outage); null after a success. */
  lastSyncError: string | null;
  /** When the tenant is polled next; null while this authorization is not active. */
  nextSyncAt: string | null;
}

/** What the tenant row adds to an authorization's JSON. */
export interface TenantSyncState {
  lastError: string | null;
  nextPollAt: Date;
}

export function authorizationJson(row: AuthorizationRow, tenant?: TenantSyncState | null): AuthorizationJson {
  return {
    id: row.id,
    label: row.label,
    api: row.api,
    tenantId: row.tenantId,
    status: row.status,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    lastSuccessAt: row.lastSuccessAt?.toISOString() ?? null,
    lastError: row.lastError,
    consentedBy: row.consentedBy,
    lastSyncError: tenant?.lastError ?? null,
    nextSyncAt: row.status === 'active' && tenant ? tenant.nextPollAt.toISOString() : null,
  };
}

/** The sync state of the tenants behind `rows`, by tenant id. */
export function tenantSyncStates(db: Db, rows: readonly AuthorizationRow[]): Map<string, TenantSyncState> {
  const ids = [...new Set(rows.map((r) => r.tenantId).filter((id): id is string => id !== null))];
  if (ids.length === 0) return new Map();
  return new Map(
    db
      .select({ tenantId: tenants.tenantId, lastError: tenants.lastError, nextPollAt: tenants.nextPollAt })
      .from(tenants)
      .where(inArray(tenants.tenantId, ids))
      .all()
      .map((t) => [t.tenantId, t]),
  );
}

/** Authorizations as the API answers them, with their tenants' sync state. */
export function authorizationsJson(db: Db, rows: readonly AuthorizationRow[]): AuthorizationJson[] {
  const states = tenantSyncStates(db, rows);
  return rows.map((row) => authorizationJson(row, row.tenantId ? states.get(row.tenantId) : null));
}

/** Lifetime of an OAuth `state` (and its PKCE verifier and nonce). */
export const OAUTH_REQUEST_TTL_MS = 10 * 60_000;

/**
 * Lists an org's authorizations. A pending one whose sign-in window (10 minutes) has passed
 * becomes `failed` first, so an abandoned popup does not stay "pending" forever.
 */
export function listAuthorizations(db: Db, orgId: string, now: Date = new Date()): AuthorizationRow[] {
  const abandoned = db
    .select({ id: oauthRequests.authorizationId })
    .from(oauthRequests)
    .where(and(isNull(oauthRequests.usedAt), lte(oauthRequests.expiresAt, now)));
  try {
    db.update(authorizations)
      .set({ status: 'failed', lastError: 'The sign-in at Microsoft was not completed within 10 minutes.', updatedAt: now })
      .where(and(eq(authorizations.orgId, orgId), eq(authorizations.status, 'pending'), inArray(authorizations.id, abandoned)))
      .run();
  } catch (err) {
    // A read must not fail because the database cannot write now; the expiry is applied later.
    if (!isStorageUnavailable(err)) throw err;
  }
  return db.select().from(authorizations).where(eq(authorizations.orgId, orgId)).orderBy(asc(authorizations.createdAt)).all();
}

export function getAuthorization(db: Db, id: string): AuthorizationRow | undefined {
  return db.select().from(authorizations).where(eq(authorizations.id, id)).get();
}

/**
 * Creates a pending authorization and its OAuth request in one transaction.
 * The caller supplies the random `state`, PKCE verifier and nonce; only the state's hash is kept.
 */
export function beginAuthorization(
  db: Db,
  box: SecretBox,
  p: {
    orgId: string;
    createdBy: string;
    label: string;
    api: AuthorizationApi;
    state: string;
    codeVerifier: string;
    nonce: string;
    returnTo: string | null;
    openerOrigin: string | null;
    now: Date;
  },
): AuthorizationRow {
  const id = randomUUID();
  const stateHash = sha256(p.state);
  return db.transaction((tx) => {
    const row = tx
      .insert(authorizations)
      .values({ id, orgId: p.orgId, createdBy: p.createdBy, label: p.label, api: p.api, status: 'pending', createdAt: p.now, updatedAt: p.now })
      .returning()
      .get();
    tx.insert(oauthRequests)
      .values({
        stateHash,
        authorizationId: id,
        codeVerifier: box.seal(p.codeVerifier, `pkce:${stateHash}`),
        nonce: box.seal(p.nonce, `nonce:${stateHash}`),
        returnTo: p.returnTo,
        openerOrigin: p.openerOrigin,
        createdAt: p.now,
        expiresAt: new Date(p.now.getTime() + OAUTH_REQUEST_TTL_MS),
      })
      .run();
    return row;
  });
}

export type ConsumedRequest =
  | {
      status: 'ok';
      authorizationId: string;
      codeVerifier: string;
      nonce: string;
      returnTo: string | null;
      openerOrigin: string | null;
    }
  | { status: 'unknown' }
  | { status: 'used' | 'expired'; authorizationId: string; returnTo: string | null; openerOrigin: string | null };

/**
 * Marks the OAuth request of `state` used (single use, atomically) and returns its secrets.
 * A replayed or expired state is refused.
 */
export function consumeOAuthRequest(db: Db, box: SecretBox, state: string, now: Date): ConsumedRequest {
  const stateHash = sha256(state);
  return db.transaction((tx) => {
    const row = tx.select().from(oauthRequests).where(eq(oauthRequests.stateHash, stateHash)).get();
    if (!row) return { status: 'unknown' } as const;
    const where = { authorizationId: row.authorizationId, returnTo: row.returnTo, openerOrigin: row.openerOrigin };
    if (row.usedAt) return { status: 'used', ...where } as const;
    if (row.expiresAt.getTime() <= now.getTime()) return { status: 'expired', ...where } as const;
    const updated = tx
      .update(oauthRequests)
      .set({ usedAt: now })
      .where(and(eq(oauthRequests.stateHash, stateHash), isNull(oauthRequests.usedAt)))
      .run();
    if (updated.changes !== 1) return { status: 'used', ...where } as const;
    return {
      status: 'ok',
      ...where,
      codeVerifier: box.open(row.codeVerifier, `pkce:${stateHash}`),
      nonce: box.open(row.nonce, `nonce:${stateHash}`),
    } as const;
  });
}

/** Removes OAuth requests that expired more than a day ago. */
export function pruneOAuthRequests(db: Db, now: Date): number {
  return db
    .delete(oauthRequests)
    .where(lte(oauthRequests.expiresAt, new Date(now.getTime() - 24 * 3600_000)))
    .run().changes;
}

/** The sealed MSAL token cache of one authorization, as an msal cache plugin store. */
export function tokenCacheStore(db: Db, box: SecretBox, authorizationId: string, now: () => Date = () => new Date()): TokenCacheStore {
  return tokenCacheOver(box, authorizationId, now, {
    load: async () => loadTokenCache(db, authorizationId),
    save: async (sealed, at) => saveTokenCache(db, authorizationId, sealed, at),
  });
}

/**
 * The msal cache plugin store of one authorization over any store's load and save of the sealed
 * cache: it opens and seals with the {@link SecretBox} (the store keeps only sealed bytes).
 */
export function tokenCacheOver(
  box: SecretBox,
  authorizationId: string,
  now: () => Date,
  sealed: { load(): Promise<string | null>; save(sealed: string, at: Date): Promise<void> },
): TokenCacheStore {
  const context = `token-cache:${authorizationId}`;
  return {
    async load() {
      const value = await sealed.load();
      return value ? box.open(value, context) : null;
    },
    save: (serialized) => sealed.save(box.seal(serialized, context), now()),
  };
}

/**
 * Marks an authorization active for the tenant taken from the redeemed token, creates the tenant
 * (due for polling at once) and removes this org's older authorizations for the same tenant that
 * needed re-authorization: re-authorizing replaces them.
 */
export function activateAuthorization(
  db: Db,
  id: string,
  p: { tenantId: string; homeAccountId: string; consentedBy: string; now: Date },
): AuthorizationRow {
  return db.transaction((tx) => {
    const row = tx
      .update(authorizations)
      .set({ status: 'active', tenantId: p.tenantId, homeAccountId: p.homeAccountId, consentedBy: p.consentedBy, lastError: null, updatedAt: p.now })
      .where(eq(authorizations.id, id))
      .returning()
      .get();
    if (!row) throw new Error(`authorization ${id} vanished`);
    tx.insert(tenants).values({ tenantId: p.tenantId, nextPollAt: p.now }).onConflictDoUpdate({ target: tenants.tenantId, set: { nextPollAt: p.now } }).run();
    tx.delete(authorizations)
      .where(
        and(
          eq(authorizations.orgId, row.orgId),
          eq(authorizations.tenantId, p.tenantId),
          ne(authorizations.id, id),
          inArray(authorizations.status, ['reauth_required', 'failed']),
        ),
      )
      .run();
    return row;
  });
}

/** Sets an authorization's status with the reason shown to admins. */
export function setAuthorizationStatus(db: Db, id: string, status: 'failed' | 'reauth_required', reason: string, now: Date): void {
  db.update(authorizations).set({ status, lastError: reason, updatedAt: now }).where(eq(authorizations.id, id)).run();
}

/**
 * An active authorization's grant is gone: it becomes `reauth_required` with the reason, and in the
 * same transaction an `authorization.reauth_required` event for the org that holds it is recorded
 * (only on the change from active: a second failure of the same grant announces nothing). Returns
 * the ids of the events recorded.
 */
export function requireReauthorization(db: Db, id: string, reason: string, now: Date): string[] {
  return db.transaction((tx) => {
    const row = tx.select().from(authorizations).where(eq(authorizations.id, id)).get();
    if (!row) return [];
    tx.update(authorizations).set({ status: 'reauth_required', lastError: reason, updatedAt: now }).where(eq(authorizations.id, id)).run();
    if (row.status !== 'active' || !row.tenantId) return [];
    const tenant = tx.select({ displayName: tenants.displayName }).from(tenants).where(eq(tenants.tenantId, row.tenantId)).get();
    return recordEventsIn(tx, [reauthorizationEvent(row, row.tenantId, tenant?.displayName ?? null, reason, now)], now);
  });
}

/** The `authorization.reauth_required` event of an active authorization whose grant is gone (for its org only). */
export function reauthorizationEvent(row: AuthorizationRow, tenantId: string, displayName: string | null, reason: string, now: Date): EventDraft {
  return {
    type: 'authorization.reauth_required',
    tenantId,
    // The grant that stopped working: the authorization and when it last worked (or changed).
    identity: [row.id, (row.lastSuccessAt ?? row.updatedAt).getTime()],
    orgId: row.orgId,
    payload: {
      type: 'authorization.reauth_required',
      occurredAt: now.toISOString(),
      tenant: { tenantId, displayName, label: null },
      authorization: { id: row.id, label: row.label, reason },
    },
  };
}

/** Active authorizations of a tenant, most recently successful first (the failover order). */
export function activeAuthorizationsForTenant(db: Db, tenantId: string): AuthorizationRow[] {
  return db
    .select()
    .from(authorizations)
    .where(and(eq(authorizations.tenantId, tenantId), eq(authorizations.status, 'active')))
    .orderBy(sql`${authorizations.lastSuccessAt} is null`, desc(authorizations.lastSuccessAt), asc(authorizations.createdAt))
    .all();
}

/**
 * Deletes an org's authorization. When it was the last authorization for its tenant anywhere,
 * the tenant and all its stored health data go with it (polling stops). One transaction.
 * @returns null when the org has no such authorization.
 */
export function deleteAuthorization(db: Db, orgId: string, id: string): { purgedTenant: string | null } | null {
  return db.transaction((tx) => {
    const row = tx.select().from(authorizations).where(and(eq(authorizations.id, id), eq(authorizations.orgId, orgId))).get();
    if (!row) return null;
    tx.delete(authorizations).where(eq(authorizations.id, id)).run();
    if (!row.tenantId) return { purgedTenant: null };
    const remaining = tx.select({ id: authorizations.id }).from(authorizations).where(eq(authorizations.tenantId, row.tenantId)).limit(1).get();
    if (remaining) return { purgedTenant: null };
    tx.delete(tenants).where(eq(tenants.tenantId, row.tenantId)).run();
    deleteTenantEventsIn(tx, row.tenantId);
    return { purgedTenant: row.tenantId };
  });
}

/** Removes an authorization that never got past `pending` (a cancelled consent adds nothing). */
export function discardPendingAuthorization(db: Db, id: string): boolean {
  return db.delete(authorizations).where(and(eq(authorizations.id, id), eq(authorizations.status, 'pending'))).run().changes === 1;
}

/** The org holding an authorization; null when it is gone. */
export function authorizationOrg(db: Db, id: string): string | null {
  return db.select({ orgId: authorizations.orgId }).from(authorizations).where(eq(authorizations.id, id)).get()?.orgId ?? null;
}

/** The sealed msal token cache of an authorization; null when none is stored (or the row is gone). */
export function loadTokenCache(db: Db, authorizationId: string): string | null {
  return db.select({ c: authorizations.tokenCache }).from(authorizations).where(eq(authorizations.id, authorizationId)).get()?.c ?? null;
}

/** Stores an authorization's sealed msal token cache. */
export function saveTokenCache(db: Db, authorizationId: string, sealed: string, now: Date): void {
  db.update(authorizations).set({ tokenCache: sealed, updatedAt: now }).where(eq(authorizations.id, authorizationId)).run();
}
