/**
 * What PostgreSQL's SQL says differently from SQLite's, in one place (docs/scale-out.md §1):
 *
 * - text order: SQLite compares text byte-wise (its BINARY collation); PostgreSQL follows the
 *   database's locale unless told otherwise, so keyset cursors and listings order with
 *   `COLLATE "C"`, which is byte order whatever locale the cluster was created with;
 * - a write's row count is `rowCount` (SQLite: `changes`);
 * - case: SQLite's `lower()` is ASCII only ({@link asciiLower}), and its `fold()` (Unicode case
 *   folding in JavaScript) is folded in JavaScript when a row is written, into search columns
 *   only this schema has ({@link foldedIssueColumns}, {@link foldedMessageColumns});
 * - text cannot hold U+0000, so a request's value with one is compared as SQLite would
 *   ({@link textEq}, {@link textCompare});
 * - `greatest()` for SQLite's scalar `max()` of two values ({@link laterOf});
 * - "the database cannot write now" is a SQLSTATE, not a `SQLITE_*` code (`isStorageUnavailable`
 *   in server/errors.ts reads both).
 */
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { foldForSearch } from '../../db/functions.js';
import { parseList } from '../messages.js';

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

// ---------------------------------------------------------------------------------------------
// Case-insensitive search and ASCII case, as SQLite answers them

/**
 * SQLite's `lower()`: ASCII letters only (`lower('É')` is `'É'` there). PostgreSQL's `lower()`
 * follows the database's locale, so the filters that SQLite writes with `lower()` translate A–Z
 * instead, to match exactly the same rows.
 */
export function asciiLower(value: AnyColumn | SQL): SQL {
  return sql`translate(${value}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;
}

/**
 * The folded search keys of an issue row (`store/sync.ts`'s `issueRow`), written with it: what
 * SQLite's `fold(coalesce(field, ''))` gives for each field `listIssues`' `q` searches. SQLite
 * folds in the query with its JavaScript `fold()` (`server/db/functions.ts`); PostgreSQL's own
 * `lower()`/`upper()` lack Unicode's full case mappings ("ß" stays "ß"), so this store folds
 * with the same {@link foldForSearch} when it writes, and searches the folded text.
 */
export function foldedIssueColumns(row: {
  id: string;
  title: string;
  impactDescription: string | null;
  service: string;
  feature: string | null;
  featureGroup: string | null;
}): { foldedSearch: string[] } {
  return { foldedSearch: [row.id, row.title, row.impactDescription, row.service, row.feature, row.featureGroup].map((f) => foldForSearch(f ?? '')) };
}

/**
 * The folded search keys of a Message center row (`store/messages.ts`'s `messageRow`, its lists
 * as the JSON text stored): the category, each service and tag (the equality filters), and what
 * `q` searches (id, title, services, tags).
 */
export function foldedMessageColumns(row: { id: string; title: string; category: string; services: string; tags: string }): {
  foldedSearch: string[];
  foldedCategory: string;
  foldedServices: string[];
  foldedTags: string[];
} {
  const services = parseList(row.services).map(foldForSearch);
  const tags = parseList(row.tags).map(foldForSearch);
  return { foldedSearch: [foldForSearch(row.id), foldForSearch(row.title), ...services, ...tags], foldedCategory: foldForSearch(row.category), foldedServices: services, foldedTags: tags };
}

/** `an element of the folded text[] column contains needle` (SQLite: `instr(fold(…), needle) > 0` over the fields). */
export function foldedContains(column: AnyColumn, needle: string): SQL {
  if (needle.includes(NUL)) return sql`false`;
  return sql`exists (select 1 from unnest(${column}) as folded(v) where strpos(folded.v, ${needle}) > 0)`;
}

/** `an element of the folded text[] column equals needle` (SQLite: `fold(json_each.value) = needle`). */
export function foldedIncludes(column: AnyColumn, needle: string): SQL {
  if (needle.includes(NUL)) return sql`false`;
  return sql`${needle} = any(${column})`;
}

// ---------------------------------------------------------------------------------------------
// Comparing with a value from a request

const NUL = '\u0000';

/**
 * `column = value`. PostgreSQL text cannot hold U+0000 and refuses a parameter with one, where
 * SQLite compares it like any character; no stored text has one, so nothing equals such a value.
 */
export function textEq(column: AnyColumn | SQL, value: string): SQL {
  return value.includes(NUL) ? sql`false` : sql`${column} = ${value}`;
}

/**
 * `column <op> value` in byte order (`COLLATE "C"`, SQLite's BINARY), for a value that may come
 * from a request (a cursor, `since`). A value with U+0000 compares as SQLite compares it with
 * text that has none: `prefix + NUL + rest` sorts right after `prefix` and before every longer
 * text starting with it, so `< v` and `<= v` are `<= prefix`, `> v` and `>= v` are `> prefix`.
 */
export function textCompare(column: AnyColumn | SQL, op: '<' | '<=' | '>' | '>=', value: string): SQL {
  const nul = value.indexOf(NUL);
  if (nul < 0) return sql`${column} collate "C" ${sql.raw(op)} ${value}`;
  const prefix = value.slice(0, nul);
  return op === '<' || op === '<=' ? sql`${column} collate "C" <= ${prefix}` : sql`${column} collate "C" > ${prefix}`;
}

// ---------------------------------------------------------------------------------------------
// Refused writes
