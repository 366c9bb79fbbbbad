/**
 * Prepared statements per database handle: a hot query is built by drizzle and prepared by SQLite
 * once, then only bound and run (benchmarked in `npm run bench -- http`).
 */
const statements = new WeakMap<object, Map<string, unknown>>();

/** Returns the statement `name` of `db`, preparing it with `build` the first time. */
export function prepared<T>(db: object, name: string, build: () => T): T {
  let byName = statements.get(db);
  if (!byName) statements.set(db, (byName = new Map()));
  let statement = byName.get(name) as T | undefined;
  if (statement === undefined) {
    statement = build();
    byName.set(name, statement);
  }
  return statement;
}
