/**
 * The PostgreSQL store (`DATABASE_URL=postgres://…`): the operations of {@link Store} over
 * `schema.pg.ts`, written per engine where a statement runs differently (see `dialect.ts`).
 *
 * So far it holds the org and API key operations — what the keys CLI and API key
 * authentication need — as {@link KeysStore}, the part of {@link Store} the keys core is typed
 * against; the remaining operations follow the same pattern.
 */
import type { PgDb } from '../../db/postgres.js';
import type { KeysStore, Store } from '../index.js';
import * as keys from './keys.js';

/** The org and API key operations over a PostgreSQL database opened by `openPostgres`. */
export function createPostgresKeysStore(db: PgDb): KeysStore {
  return {
    engine: 'postgres',
    createOrg: (name) => keys.createOrg(db, name),
    findOrCreateOrg: (name) => keys.findOrCreateOrg(db, name),
    createApiKey: (options) => keys.createApiKey(db, options),
    listApiKeys: (orgName) => keys.listApiKeys(db, orgName),
    revokeApiKey: (idOrPrefix, now) => keys.revokeApiKey(db, idOrPrefix, now),
    revokeUserKeys: (orgId, userName, now) => keys.revokeUserKeys(db, orgId, userName, now),
    keyByHash: (keyHash) => keys.keyByHash(db, keyHash),
    recordKeyUses: (uses) => keys.recordKeyUses(db, uses),
  };
}
