/**
 * Opens the SQLite file (creating its folder), sets WAL mode and foreign keys, and applies the
 * committed drizzle-kit migrations. Production start-up and every test use this same function.
 */
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SQL_FUNCTIONS } from './functions.js';
import * as schema from './schema.js';

/** The drizzle database (with its better-sqlite3 connection as `$client`). */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface OpenDatabase {
  db: Db;
  sqlite: Database.Database;
  close(): void;
}

/** The folder of committed migrations (`server/db/migrations`), next to this file in the source tree. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

/** Thrown when a read-only open finds a database that the running code would have to migrate. */
export class DatabaseNotReadyError extends Error {
  override name = 'DatabaseNotReadyError';
}

/**
 * Opens (and migrates) the database at `path`; `:memory:` works for unit tests.
 * With `readonly`, nothing is written (no folder, no migration, no journal-mode change): the file
 * must exist and already carry every migration, which suits tools that only read (`keys list`)
 * and a database on a read-only disk.
 */
export function openDatabase(path: string, options: { readonly?: boolean } = {}): OpenDatabase {
  if (options.readonly) return openReadonly(path);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  for (const [name, fn] of Object.entries(SQL_FUNCTIONS)) sqlite.function(name, { deterministic: true }, fn);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return {
    db,
    sqlite,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * A WAL database can be read in place only where SQLite may create its `-shm` file; on a
 * read-only disk or folder it cannot, so the file (and a `-wal` left by a crash) is copied to a
 * private temporary folder and that snapshot is read instead.
 */
function openReadonly(path: string): OpenDatabase {
  let snapshotDir: string | null = null;
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { readonly: true, fileMustExist: true });
    sqlite.prepare('select 1 from sqlite_master limit 1').all();
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (!/^SQLITE_(CANTOPEN|IOERR|READONLY)/.test(code)) throw err;
    snapshotDir = mkdtempSync(join(tmpdir(), 'o365-health-readonly-'));
    const copy = join(snapshotDir, 'snapshot.db');
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    sqlite = new Database(copy, { fileMustExist: true });
    sqlite.pragma('query_only = ON');
  }
  const close = () => {
    if (sqlite.open) sqlite.close();
    if (snapshotDir) rmSync(snapshotDir, { recursive: true, force: true });
  };
  try {
    sqlite.pragma('busy_timeout = 5000');
    for (const [name, fn] of Object.entries(SQL_FUNCTIONS)) sqlite.function(name, { deterministic: true }, fn);
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
    const applied = sqlite
      .prepare(`select count(*) as n from sqlite_master where type = 'table' and name = '__drizzle_migrations'`)
      .get() as { n: number };
    const count = applied.n ? (sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }).n : 0;
    if (count < journal.entries.length) {
      throw new DatabaseNotReadyError(`${path} has ${count} of ${journal.entries.length} migrations; start the server once (npm start) to migrate it.`);
    }
  } catch (err) {
    close();
    throw err;
  }
  return { db: drizzle(sqlite, { schema }), sqlite, close };
}
