/**
 * API keys and orgs: the operations behind `/api/*` authentication, the keys CLI and the demo
 * page's key. Owns its prepared key lookup and the best-effort `lastUsedAt` recorder.
 */
import type { Db } from '../db/index.js';
import type { Role } from '../db/schema.js';
import {
  authenticateApiKey,
  createApiKey,
  createKeyUseRecorder,
  findOrCreateOrg,
  listApiKeys,
  prepareKeyLookup,
  revokeApiKey,
  revokeUserKeys,
  type ApiKeyInfo,
  type Org,
  type Principal,
} from '../store/keys.js';

export type { ApiKeyInfo, Org, Principal } from '../store/keys.js';

export interface KeysCore {
  /** The principal of a valid, unrevoked key, or null. Usage is recorded off the request path. */
  authenticate(key: string): Principal | null;
  /** Creates a key (and its org when new); the returned `key` is the only copy in clear. */
  create(p: { orgName: string; role: Role; userName?: string | null }): { key: string; id: string; prefix: string };
  list(orgName?: string): ApiKeyInfo[];
  /** Revokes by id or prefix; null when none matches. @throws AmbiguousKeyError */
  revoke(idOrPrefix: string): ApiKeyInfo | null;
  org(name: string): Org;
  /** Revokes an org's keys of one user name (the demo page's older keys). */
  revokeUserKeys(orgId: string, userName: string): number;
  /** Writes pending usage now (before closing the database). */
  flush(): void;
}

export function createKeysCore(deps: { db: Db; now: () => Date; log?: (line: string) => void }): KeysCore {
  const { db, now } = deps;
  const lookup = prepareKeyLookup(db);
  const usage = createKeyUseRecorder(db, deps.log);
  return {
    authenticate: (key) => authenticateApiKey(db, key, now(), usage.record, lookup),
    create: (p) => createApiKey(db, p),
    list: (orgName) => listApiKeys(db, orgName),
    revoke: (idOrPrefix) => revokeApiKey(db, idOrPrefix, now()),
    org: (name) => findOrCreateOrg(db, name),
    revokeUserKeys: (orgId, userName) => revokeUserKeys(db, orgId, userName, now()),
    flush: () => usage.flush(),
  };
}
