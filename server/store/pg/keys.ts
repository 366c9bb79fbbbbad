/**
 * Orgs and API keys on PostgreSQL: the same operations as `store/keys.ts`, over `schema.pg.ts`.
 * The builder code is drizzle's on both engines; what differs is only how a statement runs
 * (awaited here, `.run()`/`.all()`/`.get()` there) and how a write reports its rows
 * (`rowCount` here, `changes` there).
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNull, or } from 'drizzle-orm';
import { randomToken, sha256 } from '../../crypto.js';
import type { PgDb } from '../../db/postgres.js';
import { apiKeys, orgs } from '../../db/schema.pg.js';
import { ROLES, type Role } from '../../db/schema.js';
import { sqlC } from './dialect.js';
import { AmbiguousKeyError, API_KEY_PREFIX, API_KEY_PREFIX_LENGTH, type ApiKeyInfo, type Org, type Principal } from '../keys.js';

function checkOrgName(name: string): string {
  const clean = name.trim();
  if (clean === '' || clean.length > 100) throw new RangeError('An org name has 1 to 100 characters.');
  return clean;
}

export async function createOrg(db: PgDb, name: string): Promise<Org> {
  const org = { id: randomUUID(), name: checkOrgName(name) };
  await db.insert(orgs).values(org);
  return org;
}

export async function findOrCreateOrg(db: PgDb, name: string): Promise<Org> {
  const clean = checkOrgName(name);
  await db.insert(orgs).values({ id: randomUUID(), name: clean }).onConflictDoNothing({ target: orgs.name });
  const [org] = await db.select({ id: orgs.id, name: orgs.name }).from(orgs).where(eq(orgs.name, clean));
  if (!org) throw new Error(`org ${clean} could not be created`);
  return org;
}

export async function createApiKey(db: PgDb, options: { orgName: string; role: Role; userName?: string | null }): Promise<{ key: string; id: string; prefix: string }> {
  if (!(ROLES as readonly string[]).includes(options.role)) throw new RangeError(`role must be one of ${ROLES.join(', ')}`);
  const org = await findOrCreateOrg(db, options.orgName);
  const key = API_KEY_PREFIX + randomToken(32);
  const id = randomUUID();
  const prefix = key.slice(0, API_KEY_PREFIX_LENGTH);
  await db.insert(apiKeys).values({ id, orgId: org.id, keyHash: sha256(key), prefix, role: options.role, userName: options.userName?.trim() || null });
  return { key, id, prefix };
}

export async function listApiKeys(db: PgDb, orgName?: string): Promise<ApiKeyInfo[]> {
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
    // Ids are compared byte-wise, as SQLite compares text, whatever the database's locale.
    .orderBy(asc(apiKeys.createdAt), asc(sqlC(apiKeys.id)));
}

export async function revokeApiKey(db: PgDb, idOrPrefix: string, now: Date = new Date()): Promise<ApiKeyInfo | null> {
  const matches = await db
    .select({ id: apiKeys.id, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(or(eq(apiKeys.id, idOrPrefix), eq(apiKeys.prefix, idOrPrefix)));
  if (matches.length === 0) return null;
  if (matches.length > 1) throw new AmbiguousKeyError(`${idOrPrefix} matches ${matches.length} keys; use the id.`);
  const [match] = matches;
  if (match!.revokedAt === null) await db.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, match!.id));
  return (await listApiKeys(db)).find((k) => k.id === match!.id) ?? null;
}

export async function revokeUserKeys(db: PgDb, orgId: string, userName: string, now: Date): Promise<number> {
  const result = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.userName, userName), isNull(apiKeys.revokedAt)));
  return result.rowCount ?? 0;
}

export async function keyByHash(db: PgDb, keyHash: string): Promise<(Principal & { lastUsedAt: Date | null }) | undefined> {
  const [row] = await db
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
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)));
  return row;
}

export async function recordKeyUses(db: PgDb, uses: ReadonlyMap<string, Date>): Promise<void> {
  await db.transaction(async (tx) => {
    for (const [keyId, at] of uses) await tx.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, keyId));
  });
}
