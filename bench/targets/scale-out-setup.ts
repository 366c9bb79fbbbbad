/**
 * Benchmark child of `npm run bench -- scale-out`: authorizes the synthetic tenants on one store
 * (the SQLite file at `databasePath`, or PostgreSQL at `databaseUrl`) before any server instance
 * starts, so a 10 000-tenant run is set up within minutes.
 *
 * The same shortcut as the `direct` setup of the poll bench (poll-setup-worker.ts), one level
 * higher: the core's own two OAuth operations, `core.authorizations.begin` (what `POST
 * /api/authorizations` calls: PKCE, msal getAuthCodeUrl with the label as `domain_hint`, the
 * pending row with its sealed verifier and nonce) and `core.authorizations.complete` (what `GET
 * /oauth/callback` calls: single-use state, msal acquireTokenByCode against the simulator, the
 * real msal token cache sealed under SECRET_KEY into the row, `activateAuthorization`), with the
 * simulator's sign-in and consent pages walked over HTTP in between — over the production store
 * of either engine (`createSqliteStore` / `createPostgresStore`). Left out: the HTTP and API-key
 * layers of the two routes, and the callback's first sync (no poller runs here), so every
 * tenant's first sync happens in the first cycle the benchmark runs.
 */
import { BUILT_IN_APP } from '../../demo/simulator/index.js';
import { createCore } from '../../server/core/index.js';
import { SecretBox } from '../../server/crypto.js';
import { openDatabase } from '../../server/db/index.js';
import { openPostgres } from '../../server/db/postgres.js';
import { IdentityClient } from '../../server/microsoft/identity.js';
import { walkSimulatedConsent } from '../../server/simulated-consent.js';
import { createSqliteStore, type Store } from '../../server/store/index.js';
import { createPostgresStore } from '../../server/store/pg/index.js';
import { serveCommands } from '../lib/rpc.js';

/** Where the consent redirects to; the simulator's built-in app accepts any loopback port. */
const PUBLIC_URL = 'http://127.0.0.1:8787';

let closeStore: (() => Promise<void>) | null = null;

interface Job {
  engine: 'sqlite' | 'postgres';
  databasePath?: string;
  databaseUrl?: string;
  /** SECRET_KEY as 64 hex characters: the instances get the same one. */
  secretKey: string;
  simUrl: string;
  tenants: Array<{ domain: string; upn: string }>;
  concurrency: number;
  deadlineMs: number;
}

async function authorize(job: Job) {
  let store: Store;
  if (job.engine === 'postgres') {
    const pg = await openPostgres(job.databaseUrl!, { applicationName: 'o365-health bench setup', max: Math.min(20, job.concurrency + 2) });
    store = createPostgresStore(pg.db);
    closeStore = () => pg.close();
  } else {
    const database = openDatabase(job.databasePath!);
    store = createSqliteStore(database.db);
    closeStore = async () => database.close();
  }
  const box = new SecretBox(Buffer.from(job.secretKey, 'hex'));
  const identity = new IdentityClient({ clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret, loginUrl: job.simUrl, redirectUri: `${PUBLIC_URL}/oauth/callback` });
  const core = createCore({ store, box, identity, config: { allowedOrigins: [PUBLIC_URL], publicUrl: PUBLIC_URL, pollCron: '*/5 * * * *' } });
  const org = await store.findOrCreateOrg('bench');
  const principal = { keyId: 'bench-setup', orgId: org.id, orgName: org.name, role: 'admin' as const, userName: 'bench-admin' };

  const deadline = Date.now() + job.deadlineMs;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const errors: string[] = [];
  let next = 0;
  let done = 0;
  const one = async (tenant: { domain: string; upn: string }) => {
    const { authorizeUrl } = await core.authorizations.begin(principal, { label: tenant.domain, api: 'service-communications', returnTo: null, origin: null });
    const callback = new URL(await walkSimulatedConsent(authorizeUrl, tenant.upn));
    const completion = await core.authorizations.complete(Object.fromEntries(callback.searchParams));
    if (completion.kind !== 'finished' || completion.status !== 'active') throw new Error(`${tenant.domain}: ${JSON.stringify(completion).slice(0, 300)}`);
  };
  const worker = async () => {
    while (next < job.tenants.length && Date.now() < deadline && errors.length < 20) {
      const tenant = job.tenants[next++]!;
      try {
        await one(tenant);
      } catch (err) {
        errors.push((err as Error).message);
      }
      done++;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  const cpu = process.cpuUsage(cpu0);
  await closeStore();
  closeStore = null;
  return {
    authorized: done - errors.length,
    errors: errors.slice(0, 3),
    errorCount: errors.length,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  };
}

export type ScaleOutSetupResult = Awaited<ReturnType<typeof authorize>>;

serveCommands({ authorize }, { maxMs: 30 * 60_000, onExit: () => closeStore?.() });
