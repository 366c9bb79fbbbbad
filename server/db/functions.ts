/**
 * SQL functions the queries rely on, registered on every connection by `openDatabase`.
 * SQLite's own `lower()` and `LIKE` fold ASCII letters only, so searches for "Ärger" or "STRASSE"
 * would miss "ärger" and "Straße"; `fold()` gives every connection the same Unicode-aware key.
 */

/**
 * A case-insensitive comparison key: NFKC-normalised, then upper- and lower-cased, which applies
 * Unicode's full case mappings (so "ß", "SS" and "ss" all become "ss", "É" becomes "é").
 */
export function foldForSearch(text: string): string {
  return text.normalize('NFKC').toUpperCase().toLowerCase();
}

/** The functions, by SQL name, as better-sqlite3 registers them. */
export const SQL_FUNCTIONS = {
  /** `fold(text)`: {@link foldForSearch}; NULL stays NULL. */
  fold: (value: unknown) => (typeof value === 'string' ? foldForSearch(value) : value === null ? null : foldForSearch(String(value))),
} as const;
