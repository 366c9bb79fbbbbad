/**
 * The whole product for a test: the Microsoft 365 simulator on a free port, and the real server
 * (startServer, as `npm start` runs it) on another, with a real SQLite file in a temp folder —
 * or, with `TEST_STORE=postgres` (`npm run test:server:postgres`), a fresh database of a real
 * PostgreSQL 15 started for the test file (test/support/postgres.ts). Nothing is stubbed:
 * msal-node, Graph calls, HTTP, SQLite and PostgreSQL are the production ones.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom } from '../../demo/simulator/random.js';
import { BUILT_IN_APP, startSimulator, type RunningSimulator } from '../../demo/simulator/index.js';
import { loadConfig } from '../../server/config.js';
import type { GraphClientOptions } from '../../server/microsoft/graph.js';
import { startServer, type RunningServer, type StartServerOptions } from '../../server/server.js';
import { walkSimulatedConsent } from '../../server/simulated-consent.js';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';
import { randomToken, sha256 } from '../../server/crypto.js';
import { API_KEY_PREFIX, API_KEY_PREFIX_LENGTH, createApiKey } from '../../server/store/keys.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import { and, eq, getTableColumns, isNull, type SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import * as sqliteSchema from '../../server/db/schema.js';
import * as pgSchema from '../../server/db/schema.pg.js';
import { openDatabase, type Db } from '../../server/db/index.js';
import { openPostgres } from '../../server/db/postgres.js';
import { createSqliteStore, type Store } from '../../server/store/index.js';
import { createPostgresStore } from '../../server/store/pg/index.js';
import { recordEventsIn, type EventDraft } from '../../server/store/events.js';
import { recordEventsIn as recordEventsInPg } from '../../server/store/pg/events.js';

/** Which engine the stacks of this run use (`TEST_STORE=postgres`, else SQLite). */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env.TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** One PostgreSQL server per test file, started on the first stack; it stops after the file's tests. */
let postgresServer: Promise<PostgresServer> | null = null;

/** The test file's PostgreSQL server (started on first use). */
export const sharedPostgres = (): Promise<PostgresServer> => (postgresServer ??= startPostgres());

// Registered in each test file that imports this module (vitest runs every file with its own
// modules): the server goes with the file. A vitest worker is ended without its 'exit' event, so
// the server's own exit handler alone left one server running per file.
if (process.env.VITEST) {
  afterAll(async () => {
    const started = postgresServer;
    postgresServer = null;
    await (await started?.catch(() => null))?.stop();
  });
}

/** One entry of the simulator's request log (`GET /_simulator/requests`). */
export interface LoggedRequest {
  at: string;
  method: string;
  path: string;
  /** The query string as sent, with its `?` (empty when none). */
  query: string;
  tenantId: string;
  /** 0 when the connection was closed without an answer (a `hang`, or a client that gave up). */
  status: number;
}

/** A Graph request that a `delay`, `hold` or `hang` fault keeps waiting (`GET /_simulator/held`). */
export interface HeldRequest {
  id: string;
  kind: 'delay' | 'hold' | 'hang';
  tenantId: string;
  method: string;
  path: string;
  query: string;
}

/** The tables of the database, by their schema names (the same in schema.ts and schema.pg.ts). */
export type TableName = 'orgs' | 'apiKeys' | 'authorizations' | 'oauthRequests' | 'tenants' | 'services' | 'serviceStatusHistory' | 'issues' | 'issuePosts' | 'messages' | 'events' | 'channels' | 'deliveries';
/** A row of a table, as drizzle reads it (the same type on both engines). */
export type Row<T extends TableName> = (typeof sqliteSchema)[T]['$inferSelect'];
/** Columns that must equal the given values (`null` matches SQL null); every one must match. */
export type Where<T extends TableName> = Partial<Row<T>>;

/**
 * Rows read and written straight in a test's database, the same on both engines: SQLite through
 * drizzle over `schema.ts`, PostgreSQL through drizzle node-postgres over `schema.pg.ts` on a pool
 * of the test's own. Only the columns of SQLite's schema are read (PostgreSQL's search keys are
 * not), so a row compares equal on both engines.
 */
export interface DatabaseRows {
  /**
   * The rows of a table whose columns equal `where` (all rows without it), in no declared
   * order (sort them to compare lists).
   */
  rows<T extends TableName>(table: T, where?: Where<T>): Promise<Array<Row<T>>>;
  /** The one row matching `where`; throws when there is none or several. */
  row<T extends TableName>(table: T, where: Where<T>): Promise<Row<T>>;
  /** How many rows match `where`. */
  count<T extends TableName>(table: T, where?: Where<T>): Promise<number>;
  /**
   * Sets columns of the rows matching `where`, straight in the database, as another writer
   * would; answers how many rows changed. On PostgreSQL no notification goes out: a server
   * learns of it when it next reads the row (its read model may answer from memory until then).
   */
  update<T extends TableName>(table: T, where: Where<T>, set: Partial<(typeof sqliteSchema)[T]['$inferInsert']>): Promise<number>;
  /** Inserts rows straight into the database (the schema's defaults fill the rest). */
  insert<T extends TableName>(table: T, values: Array<(typeof sqliteSchema)[T]['$inferInsert']>): Promise<void>;
  /**
   * Records change events (and their pending deliveries) in one transaction, with the engine's
   * own `recordEventsIn`, as a sync would, but without telling the server's core: on SQLite a
   * delivery worker or event stream learns of them on its next check; on PostgreSQL the `events`
   * trigger notifies every server on the database (as for another instance's events), so its
   * delivery worker wakes at once. Returns the ids newly recorded.
   */
  recordEvents(drafts: readonly EventDraft[], now: Date): Promise<string[]>;
}

export interface Stack extends DatabaseRows {
  simulator: RunningSimulator;
  server: RunningServer;
  dir: string;
  /** Moves the server's clock (OAuth expiry, staleness, backoff) forward. */
  advance(ms: number): void;
  /** The server's clock now (with `manualClock`, it moves only through `advance`). */
  now(): Date;
  /** Creates an API key for an org (created when new). */
  key(org: string, role?: 'admin' | 'viewer', user?: string): string;
  /**
   * Resolves once every key made by {@link key} is in the database (at once on SQLite; on
   * PostgreSQL the row is written asynchronously). `api` and the row helpers wait for it
   * themselves; a test that reaches the server otherwise (its own `fetch`) calls it first.
   */
  keysWritten(): Promise<void>;
  /** `fetch` on the server with a bearer key. */
  api(key: string | null, path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** The simulator's control API. */
  control(method: string, path: string, body?: unknown): Promise<Response>;
  /** Graph requests the simulator logged for a tenant. */
  graphRequests(tenantId: string): Promise<LoggedRequest[]>;
  /** Every request (Graph and token calls) the simulator logged for a tenant. */
  requests(tenantId: string): Promise<LoggedRequest[]>;
  /**
   * Waits (in the simulator, no polling here) until at least `atLeast` of the tenant's Graph
   * requests are held by a `delay`, `hold` or `hang` fault, and lists them; throws when they do not
   * arrive within 10 s.
   */
  held(tenantId: string, atLeast?: number): Promise<HeldRequest[]>;
  /** Ends the tenant's held requests (`hold`/`delay` are answered, `hang` is dropped). */
  release(tenantId: string): Promise<number>;
  /**
   * Runs the whole consent flow for an org as a simulated tenant's admin; returns the callback
   * response. `origin` is sent as the `Origin` of the `POST /api/authorizations` (the page that
   * opened the popup).
   */
  authorize(key: string, tenant: number, options?: { decision?: 'Accept' | 'Cancel'; returnTo?: string; label?: string; origin?: string }): Promise<{ authorizationId: string; callback: Response; authorizeUrl: string }>;
  /** The tenant's row (its polling state); throws when the tenant has none. */
  tenantRow(tenantId: string): Promise<Row<'tenants'>>;
  /** `update('tenants', { tenantId }, set)`. */
  setTenant(tenantId: string, set: Partial<(typeof sqliteSchema)['tenants']['$inferInsert']>): Promise<number>;
  /**
   * Everything the database holds, as text: on SQLite the bytes of the file (after a WAL
   * checkpoint, read as latin1); on PostgreSQL every row of every table of the public schema
   * (`row_to_json`), as a dump of the database would show them.
   */
  databaseText(): Promise<string>;
  /**
   * Another connection to the stack's database with a store over it, as a second process would
   * open one (SQLite: the file again; PostgreSQL: a pool of its own). Close it after use.
   */
  connect(): Promise<{ store: Store; close(): Promise<void> }>;
  /**
   * Makes the database refuse every write of the server from now on, as a read-only mount or a
   * full disk would, until `restore`: on SQLite `PRAGMA query_only` on the server's connection
   * (SQLITE_READONLY); on PostgreSQL a trigger on every table that refuses each write statement
   * with SQLSTATE 25006 (`read_only_sql_transaction`), the error of a read-only database.
   */
  refuseWrites(): Promise<{ restore(): Promise<void> }>;
  /** Restarts the server on the same database file. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export const quiet = () => {};

export interface StackOptions {
  polling?: boolean;
  env?: Record<string, string>;
  log?: (line: string) => void;
  /** Graph client tuning over the stack's defaults (time-out 1.5 s, 2 retries, 20 ms backoff base). */
  graph?: Partial<Omit<GraphClientOptions, 'baseUrl' | 'getToken' | 'signal'>>;
  /** Poller tuning (a seeded `random`, `fullSyncEveryMs`, `maxBackoffMs`, …). */
  poller?: StartServerOptions['poller'];
  /** `GET /api/events` timing (a short heartbeat). */
  stream?: StartServerOptions['stream'];
  /**
   * A server clock that stands still until `advance` moves it (from the real time at start), so a
   * test can state exact times (`nextSyncAt`, backoff). By default the clock runs with real time
   * plus what `advance` added.
   */
  manualClock?: boolean;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-test-'));
  const simulator = await startSimulator({ log: false, seed: 7 });
  let offset = 0;
  const startedAt = Date.now();
  const now = options.manualClock ? () => new Date(startedAt + offset) : () => new Date(Date.now() + offset);
  // On PostgreSQL: a database of its own, and the SECRET_KEY every instance on a database shares.
  const databaseUrl = TEST_STORE === 'postgres' ? await sharedPostgres().then((server) => server.createDatabase()) : null;
  const storeEnv: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl, SECRET_KEY: randomBytes(32).toString('hex') } : {};
  const base = loadConfig({ DATABASE_PATH: join(dir, 'o365-health.db'), PORT: '0', POLL_CRON: '*/5 * * * *', ...storeEnv, ...options.env });
  // API keys are made synchronously (`stack.key`); on PostgreSQL the row is written before the next request.
  const keyPool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: 2 }) : null;
  const pendingKeys: Array<Promise<unknown>> = [];
  const config = {
    ...base,
    loginUrl: simulator.url,
    graphUrl: simulator.url,
    microsoft: { clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret },
  };
  const start = () =>
    startServer({
      config,
      now,
      log: options.log ?? quiet,
      polling: options.polling ?? false,
      // No client time-out by default: a held Graph answer must outlive any wait on a slow machine.
      // Tests of time-outs set a short one themselves (with a `hang` fault).
      graph: { timeoutMs: 120_000, backoffBaseMs: 20, maxRetries: 2, ...options.graph },
      ...(options.poller ? { poller: options.poller } : {}),
      ...(options.stream ? { stream: options.stream } : {}),
    });
  let server = await start();
  const direct = databaseRows(keyPool ? { pool: keyPool } : { sqlite: () => server.database.db }, () => Promise.all(pendingKeys));

  const stack: Stack = {
    simulator,
    get server() {
      return server;
    },
    dir,
    advance: (ms) => {
      offset += ms;
    },
    now,
    key(org, role = 'admin', user = `${org}-${role}`) {
      if (!keyPool) return createApiKey(server.database.db, { orgName: org, role, userName: user }).key;
      // As `npm run keys` writes it (store/pg/keys.ts), with the key made here so it is known at once.
      const key = API_KEY_PREFIX + randomToken(32);
      const store = server.store;
      pendingKeys.push(
        store.findOrCreateOrg(org).then((o) =>
          keyPool.query('insert into api_keys (id, org_id, key_hash, prefix, role, user_name) values ($1, $2, $3, $4, $5, $6)', [
            randomUUID(),
            o.id,
            sha256(key),
            key.slice(0, API_KEY_PREFIX_LENGTH),
            role,
            user,
          ]),
        ),
      );
      return key;
    },
    async keysWritten() {
      await Promise.all(pendingKeys);
    },
    async api(key, path, init = {}) {
      await Promise.all(pendingKeys);
      const headers = new Headers(init.headers);
      if (key) headers.set('authorization', `Bearer ${key}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      return fetch(`${server.url}${path}`, { ...init, headers, body, redirect: 'manual' });
    },
    control(method, path, body) {
      return fetch(`${simulator.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
    async requests(tenantId) {
      const res = await fetch(`${simulator.url}/_simulator/requests?tenantId=${tenantId}`);
      return ((await res.json()) as { requests: LoggedRequest[] }).requests;
    },
    async graphRequests(tenantId) {
      return (await stack.requests(tenantId)).filter((r) => r.path.startsWith('/v1.0/'));
    },
    async held(tenantId, atLeast = 1) {
      const res = await fetch(`${simulator.url}/_simulator/held?tenantId=${tenantId}&atLeast=${atLeast}&timeoutMs=10000`);
      const { held } = (await res.json()) as { held: HeldRequest[] };
      if (held.length < atLeast) throw new Error(`Timed out waiting for ${atLeast} held request(s) of ${tenantId}; ${held.length} held`);
      return held;
    },
    async release(tenantId) {
      const res = await stack.control('POST', `/_simulator/tenants/${tenantId}/release`, {});
      return ((await res.json()) as { released: number }).released;
    },
    async authorize(key, tenant, opts = {}) {
      const t = simulator.tenants[tenant]!;
      const res = await stack.api(key, '/api/authorizations', {
        method: 'POST',
        headers: opts.origin ? { origin: opts.origin } : {},
        json: { label: opts.label ?? t.domain, ...(opts.returnTo ? { returnTo: opts.returnTo } : {}) },
      });
      if (res.status !== 201) throw new Error(`POST /api/authorizations answered ${res.status}: ${await res.text()}`);
      const { authorization, authorizeUrl } = (await res.json()) as { authorization: { id: string }; authorizeUrl: string };
      const callbackUrl = new URL(await walkSimulatedConsent(authorizeUrl, t.admins[0]!.upn, opts.decision ?? 'Accept'));
      const callback = await fetch(`${server.url}${callbackUrl.pathname}${callbackUrl.search}`, { redirect: 'manual' });
      return { authorizationId: authorization.id, callback, authorizeUrl };
    },
    rows: direct.rows,
    row: direct.row,
    count: direct.count,
    update: direct.update,
    insert: direct.insert,
    recordEvents: direct.recordEvents,
    tenantRow: (tenantId) => direct.row('tenants', { tenantId }),
    setTenant: (tenantId, set) => direct.update('tenants', { tenantId }, set),
    async databaseText() {
      await Promise.all(pendingKeys);
      if (!keyPool) {
        server.database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
        return readFileSync(server.config.databasePath).toString('latin1');
      }
      return postgresText(keyPool);
    },
    async connect() {
      await Promise.all(pendingKeys);
      if (databaseUrl) {
        const open = await openPostgres(databaseUrl, { max: 2 });
        return { store: createPostgresStore(open.db), close: () => open.close() };
      }
      const database = openDatabase(server.config.databasePath);
      return { store: createSqliteStore(database.db), close: async () => database.close() };
    },
    async refuseWrites() {
      await Promise.all(pendingKeys);
      if (!keyPool) {
        server.database.sqlite.pragma('query_only = ON');
        return { restore: async () => void server.database.sqlite.pragma('query_only = OFF') };
      }
      // Every table refuses every write statement with SQLSTATE 25006, as a read-only database
      // (default_transaction_read_only, a hot standby) answers — at once for every connection.
      const { rows: tables } = await keyPool.query<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
      const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;
      await keyPool.query(`create or replace function o365_test_refuse_writes() returns trigger language plpgsql as $$
        begin raise exception 'cannot execute % in a read-only transaction', tg_op using errcode = 'read_only_sql_transaction'; end $$`);
      for (const { name } of tables) {
        await keyPool.query(`create trigger o365_test_refuse_writes before insert or update or delete or truncate on ${quote(name)} for each statement execute function o365_test_refuse_writes()`);
      }
      return {
        async restore() {
          for (const { name } of tables) await keyPool.query(`drop trigger o365_test_refuse_writes on ${quote(name)}`);
          await keyPool.query('drop function o365_test_refuse_writes()');
        },
      };
    },
    async restart() {
      await server.close();
      server = await start();
    },
    async close() {
      await server.close();
      await keyPool?.end();
      await simulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  simulator.registerApp({ clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret, redirectUris: [`${server.config.publicUrl}/oauth/callback`] });
  return stack;
}

/**
 * A store without a server, for tests that build the app with `createApp`: a migrated SQLite file
 * in a temp folder, or with `TEST_STORE=postgres` a fresh migrated database of the file's
 * PostgreSQL — with its rows reachable directly ({@link DatabaseRows}).
 */
export interface TempStore extends DatabaseRows {
  engine: 'sqlite' | 'postgres';
  store: Store;
  /** What `loadConfig` needs to name this database (`DATABASE_PATH`, or `DATABASE_URL` and `SECRET_KEY`). */
  env: Record<string, string>;
  /**
   * Everything the database holds, as text: on SQLite every byte of its files (main file, WAL
   * and shared memory, after a checkpoint, read as latin1); on PostgreSQL every row of every
   * table (`row_to_json`).
   */
  databaseText(): Promise<string>;
  /** Closes the connection (and removes the SQLite file's folder); the store then fails every call. */
  dispose(): Promise<void>;
}

export async function tempStore(): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-test-'));
  const path = join(dir, 'test.db');
  if (TEST_STORE === 'postgres') {
    const url = await (await sharedPostgres()).createDatabase();
    const open = await openPostgres(url, { max: 4 });
    return {
      engine: 'postgres',
      store: createPostgresStore(open.db),
      env: { DATABASE_PATH: path, DATABASE_URL: url, SECRET_KEY: randomBytes(32).toString('hex') },
      ...databaseRows({ pool: open.pool }),
      databaseText: () => postgresText(open.pool),
      async dispose() {
        await open.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const database = openDatabase(path);
  return {
    engine: 'sqlite',
    store: createSqliteStore(database.db),
    env: { DATABASE_PATH: path },
    ...databaseRows({ sqlite: () => database.db }),
    async databaseText() {
      database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
      return readdirSync(dir)
        .filter((f) => f.startsWith('test.db'))
        .map((f) => readFileSync(join(dir, f)).toString('latin1'))
        .join('');
    },
    async dispose() {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every row of every table of a PostgreSQL database's public schema, as JSON text, one a line. */
async function postgresText(pool: pg.Pool): Promise<string> {
  const { rows: tables } = await pool.query<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`);
  const parts: string[] = [];
  for (const { name } of tables) {
    const { rows } = await pool.query<{ row: string }>(`select row_to_json(t)::text as row from "${name}" t`);
    parts.push(...rows.map((r) => r.row));
  }
  return parts.join('\n');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyTable = any;

/**
 * {@link DatabaseRows} over a SQLite connection (read when called: a restarted server has a new
 * one) or a PostgreSQL pool; `before` runs before each call (the stack's pending API keys).
 */
export function databaseRows(on: { sqlite: () => Db } | { pool: pg.Pool }, before: () => Promise<unknown> = async () => {}): DatabaseRows {
  const pgDb = 'pool' in on ? drizzlePg(on.pool, { schema: pgSchema }) : null;
  const sqlite = 'sqlite' in on ? on.sqlite : () => {
    throw new Error('not SQLite');
  };
  const tableOf = (name: TableName): AnyTable => (pgDb ? pgSchema[name] : sqliteSchema[name]);
  const condition = (table: AnyTable, where: Record<string, unknown> = {}): SQL | undefined => {
    const parts = Object.entries(where).map(([key, value]) => {
      const column = table[key];
      if (!column) throw new Error(`No column ${key} in this table`);
      return value === null ? isNull(column) : eq(column, value);
    });
    return parts.length ? and(...parts) : undefined;
  };
  /** SQLite's columns, picked from the table of the engine that answers. */
  const columnsOf = (name: TableName): AnyTable => {
    const table = tableOf(name);
    return Object.fromEntries(Object.keys(getTableColumns(sqliteSchema[name])).map((key) => [key, table[key]]));
  };
  const rows: DatabaseRows = {
    async rows(name, where) {
      await before();
      const table = tableOf(name);
      if (pgDb) return (await pgDb.select(columnsOf(name)).from(table).where(condition(table, where))) as never;
      return sqlite().select(columnsOf(name)).from(table).where(condition(table, where)).all() as never;
    },
    async row(name, where) {
      const found = await rows.rows(name, where);
      if (found.length !== 1) throw new Error(`Expected one row of ${name} where ${JSON.stringify(where)}, found ${found.length}`);
      return found[0]!;
    },
    async count(name, where) {
      return (await rows.rows(name, where)).length;
    },
    async update(name, where, set) {
      await before();
      const table = tableOf(name);
      if (pgDb) return (await pgDb.update(table).set(set).where(condition(table, where))).rowCount ?? 0;
      return sqlite().update(table).set(set).where(condition(table, where)).run().changes;
    },
    async insert(name, values) {
      if (values.length === 0) return;
      await before();
      if (pgDb) await pgDb.insert(tableOf(name)).values(values);
      else sqlite().insert(tableOf(name)).values(values).run();
    },
    async recordEvents(drafts, now) {
      await before();
      if (pgDb) return pgDb.transaction((tx) => recordEventsInPg(tx, drafts, now));
      return sqlite().transaction((tx) => recordEventsIn(tx, drafts, now));
    },
  };
  return rows;
}

/**
 * A small seeded pseudo-random source in [0, 1) (the simulator's mulberry32), so a test of jitter
 * knows every value the code under test will draw. Two sources with the same seed give the same
 * sequence.
 */
export const seededRandom = createRandom;

/** Polls `check` until it returns a truthy value (no fixed sleeps in tests). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
