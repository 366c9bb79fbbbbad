/**
 * The read model of the hot path: what every dashboard refresh needs, kept in memory and changed
 * when the data changes, not rebuilt when it is read.
 *
 * - principals by API key hash (revocation and new keys clear them);
 * - each org's authorization references (visibility; any authorization change clears them);
 * - each tenant's last successful sync time (a sync that writes updates it);
 * - serialised health bodies with their ETags, keyed by everything that shapes the bytes.
 *
 * The core's own writes tell the model what changed. On PostgreSQL, other instances' writes arrive
 * as notifications (store/pg/listen.ts) that the core passes on. On SQLite, writes by another
 * process on the same database (the keys CLI revoking a key) are seen through `PRAGMA data_version`, which
 * changes whenever another connection commits: reads check it (one prepared statement, at most
 * once per {@link EXTERNAL_CHECK_MS}) and, when it moved, everything is dropped — so a key revoked
 * by the CLI stops working within a millisecond.
 *
 * The store is asynchronous, the hot path is not: a read that finds its answer here returns it
 * at once ({@link ReadModel.peek}-style lookups in the core), and a miss goes to the store and
 * fills the model through {@link ReadModel.load}, which keeps nothing that a change overtook while
 * it was being read (a sync that commits between the read and its answer must not leave the old
 * answer cached).
 */

/** How often, at most, reads ask SQLite whether another connection wrote (a query costs µs). */
export const EXTERNAL_CHECK_MS = 1;

/** Entries kept per map at most; beyond it the map starts again (a bound, not an LRU). */
const LIMIT = 50_000;

export interface ReadModel {
  /** Drops everything if another connection committed since the last check. */
  checkExternalWrites(): void;
  keysChanged(): void;
  authorizationsChanged(): void;
  tenantChanged(tenantId: string): void;
  /** Anything may have changed (another instance's writes that were not heard): drops everything. */
  everythingChanged(): void;
  /**
   * A map owned by the model, cleared with the changes named by `dependsOn` (a `tenants` map is
   * keyed by tenant id and loses that tenant's entry when it changes; an `anyTenant` map is
   * cleared whole when any tenant changes).
   */
  cache<K, V>(dependsOn: Array<'keys' | 'authorizations' | 'tenants' | 'anyTenant'>): Map<K, V>;
  /**
   * Reads `key` of `map` through `loader` when the map lacks it, and keeps the result only when no
   * change was told to the model meanwhile (then the next read loads again), and only when `keep`
   * (if given) accepts it.
   */
  load<K, V>(map: Map<K, V>, key: K, loader: () => Promise<V>, keep?: (value: V) => boolean): Promise<V>;
  /** A mark of the model's changes so far, for {@link unchanged}. */
  stamp(): number;
  /** True when no change was told to the model since `stamp` was taken. */
  unchanged(stamp: number): boolean;
}

/**
 * @param externalWriteVersion The store's sync view of other connections' commits (SQLite's
 *   `PRAGMA data_version`); without it, only the core's own writes change the model.
 */
export function createReadModel(externalWriteVersion?: () => number): ReadModel {
  let seen = externalWriteVersion?.() ?? 0;
  let checkedAt = performance.now();
  // Bumped by every change: a load that started before a change does not keep its answer.
  let generation = 0;
  const groups = {
    keys: new Set<Map<unknown, unknown>>(),
    authorizations: new Set<Map<unknown, unknown>>(),
    tenants: new Set<Map<unknown, unknown>>(),
    anyTenant: new Set<Map<unknown, unknown>>(),
  };
  const clear = (group: keyof typeof groups) => {
    generation++;
    groups[group].forEach((map) => map.clear());
  };
  const clearAll = () => {
    clear('keys');
    clear('authorizations');
    clear('tenants');
    clear('anyTenant');
  };
  return {
    checkExternalWrites() {
      if (!externalWriteVersion) return;
      const at = performance.now();
      if (at - checkedAt < EXTERNAL_CHECK_MS) return;
      checkedAt = at;
      const now = externalWriteVersion();
      if (now === seen) return;
      seen = now;
      clearAll();
    },
    everythingChanged: () => clearAll(),
    keysChanged: () => clear('keys'),
    authorizationsChanged: () => clear('authorizations'),
    // Maps that depend on tenants are keyed by tenant id: only that tenant's entry goes.
    tenantChanged: (tenantId) => {
      generation++;
      groups.tenants.forEach((map) => map.delete(tenantId));
      clear('anyTenant');
    },
    cache<K, V>(dependsOn: Array<keyof typeof groups>) {
      const map = new BoundedMap<K, V>();
      for (const group of dependsOn) groups[group].add(map as Map<unknown, unknown>);
      return map;
    },
    stamp: () => generation,
    unchanged: (stamp) => stamp === generation,
    async load(map, key, loader, keep) {
      const started = generation;
      const value = await loader();
      if (generation === started && (!keep || keep(value))) map.set(key, value);
      return value;
    },
  };
}

/** A Map that starts again when it reaches {@link LIMIT} entries. */
class BoundedMap<K, V> extends Map<K, V> {
  override set(key: K, value: V): this {
    if (this.size >= LIMIT && !this.has(key)) this.clear();
    return super.set(key, value);
  }
}
