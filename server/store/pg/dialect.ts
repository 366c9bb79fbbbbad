/**
 * What PostgreSQL's SQL says differently from SQLite's, in one place (docs/scale-out.md §1):
 *
 * - text order: SQLite compares text byte-wise (its BINARY collation); PostgreSQL follows the
 *   database's locale unless told otherwise, so keyset cursors and listings order with
 *   `COLLATE "C"`, which is byte order whatever locale the cluster was created with;
 * - a write's row count is `rowCount` (SQLite: `changes`);
 * - `greatest()` for SQLite's scalar `max()` of two values ({@link laterOf}).
 */
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

/** `column COLLATE "C"`: byte-wise text order, as SQLite's default. */
export function sqlC(column: AnyColumn): SQL {
  return sql`${column} collate "C"`;
}

/**
 * The later of two timestamps, a null one ignored: PostgreSQL's `greatest()` skips nulls (SQLite
 * writes `max(a, coalesce(b, 0))`, its scalar `max` being null when any argument is).
 */
export function laterOf(a: AnyColumn | SQL, b: AnyColumn | SQL): SQL {
  return sql`greatest(${a}, ${b})`;
}
