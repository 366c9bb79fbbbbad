/**
 * The PostgreSQL store (`DATABASE_URL=postgres://…`, DESIGN.md "Scale-out"): opens a `pg` pool,
 * wraps it in drizzle's node-postgres driver over `schema.pg.ts`, and applies the committed
 * migrations of `server/db/migrations-pg` at start-up — under a PostgreSQL advisory lock, so
 * instances started together (a rolling upgrade, a scaled deployment) migrate one after another
 * instead of racing on `CREATE TABLE`. The one that wins applies the migrations; the others wait,
 * then find nothing left to do.
 *
 * How the core runs over both stores, and how instances share the work, is in `docs/scale-out.md`.
 */
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as schema from './schema.pg.js';

/** The drizzle database over a `pg` pool (the pool is `$client`). */
export type PgDb = NodePgDatabase<typeof schema> & { $client: pg.Pool };

/** A transaction of {@link PgDb}. */
export type PgTx = Parameters<Parameters<PgDb['transaction']>[0]>[0];

export interface OpenPostgres {
  db: PgDb;
  pool: pg.Pool;
  /** Ends every connection of the pool. */
  close(): Promise<void>;
}

export interface OpenPostgresOptions {
  /** Connections in the pool (pg's default is 10). */
  max?: number;
  /** Shown in `pg_stat_activity.application_name`; the instance id belongs here. */
  applicationName?: string;
  /** Where errors of idle connections go (a restarted server, a dropped network). */
  log?: (line: string) => void;
}

/** The folder of committed PostgreSQL migrations (`server/db/migrations-pg`). */
export const PG_MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations-pg', import.meta.url));

/**
 * The key of the session-level advisory lock held while migrating (`pg_advisory_lock(bigint)`):
 * "o365mig" in ASCII, a constant every instance of every version shares.
 */
export const MIGRATION_LOCK_KEY = 0x6f333635_6d6967n;

/** The schema and table drizzle records applied migrations in (its defaults, named here for tools and tests). */
export const PG_MIGRATIONS_TABLE = { schema: 'drizzle', table: '__drizzle_migrations' } as const;

/**
 * Connects to `url`, applies the pending migrations under {@link MIGRATION_LOCK_KEY}, and returns
 * the database. The lock is taken on one dedicated connection that also runs the migration, so a
 * process that dies mid-way releases it with its session; the migration itself is one transaction
 * (drizzle's), so a failure leaves the database as it was. On failure the pool is closed and the
 * error thrown.
 */
export async function openPostgres(url: string, options: OpenPostgresOptions = {}): Promise<OpenPostgres> {
  const pool = new pg.Pool({
    connectionString: url,
    ...(options.max !== undefined ? { max: options.max } : {}),
    application_name: options.applicationName ?? 'o365-health',
    // pg closes a connection idle for 10 s by default; the poller's bursts then pay for a new
    // backend (and its cold plan and catalog caches) again and again during a long cycle.
    idleTimeoutMillis: 120_000,
  });
  // An idle connection that breaks emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', (err) => (options.log ?? console.error)(`postgres: idle connection error: ${err.message}`));
  try {
    await migrateLocked(pool);
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  const db = drizzle(pool, { schema }) as PgDb;
  return { db, pool, close: () => pool.end() };
}

async function migrateLocked(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await migrate(drizzle(client, { schema }), { migrationsFolder: PG_MIGRATIONS_FOLDER, migrationsSchema: PG_MIGRATIONS_TABLE.schema, migrationsTable: PG_MIGRATIONS_TABLE.table });
    } finally {
      await client.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]).catch(() => {
        broken = true;
      });
    }
  } finally {
    // A connection whose unlock failed may still hold the lock: destroy it rather than pool it.
    client.release(broken || undefined);
  }
}
