/**
 * The subset of OData query options Graph's service communications API supports:
 * `$filter` (comparisons joined by `and`), `$top`, `$skip`, and server-driven paging with
 * `@odata.nextLink` and `Prefer: odata.maxpagesize` (https://learn.microsoft.com/graph/paging).
 */

/** A filterable property and how to compare it. */
export type FieldKind = 'string' | 'boolean' | 'datetime';

/** One parsed comparison. */
interface Clause {
  field: string;
  op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
  value: string | boolean | number | null;
}

/** Thrown for a `$filter` or other query option the simulator (like Graph) rejects. */
export class ODataError extends Error {}

const CLAUSE = /\s*([A-Za-z][A-Za-z0-9]*)\s+(eq|ne|gt|ge|lt|le)\s+('(?:[^']|'')*'|true|false|null|\d{4}-\d{2}-\d{2}(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?|-?\d+(?:\.\d+)?)\s*/iy;
const AND = /and(?=\s)/iy;

/**
 * Parses `$filter` into a predicate over objects, for the given fields only.
 * @throws ODataError with Graph's message when the filter is invalid
 */
export function parseFilter(filter: string, fields: Record<string, FieldKind>): (item: Record<string, unknown>) => boolean {
  const clauses: Clause[] = [];
  let pos = 0;
  const text = filter.trim();
  if (!text) throw new ODataError("Invalid filter clause: the filter expression is empty.");
  while (pos < text.length) {
    CLAUSE.lastIndex = pos;
    const m = CLAUSE.exec(text);
    if (!m) throw new ODataError(`Invalid filter clause: syntax error at position ${pos} in '${text}'.`);
    const [, rawField, rawOp, rawValue] = m;
    const field = Object.keys(fields).find((f) => f.toLowerCase() === rawField.toLowerCase());
    if (!field) throw new ODataError(`Invalid filter clause: Could not find a property named '${rawField}' on type 'microsoft.graph.serviceAnnouncementBase'.`);
    const kind = fields[field];
    let value: Clause['value'];
    if (rawValue.startsWith("'")) value = rawValue.slice(1, -1).replace(/''/g, "'");
    else if (/^(true|false)$/i.test(rawValue)) value = rawValue.toLowerCase() === 'true';
    else if (/^null$/i.test(rawValue)) value = null;
    else if (/^\d{4}-/.test(rawValue)) {
      const ms = Date.parse(rawValue);
      if (Number.isNaN(ms)) throw new ODataError(`Invalid filter clause: '${rawValue}' is not a valid DateTimeOffset.`);
      value = ms;
    } else value = Number(rawValue);
    if (kind === 'datetime' && typeof value !== 'number' && value !== null) {
      const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(ms)) throw new ODataError(`Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.DateTimeOffset' and '${typeof value === 'boolean' ? 'Edm.Boolean' : 'Edm.String'}' for operator kind '${rawOp}'.`);
      value = ms;
    }
    if (kind === 'boolean' && typeof value !== 'boolean') {
      throw new ODataError(`Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.Boolean' and '${typeof value === 'number' ? 'Edm.Int32' : 'Edm.String'}' for operator kind '${rawOp}'.`);
    }
    if (kind === 'string' && typeof value !== 'string' && value !== null) {
      throw new ODataError(`Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.String' and '${typeof value === 'boolean' ? 'Edm.Boolean' : 'Edm.Int32'}' for operator kind '${rawOp}'.`);
    }
    clauses.push({ field, op: rawOp.toLowerCase() as Clause['op'], value });
    pos = CLAUSE.lastIndex;
    if (pos >= text.length) break;
    AND.lastIndex = pos;
    if (!AND.exec(text)) throw new ODataError(`Invalid filter clause: only 'and' may join comparisons here (at position ${pos}).`);
    pos = AND.lastIndex;
  }

  return (item) =>
    clauses.every(({ field, op, value }) => {
      const raw = item[field];
      let left: string | number | boolean | null;
      let right: string | number | boolean | null = value;
      if (fields[field] === 'datetime') left = typeof raw === 'string' ? Date.parse(raw) : null;
      else if (fields[field] === 'string') {
        // Graph compares enum and name values case-insensitively.
        left = typeof raw === 'string' ? raw.toLowerCase() : null;
        right = typeof value === 'string' ? value.toLowerCase() : value;
      } else left = (raw as boolean | null) ?? null;
      switch (op) {
        case 'eq':
          return left === right;
        case 'ne':
          return left !== right;
        default: {
          if (left === null || right === null) return false;
          if (op === 'gt') return left > right;
          if (op === 'ge') return left >= right;
          if (op === 'lt') return left < right;
          return left <= right;
        }
      }
    });
}

/** Default and largest page sizes of these collections. */
export const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

/** Reads `Prefer: odata.maxpagesize=N`; returns the page size applied, or null if none asked. */
export function preferredPageSize(prefer: string | undefined): number | null {
  const m = prefer?.match(/odata\.maxpagesize\s*=\s*(\d+)/i);
  if (!m) return null;
  const n = Number(m[1]);
  return n >= 1 ? Math.min(n, MAX_PAGE_SIZE) : null;
}

/** Parses a non-negative integer query option. */
export function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new ODataError(`Invalid value '${value}' for query option '${name}': an integer is expected.`);
  return Number(value);
}

/**
 * Cuts one page out of a filtered collection. `$top` limits the total returned across pages
 * (OData semantics); the page size is the preferred size or 100. `nextLink` is absolute and
 * keeps the other query options.
 */
export function paginate<T>(items: T[], url: URL, opts: { top?: number; skip?: number; pageSize: number }): { page: T[]; nextLink?: string } {
  const skip = opts.skip ?? 0;
  const end = Math.min(items.length, opts.top === undefined ? items.length : opts.top);
  const pageEnd = Math.min(end, skip + opts.pageSize);
  const page = items.slice(skip, Math.max(skip, pageEnd));
  if (pageEnd >= end) return { page };
  const next = new URL(url.toString());
  next.searchParams.set('$skip', String(pageEnd));
  return { page, nextLink: next.toString().replace(/%24/g, '$') };
}
