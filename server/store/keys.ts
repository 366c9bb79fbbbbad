/**
 * Orgs and their API keys. A key is `o365_` + 32 random bytes (base64url); only its SHA-256 is
 * stored, with a short prefix so people can tell keys apart in `keys list`.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import { randomToken, sha256 } from '../crypto.js';
import type { Db } from '../db/index.js';
import { apiKeys, orgs, ROLES, type Role } from '../db/schema.js';

export const API_KEY_PREFIX = 'o365_';
/** Characters of a key kept in clear as its `prefix` (`o365_` + 7 random characters). */
export const API_KEY_PREFIX_LENGTH = 12;
/** `lastUsedAt` is written at most this often per key, so reads do not each cost a write. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** What a valid API key says about its caller. */
export interface Principal {
  keyId: string;
  orgId: string;
  orgName: string;
  role: Role;
  userName: string | null;
}

/** An API key as listed (never the key itself). */
export interface ApiKeyInfo {
  id: string;
  prefix: string;
  orgName: string;
  role: Role;
  userName: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface Org {
  id: string;
  name: string;
}

/** Creates an org; fails (unique constraint) when the name is taken. */
export function createOrg(db: Db, name: string): Org {
  const org = { id: randomUUID(), name: checkOrgName(name) };
  db.insert(orgs).values(org).run();
  return org;
}

/** Returns the org named `name`, creating it when it does not exist. */
export function findOrCreateOrg(db: Db, name: string): Org {
  const clean = checkOrgName(name);
  db.insert(orgs).values({ id: randomUUID(), name: clean }).onConflictDoNothing({ target: orgs.name }).run();
  const org = db.select({ id: orgs.id, name: orgs.name }).from(orgs).where(eq(orgs.name, clean)).get();
  if (!org) throw new Error(`org ${clean} could not be created`);
  return org;
}

function checkOrgName(name: string): string {
  const clean = name.trim();
  if (clean === '' || clean.length > 100) throw new RangeError('An org name has 1 to 100 characters.');
  return clean;
}

/** Creates an API key (and the org when needed). The returned `key` is the only copy in clear. */
export function createApiKey(
  db: Db,
  options: { orgName: string; role: Role; userName?: string | null },
): { key: string; id: string; prefix: string } {
  if (!(ROLES as readonly string[]).includes(options.role)) throw new RangeError(`role must be one of ${ROLES.join(', ')}`);
  const org = findOrCreateOrg(db, options.orgName);
  const key = API_KEY_PREFIX + randomToken(32);
  const id = randomUUID();
  const prefix = key.slice(0, API_KEY_PREFIX_LENGTH);
  db.insert(apiKeys)
    .values({ id, orgId: org.id, keyHash: sha256(key), prefix, role: options.role, userName: options.userName?.trim() || null })
    .run();
  return { key, id, prefix };
}

/** Lists API keys, oldest first, optionally of one org. */
export function listApiKeys(db: Db, orgName?: string): ApiKeyInfo[] {
  return db
    .select({
      id: apiKeys.id,
      prefix: apiKeys.prefix,
      orgName: orgs.name,
      role: apiKeys.role,
      userName: apiKeys.userName,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .innerJoin(orgs, eq(orgs.id, apiKeys.orgId))
    .where(orgName === undefined ? undefined : eq(orgs.name, orgName))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
    .all();
}

/** Thrown by {@link revokeApiKey} when a prefix matches more than one key. */
export class AmbiguousKeyError extends Error {
  override name = 'AmbiguousKeyError';
}

/**
 * Revokes the key with this id or prefix. Returns the key (revoked now or before), or `null` when
 * none matches. @throws AmbiguousKeyError when a prefix matches several keys.
 */
export function revokeApiKey(db: Db, idOrPrefix: string, now: Date = new Date()): ApiKeyInfo | null {
  const matches = db
    .select({ id: apiKeys.id, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(or(eq(apiKeys.id, idOrPrefix), eq(apiKeys.prefix, idOrPrefix)))
    .all();
  if (matches.length === 0) return null;
  if (matches.length > 1) throw new AmbiguousKeyError(`${idOrPrefix} matches ${matches.length} keys; use the id.`);
  const [match] = matches;
  if (match.revokedAt === null) {
    db.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, match.id)).run();
  }
  return listApiKeys(db).find((k) => k.id === match.id) ?? null;
}

/** Writes a key's `lastUsedAt` now (the default of {@link authenticateApiKey}). */
export function recordKeyUse(db: Db, keyId: string, at: Date): void {
  db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, keyId)).run();
}

/** The key lookup by hash, prepared once by its owner (the core) and reused. */
export function prepareKeyLookup(db: Db) {
  return db
    .select({
      keyId: apiKeys.id,
      orgId: apiKeys.orgId,
      orgName: orgs.name,
      role: apiKeys.role,
      userName: apiKeys.userName,
      lastUsedAt: apiKeys.lastUsedAt,
    })
    .from(apiKeys)
    .innerJoin(orgs, eq(orgs.id, apiKeys.orgId))
    .where(and(eq(apiKeys.keyHash, sql.placeholder('keyHash')), isNull(apiKeys.revokedAt)))
    .prepare();
}

export type KeyLookup = ReturnType<typeof prepareKeyLookup>;

/**
 * Looks up a key. Returns its principal, or `null` when the key is unknown or revoked.
 * Records `lastUsedAt` at most once per {@link LAST_USED_RESOLUTION_MS} through `recordUse`
 * (synchronously by default; the core batches them off the request path).
 */
export function authenticateApiKey(
  db: Db,
  key: string,
  now: Date,
  recordUse: (keyId: string, at: Date) => void = (keyId, at) => recordKeyUse(db, keyId, at),
  lookup: KeyLookup = prepareKeyLookup(db),
): Principal | null {
  if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) return null;
  const row = lookup.get({ keyHash: sha256(key) });
  if (!row) return null;
  if (row.lastUsedAt === null || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    recordUse(row.keyId, now);
  }
  const { lastUsedAt: _ignored, ...principal } = row;
  return principal;
}

/** Revokes the org's unrevoked keys of one user name; returns how many. */
export function revokeUserKeys(db: Db, orgId: string, userName: string, now: Date): number {
  return db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.userName, userName), isNull(apiKeys.revokedAt)))
    .run().changes;
}

const lookups = new WeakMap<Db, KeyLookup>();

/** The unrevoked key with this SHA-256, with its principal and last use; undefined when none. */
export function keyByHash(db: Db, keyHash: string): (Principal & { lastUsedAt: Date | null }) | undefined {
  let lookup = lookups.get(db);
  if (!lookup) lookups.set(db, (lookup = prepareKeyLookup(db)));
  return lookup.get({ keyHash });
}

/** Writes a batch of keys' `lastUsedAt` in one transaction. */
export function recordKeyUses(db: Db, uses: ReadonlyMap<string, Date>): void {
  db.transaction((tx) => {
    for (const [keyId, at] of uses) tx.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, keyId)).run();
  });
}
