/**
 * The Microsoft 365 simulator: a real HTTP server that behaves like the Microsoft identity
 * platform and Graph's service communications API, so the product runs and is tested without
 * a Microsoft account. See DESIGN.md, "Simulator (contract)".
 *
 * ```ts
 * const sim = await startSimulator({ port: 0, seed: 1, clock: createManualClock(Date.parse('2025-01-01T12:00:00Z')) });
 * // … point msal-node's authorityMetadata and the Graph base URL at sim.url …
 * await sim.close();
 * ```
 *
 * With `stateFile`, what the simulated cloud knows survives a restart (see `persist.ts`).
 *
 * Faults for honest tests (`POST /_simulator/tenants/:tenantId/faults`, see `holds.ts`):
 * `{ kind: "hang" }` never answers a Graph request (longer than any client time-out);
 * `{ kind: "hold" }` keeps it until `POST /_simulator/tenants/:tenantId/release`, and
 * `GET /_simulator/held?tenantId=&atLeast=1` tells a test, without sleeping, that it is held.
 * `close()` ends every waiting request (its connection closes without an answer).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createManualClock, systemClock, type SimulatorClock } from './clock.js';
import type { RequestMeta, SimEnv } from './context.js';
import { mountControl } from './control.js';
import { mountGraph } from './graph.js';
import { WaitingRoom, type HeldRequest } from './holds.js';
import { mountIdentity } from './identity.js';
import { STATE_FILE_VERSION, StateFileWriter, readStateFile, restoreState, snapshotState } from './persist.js';
import { World } from './scenario.js';
import { BUILT_IN_APP, PERMISSIONS, SimulatorState, type Permission } from './state.js';
import { TokenSigner } from './tokens.js';

export { createManualClock, type SimulatorClock };
export { BUILT_IN_APP, PERMISSIONS, STATE_FILE_VERSION, type HeldRequest, type Permission };

/** The seed used when none is given. */
export const DEFAULT_SEED = 20240601;

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /** Seed of the generated data; the same seed gives the same tenants' data. */
  seed?: number;
  /** Time source for every time decision; default real time. */
  clock?: SimulatorClock;
  /** Live mode: issues progress every few minutes and new ones appear (default false). */
  live?: boolean;
  /** One line per request served (method, path, status, ms); default `console.log`; false for none. */
  log?: ((line: string) => void) | false;
  /**
   * Synthetic tenants to add after the catalog's three, for load tests (default 0, at most
   * 100 000). Tenant `n` has id `e0000000-0000-4000-8000-<n, 12 digits>`, domain
   * `t<n, 5 digits>.bench.example` and one admin `admin@<domain>`; its data is a small set drawn
   * from the catalog's templates. The catalog tenants' data does not change. On the multi-tenant
   * sign-in page a synthetic tenant's admin is offered only when `login_hint` or `domain_hint`
   * names it (the server sends the label as `domain_hint` when it is a domain).
   */
  extraTenants?: number;
  /**
   * A JSON file that keeps the simulated cloud's durable state across restarts: app
   * registrations, consents, refresh tokens (and their rotation), the signing key (so the JWKS
   * and earlier tokens stay valid), token generations, and the tenants' changed data (issues
   * created, changed or deleted through the control API, pinned service statuses, live-mode
   * progress, the issue-id counter). Loaded at start if it exists, written atomically (mode 0600)
   * shortly after each change and by `close()`. The request log, faults, waiting requests and
   * sign-ins in progress are not kept.
   *
   * The tenants' data is kept only while `seed`, `live` and `extraTenants` stay the same (else it
   * is regenerated and a line says so); live mode resumes at the restart, skipping the downtime.
   * A corrupt file (not JSON, another version, unexpected shape) is renamed
   * `<file>.corrupt-<timestamp>`, a line is logged and the simulator starts fresh; a file that
   * cannot be read or written makes start-up throw. Default: none (nothing survives a restart).
   */
  stateFile?: string;
}

/** What happened to the state file at start. */
export type StateFileStatus =
  | { file: null }
  | { file: string; loaded: false; corrupt?: { problem: string; movedTo: string } }
  | { file: string; loaded: true; worldKept: boolean };

/** A running simulator. */
export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`; identity and Graph endpoints are below it. */
  url: string;
  /**
   * Stops listening, closes open connections (waiting `delay`/`hold`/`hang` requests end without
   * an answer) and writes the state file; rejects if that write fails.
   */
  close(): Promise<void>;
  /** What start-up did with {@link SimulatorOptions.stateFile}. */
  stateFile: StateFileStatus;
  /** Registers (or replaces) an app registration. */
  registerApp(app: { clientId: string; clientSecret: string; redirectUris: string[]; displayName?: string; permissions?: Permission[] }): void;
  /** The simulated tenants. */
  tenants: Array<{ tenantId: string; domain: string; displayName: string; admins: Array<{ oid: string; upn: string; name: string }> }>;
}

/** Builds the Hono app of a simulator (exported for callers that host it themselves). */
export function createSimulatorApp(deps: { state: SimulatorState; world: World; signer: TokenSigner; clock: SimulatorClock; waiting?: WaitingRoom; log: ((line: string) => void) | false }): Hono<SimEnv> {
  const { state, clock, log } = deps;
  const routeDeps = { ...deps, waiting: deps.waiting ?? new WaitingRoom() };
  const app = new Hono<SimEnv>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    const meta: RequestMeta = { tenantId: null, logged: false };
    c.set('meta', meta);
    await next();
    const url = new URL(c.req.url);
    // Status 0: the connection was closed without an answer (hang, or a wait ended by close).
    const status = meta.unanswered ? 0 : c.res.status;
    if (meta.logged) {
      state.logRequest({ at: new Date(clock.now()).toISOString(), method: c.req.method, path: url.pathname, query: url.search, tenantId: meta.tenantId, status });
    }
    if (log) log(`${c.req.method} ${url.pathname}${url.search.length > 120 ? `${url.search.slice(0, 120)}…` : url.search} ${status || 'no answer'} ${Math.round(performance.now() - started)}ms`);
  });

  app.get('/', (c) =>
    c.json({
      name: 'Microsoft 365 simulator',
      identity: `${new URL(c.req.url).origin}/{tenant}/oauth2/v2.0/authorize`,
      graph: `${new URL(c.req.url).origin}/v1.0/admin/serviceAnnouncement/healthOverviews`,
      control: `${new URL(c.req.url).origin}/_simulator/tenants`,
    }),
  );

  mountControl(app, routeDeps);
  mountGraph(app, routeDeps);
  mountIdentity(app, routeDeps);

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${new URL(c.req.url).pathname}.` } }, 404));
  app.onError((error, c) => {
    // Never leak a stack trace; the message is enough to debug the simulator.
    if (log) log(`simulator error on ${c.req.method} ${c.req.path}: ${error instanceof Error ? error.message : String(error)}`);
    return c.json({ error: { code: 'internal_error', message: 'The simulator failed to handle the request.' } }, 500);
  });
  return app;
}

/** Starts a simulator and resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const clock = options.clock ?? systemClock;
  const log = options.log === undefined ? (line: string) => console.log(line) : options.log;
  // State-file problems are worth a line even when request logging is off.
  const warn = log || ((line: string) => console.error(line));
  const worldOptions = { seed: options.seed ?? DEFAULT_SEED, live: options.live ?? false, extraTenants: options.extraTenants ?? 0 };

  const read = options.stateFile ? await readStateFile(options.stateFile, new Date()) : null;
  const saved = read?.status === 'loaded' ? read.data : null;
  if (read?.status === 'corrupt') {
    warn(`simulator: the state file ${options.stateFile} is unusable (${read.problem}); it was moved to ${read.movedTo} and the simulator starts fresh (earlier refresh tokens and consents are gone).`);
  }
  const worldKept = saved !== null && saved.world.seed === worldOptions.seed && saved.world.live === worldOptions.live && saved.world.extraTenants === worldOptions.extraTenants;
  if (saved && !worldKept) {
    warn(`simulator: the state file ${options.stateFile} was written with other options (seed ${saved.world.seed}, live ${saved.world.live}, extraTenants ${saved.world.extraTenants}); the tenants' data is regenerated, authorizations are kept.`);
  }
  const world = new World({ ...worldOptions, startAt: worldKept && saved ? saved.world.startAt : clock.now() });
  if (worldKept && saved) world.restore(saved.world, clock.now());
  const state = new SimulatorState();
  if (saved) restoreState(state, saved);
  // The first tenant has already consented to the built-in app, so simulator mode has data at once.
  else state.grantConsent(world.tenants[0].def.tenantId, BUILT_IN_APP.clientId);
  const signer = await TokenSigner.create(saved?.signingKey);

  let writer: StateFileWriter | null = null;
  if (options.stateFile) {
    writer = new StateFileWriter(options.stateFile, () => snapshotState(state, world.snapshot(), signer.privateJwk, new Date(clock.now())), warn);
    state.onChange = world.onChange = () => writer?.changed();
    // Written before the first request, so the key of the first token is on disk (and a folder
    // that cannot be written fails start-up instead of every later restart).
    await writer.writeNow();
  }

  const waiting = new WaitingRoom();
  const app = createSimulatorApp({ state, world, signer, clock, waiting, log });
  const host = options.host ?? '127.0.0.1';

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }) as Server;
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  return {
    url: `http://${urlHost}:${port}`,
    close: async () => {
      waiting.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      await writer?.flush();
    },
    stateFile: !options.stateFile
      ? { file: null }
      : saved
        ? { file: options.stateFile, loaded: true, worldKept }
        : { file: options.stateFile, loaded: false, ...(read?.status === 'corrupt' ? { corrupt: { problem: read.problem, movedTo: read.movedTo } } : {}) },
    registerApp: (registration) => {
      state.registerApp(registration);
    },
    tenants: world.tenants.map((t) => ({
      tenantId: t.def.tenantId,
      domain: t.def.domain,
      displayName: t.def.displayName,
      admins: t.def.admins.map((a) => ({ ...a })),
    })),
  };
}
