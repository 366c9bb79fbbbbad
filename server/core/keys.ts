/**
 * API keys and orgs: the operations behind `/api/*` authentication, the keys CLI and the demo
 * page's key. Owns the principals the read model keeps and the best-effort `lastUsedAt` recorder.
 */
import type { Role } from '../db/schema.js';
import { sha256 } from '../crypto.js';
import { API_KEY_PREFIX, LAST_USED_RESOLUTION_MS, type ApiKeyInfo, type Org, type Principal } from '../store/keys.js';
import type { KeysStore } from '../store/index.js';
import type { ReadModel } from './read-model.js';

export type { ApiKeyInfo, Org, Principal } from '../store/keys.js';

export interface KeysCore {
  /** The principal of a valid, unrevoked key, or null. Usage is recorded off the request path. */
  authenticate(key: string): Promise<Principal | null>;
  /**
   * The principal of a key the read model already holds, at once; undefined when the model does
   * not know the key (the caller then awaits {@link authenticate}). Never reads the database.
   */
  peek(key: string): Principal | undefined;
  /** Creates a key (and its org when new); the returned `key` is the only copy in clear. */
  create(p: { orgName: string; role: Role; userName?: string | null }): Promise<{ key: string; id: string; prefix: string }>;
  list(orgName?: string): Promise<ApiKeyInfo[]>;
  /** Revokes by id or prefix; null when none matches. @throws AmbiguousKeyError */
  revoke(idOrPrefix: string): Promise<ApiKeyInfo | null>;
  org(name: string): Promise<Org>;
  /** Revokes an org's keys of one user name (the demo page's older keys). */
  revokeUserKeys(orgId: string, userName: string): Promise<number>;
  /** Writes pending usage now (before closing the database). */
  flush(): Promise<void>;
}

/**
 * Batches `lastUsedAt` writes off the request path: uses are queued in memory and written once per
 * turn of the event loop. A failed write (read-only or full disk) is logged, at most once a minute,
 * and dropped: usage is bookkeeping, and reads must keep working when the database cannot write.
 */
export function createKeyUseRecorder(store: Pick<KeysStore, 'recordKeyUses'>, log: (line: string) => void = () => {}): { record(keyId: string, at: Date): void; flush(): Promise<void> } {
  let pending = new Map<string, Date>();
  let scheduled = false;
  let lastComplaint = 0;
  let writing: Promise<void> = Promise.resolve();
  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = new Map();
    if (batch.size === 0) return writing;
    writing = writing.then(() =>
      store.recordKeyUses(batch).catch((err: unknown) => {
        if (Date.now() - lastComplaint >= 60_000) {
          lastComplaint = Date.now();
          log(`API key usage not recorded (the database refused the write): ${(err as Error).message}`);
        }
      }),
    );
    return writing;
  };
  return {
    record(keyId, at) {
      pending.set(keyId, at);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

/**
 * @param deps.model The read model: principals are kept by key hash and dropped when keys change
 *   (here, or in another process such as the keys CLI). Without it every call reads the database.
 */
export function createKeysCore(deps: { store: KeysStore; now: () => Date; log?: (line: string) => void; model?: ReadModel }): KeysCore {
  const { store, now, model } = deps;
  const usage = createKeyUseRecorder(store, deps.log);
  const principals = model?.cache<string, { principal: Principal; lastUsedAt: number | null } | null>(['keys']);
  const changed = <T>(result: T): T => {
    model?.keysChanged();
    return result;
  };
  /** Records a use when the last one written is older than the resolution. */
  const used = (entry: { principal: Principal; lastUsedAt: number | null }, at: Date): Principal => {
    if (entry.lastUsedAt === null || at.getTime() - entry.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
      entry.lastUsedAt = at.getTime();
      usage.record(entry.principal.keyId, at);
    }
    return entry.principal;
  };
  const wellFormed = (key: string) => key.startsWith(API_KEY_PREFIX) && key.length <= 200;
  const peek = (key: string): Principal | undefined => {
    if (!principals || !wellFormed(key)) return undefined;
    model!.checkExternalWrites();
    const known = principals.get(sha256(key));
    return known ? used(known, now()) : undefined;
  };
  return {
    peek,
    async authenticate(key) {
      if (!wellFormed(key)) return null;
      const known = peek(key);
      if (known) return known;
      const hash = sha256(key);
      const read = async () => {
        const row = await store.keyByHash(hash);
        if (!row) return null;
        const { lastUsedAt, ...principal } = row;
        return { principal, lastUsedAt: lastUsedAt?.getTime() ?? null };
      };
      // Unknown keys are not remembered: random keys must not grow the map.
      const entry = principals ? await model!.load(principals, hash, read, (found) => found !== null) : await read();
      return entry ? used(principals?.get(hash) ?? entry, now()) : null;
    },
    create: async (p) => changed(await store.createApiKey(p)),
    list: (orgName) => store.listApiKeys(orgName),
    revoke: async (idOrPrefix) => changed(await store.revokeApiKey(idOrPrefix, now())),
    org: (name) => store.findOrCreateOrg(name),
    revokeUserKeys: async (orgId, userName) => changed(await store.revokeUserKeys(orgId, userName, now())),
    flush: () => usage.flush(),
  };
}
