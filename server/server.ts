/**
 * Assembles and runs the server: database, secrets, Microsoft clients, poller, Hono app, HTTP
 * listener. `main.ts` calls it for `npm start`; tests call it to get the same server on a free port.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Cron } from 'croner';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { createApiHotPath, createApp, type AppDeps } from './app.js';
import { createLineLogger, type LineLogger, type Log } from './log.js';
import { assertServerConfig, defaultPublicUrl, ownOrigins, type Config } from './config.js';
import { createCore, type Core } from './core/index.js';
import { loadOrCreateSecretKey, SecretBox } from './crypto.js';
import { openDatabase, type OpenDatabase } from './db/index.js';
import { openPostgres, type OpenPostgres } from './db/postgres.js';
import { createSqliteStore, type Store } from './store/index.js';
import { createPostgresStore } from './store/pg/index.js';
import { listenForChanges } from './store/pg/listen.js';
import { acquireInstanceLock } from './instance-lock.js';
import { IdentityClient } from './microsoft/identity.js';
import { DeliveryWorker } from './notify/worker.js';
import { Poller, type PollerOptions } from './poller.js';

/** When the retention prune runs: hourly, at a minute off the poll's five-minute marks. */
export const RETENTION_PRUNE_CRON = '17 * * * *';

export interface StartServerOptions {
  config: Config;
  log?: Log;
  now?: () => Date;
  /** Start the polling schedule (default true); tests may drive cycles by hand. */
  polling?: boolean;
  /** Graph client tuning passed to the poller (tests shorten timeouts and backoff). */
  graph?: PollerOptions['graph'];
  /** Poller tuning (tests pass a seeded jitter source, a shorter full-resync or Message center period, or cap). */
  poller?: Pick<PollerOptions, 'random' | 'fullSyncEveryMs' | 'messagesEveryMs' | 'maxBackoffMs' | 'maxRetryAfterMs' | 'concurrency'>;
  /** Simulator mode: the demo page's key, served by `/demo/config.js`. */
  demoKey?: AppDeps['demoKey'];
  /** `GET /api/events` timing (tests shorten the heartbeat). */
  stream?: AppDeps['stream'];
}

export interface RunningServer {
  /** Where the server listens, e.g. http://127.0.0.1:8787. */
  url: string;
  /** The configuration in force (with the real port and PUBLIC_URL when port 0 was asked for). */
  config: Config;
  /** The SQLite database (throws on a server running on PostgreSQL: use {@link store}). */
  readonly database: OpenDatabase;
  /** The store every operation goes through, whichever engine. */
  store: Store;
  box: SecretBox;
  /** The domain operations (what the routes, the poller and simulator mode call). */
  core: Core;
  poller: Poller;
  /** Sends what the outbox owes the notification channels (apart from polling). */
  notifier: DeliveryWorker;
  /** Stops polling, stops listening, waits for in-flight syncs, closes the database. */
  close(): Promise<void>;
}

/** A fetch handler with @hono/node-server's bindings (`{ incoming, outgoing }`) as its env. */
type Handler = (req: Request, env: unknown) => Response | Promise<Response>;

function listen(host: string, port: number, handler: Handler): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: handler, port, hostname: host }, (info: AddressInfo) => resolve({ server, port: info.port }));
    server.once('error', reject);
  });
}

/** The database a server runs on: the SQLite file at DATABASE_PATH, or PostgreSQL at DATABASE_URL. */
type OpenedStore =
  | { engine: 'sqlite'; database: OpenDatabase; store: Store; close(): Promise<void> }
  | { engine: 'postgres'; postgres: OpenPostgres; store: Store; close(): Promise<void> };

async function openStore(config: Config, log: Log): Promise<OpenedStore> {
  if (config.databaseUrl) {
    const postgres = await openPostgres(config.databaseUrl, { applicationName: `o365-health ${config.instanceId}`.slice(0, 63), log: (line) => log(line) });
    return { engine: 'postgres', postgres, store: createPostgresStore(postgres.db), close: () => postgres.close() };
  }
  const database = openDatabase(config.databasePath);
  return { engine: 'sqlite', database, store: createSqliteStore(database.db), close: async () => database.close() };
}

/** Opens everything and starts listening. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  assertServerConfig(options.config);
  // Each line names the instance, so the logs of several instances on one database can be told apart.
  const log: Log = options.log ?? createLineLogger(process.stdout, process.stderr, `[${options.config.instanceId}] `);
  const now = options.now ?? (() => new Date());
  // One process per SQLite file (see instance-lock.ts); taken before anything is opened. Instances
  // on PostgreSQL share the database and divide the work through leases instead.
  const lock = options.config.databaseUrl || options.config.databasePath === ':memory:' ? null : acquireInstanceLock(options.config.databasePath);
  let opened: OpenedStore;
  try {
    opened = await openStore(options.config, log);
  } catch (err) {
    lock?.release();
    throw err;
  }
  const box = new SecretBox(loadOrCreateSecretKey(options.config.secretKey, options.config.databasePath));

  // Listen first so that port 0 resolves to a real port before the redirect URI is fixed.
  let handler: Handler = () => new Response('starting', { status: 503 });
  const { server, port } = await listen(options.config.host, options.config.port, (req, env) => handler(req, env));
  // PORT=0 without PUBLIC_URL gives `http://<host>:0`: replace it with the port actually bound.
  const unbound = defaultPublicUrl(options.config.host, 0);
  const unboundOrigins = new Set(ownOrigins(unbound));
  const publicUrl = defaultPublicUrl(options.config.host, port);
  const config: Config =
    options.config.publicUrl === unbound
      ? {
          ...options.config,
          port,
          publicUrl,
          allowedOrigins: [...new Set([...ownOrigins(publicUrl), ...options.config.allowedOrigins.filter((o) => !unboundOrigins.has(o))])],
        }
      : { ...options.config, port };

  if (!config.microsoft) throw new Error('No Microsoft app is configured (simulator mode sets the built-in one).');
  const identity = new IdentityClient({
    clientId: config.microsoft.clientId,
    clientSecret: config.microsoft.clientSecret,
    loginUrl: config.loginUrl,
    redirectUri: `${config.publicUrl}/oauth/callback`,
  });
  const core = createCore({ store: opened.store, box, identity, config, now, log: (line) => log(line) });
  // On PostgreSQL, what other instances write (syncs, keys, authorizations, events) reaches this
  // one's read model, event streams and delivery worker through LISTEN (store/pg/listen.ts).
  const listener =
    opened.engine === 'postgres' && config.databaseUrl
      ? listenForChanges(config.databaseUrl, (change) => core.externalChange(change), { applicationName: `o365-health ${config.instanceId}`.slice(0, 56), log: (line) => log(line) })
      : null;
  await listener?.ready;
  const poller = new Poller({
    sync: core.sync,
    identity,
    graphUrl: config.graphUrl,
    cron: config.pollCron,
    now,
    log: (line) => log(line),
    fullSyncEveryMs: config.fullSyncMinutes * 60_000,
    metrics: core.metrics,
    ...options.poller,
    graph: options.graph,
  });
  // A new authorization's first sync starts at once, not at the next tick.
  core.onTenantActivated((tenantId) => void poller.syncNow(tenantId));
  const app = createApp({ config, core, log, demoKey: options.demoKey, stream: options.stream });
  const hotPath = createApiHotPath({ config, core, log });
  // The health hot path answers before Hono when it can (one synchronous call from memory, which
  // @hono/node-server writes at once; a read not in memory yet is a promise of the same answer);
  // everything else, and whatever the hot path leaves, is the app's. The Node
  // bindings travel as Hono's env.
  handler = (req, env) => {
    const hit = hotPath((env as { incoming: IncomingMessage }).incoming);
    if (hit === null) return app.fetch(req, env);
    if (hit instanceof Response) return hit;
    return hit.then((answer) => answer ?? app.fetch(req, env));
  };
  await core.prune();
  // Leases a previous run of this instance left (a crash, `kill -9`) would hold its tenants until they lapse.
  const freed = await core.sync.releaseStale();
  if (freed) log(`polling: released ${freed} tenant lease(s) left by an earlier run`);
  // Issues and Message center posts Microsoft no longer lists are kept RETENTION_DAYS after
  // their last change, then go.
  const pruneRetained = async () => {
    const removed = await core.history.pruneRetained(config.retentionDays);
    if (removed) log(`retention: removed ${removed} issue(s) older than ${config.retentionDays} days that Microsoft no longer lists`);
    const posts = await core.messages.pruneRetained(config.retentionDays);
    if (posts) log(`retention: removed ${posts} Message center post(s) older than ${config.retentionDays} days that Microsoft no longer lists`);
  };
  // Change events are kept 24 hours for stream resumption (longer while a delivery waits for
  // them); the delivery log 30 days.
  const pruneEvents = async () => {
    const removed = await core.events.prune();
    if (removed.events || removed.deliveries) log(`retention: removed ${removed.events} change event(s) and ${removed.deliveries} delivery log row(s)`);
  };
  await pruneRetained();
  await pruneEvents();
  const retentionJob = new Cron(
    RETENTION_PRUNE_CRON,
    { name: 'o365-health-retention-prune', protect: true, catch: (err) => log(`retention prune failed: ${(err as Error).message}`) },
    async () => {
      await pruneRetained();
      await pruneEvents();
    },
  );
  if (options.polling !== false) poller.start();
  // Deliveries run beside polling, woken by every sync that recorded events and by due retries.
  const notifier = new DeliveryWorker({ channels: core.channels, owner: config.instanceId, now, log: (line) => log(line) });
  core.events.onRecorded(() => notifier.wake());
  notifier.start();

  let closing: Promise<void> | null = null;
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    config,
    get database(): OpenDatabase {
      if (opened.engine !== 'sqlite') throw new Error('This server runs on PostgreSQL (DATABASE_URL): use its store');
      return opened.database;
    },
    store: opened.store,
    box,
    core,
    poller,
    notifier,
    close() {
      closing ??= (async () => {
        retentionJob.stop();
        // Event streams end first: they would otherwise hold the server open and read a closed database.
        core.events.close();
        const stopped = poller.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        await Promise.all([stopped, notifier.stop()]);
        await core.keys.flush();
        await listener?.close();
        await opened.close();
        lock?.release();
        (log as Partial<LineLogger>).flush?.();
      })();
      return closing;
    },
  };
}
