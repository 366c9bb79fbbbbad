/**
 * API keys and orgs: the operations behind `/api/*` authentication, the keys CLI and the demo
 * page's key. Owns its prepared key lookup and the best-effort `lastUsedAt` recorder.
 */
import type { Db } from '../db/index.js';
import type { Role } from '../db/schema.js';
import { sha256 } from '../crypto.js';
import {
  API_KEY_PREFIX,
  authenticateApiKey,
  createApiKey,
  createKeyUseRecorder,
  findOrCreateOrg,
  LAST_USED_RESOLUTION_MS,
  listApiKeys,
  prepareKeyLookup,
  revokeApiKey,
  revokeUserKeys,
  type ApiKeyInfo,
  type Org,
  type Principal,
} from '../store/keys.js';
import type { ReadModel } from './read-model.js';

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

/**
 * @param deps.model The read model: principals are kept by key hash and dropped when keys change
 *   (here, or in another process such as the keys CLI). Without it every call reads the database.
 */
export function createKeysCore(deps: { db: Db; now: () => Date; log?: (line: string) => void; model?: ReadModel }): KeysCore {
  const { db, now, model } = deps;
  const lookup = prepareKeyLookup(db);
  const usage = createKeyUseRecorder(db, deps.log);
  const principals = model?.cache<string, { principal: Principal; lastUsedAt: number | null }>(['keys']);
  const changed = <T>(result: T): T => {
    model?.keysChanged();
    return result;
  };
  return {
    authenticate(key) {
      if (!principals) return authenticateApiKey(db, key, now(), usage.record, lookup);
      if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) return null;
      model!.checkExternalWrites();
      const hash = sha256(key);
      const at = now();
      const known = principals.get(hash);
      if (known) {
        if (known.lastUsedAt === null || at.getTime() - known.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
          known.lastUsedAt = at.getTime();
          usage.record(known.principal.keyId, at);
        }
        return known.principal;
      }
      // Unknown keys are not remembered: random keys must not grow the map.
      const row = lookup.get({ keyHash: hash });
      if (!row) return null;
      const { lastUsedAt, ...principal } = row;
      const entry = { principal, lastUsedAt: lastUsedAt?.getTime() ?? null };
      if (entry.lastUsedAt === null || at.getTime() - entry.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
        entry.lastUsedAt = at.getTime();
        usage.record(principal.keyId, at);
      }
      principals.set(hash, entry);
      return principal;
    },
    create: (p) => changed(createApiKey(db, p)),
    list: (orgName) => listApiKeys(db, orgName),
    revoke: (idOrPrefix) => changed(revokeApiKey(db, idOrPrefix, now())),
    org: (name) => findOrCreateOrg(db, name),
    revokeUserKeys: (orgId, userName) => changed(revokeUserKeys(db, orgId, userName, now())),
    flush: () => usage.flush(),
  };
}
