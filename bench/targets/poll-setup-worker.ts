/**
 * Benchmark child for the `direct` setup of `npm run bench -- poll` (large tenant counts).
 *
 * The documented shortcut: the server's two OAuth routes are called as functions instead of over
 * HTTP, in one or more worker processes writing to the server's SQLite file (WAL), so thousands of
 * tenants can be authorized within the time budget. Everything else is the production path, in
 * the order `POST /api/authorizations` and `GET /oauth/callback` run it:
 *   IdentityClient.generatePkce + authorizeUrl (msal getAuthCodeUrl, domain hint = the label)
 *   → beginAuthorization (pending row, sealed PKCE verifier and nonce, hashed state)
 *   → the simulator's sign-in and consent pages walked over HTTP (walkSimulatedConsent)
 *   → consumeOAuthRequest → IdentityClient.redeemCode (msal acquireTokenByCode against the
 *     simulator's token endpoint, real msal token cache sealed into the row by tokenCacheStore)
 *   → activateAuthorization.
 * What it leaves out: the HTTP and API-key layers of those two routes, and the callback's
 * `syncNow` — so every tenant's first (full) sync happens in the first poll cycle, which the
 * benchmark measures and reports separately.
 */
import { randomUUID } from 'node:crypto';
import { BUILT_IN_APP } from '../../demo/simulator/index.js';
import { loadOrCreateSecretKey, randomToken, SecretBox } from '../../server/crypto.js';
import { openDatabase, type OpenDatabase } from '../../server/db/index.js';
import { IdentityClient } from '../../server/microsoft/identity.js';
import { domainHintFromLabel } from '../../server/routes/authorizations.js';
import { walkSimulatedConsent } from '../../server/simulated-consent.js';
import { findOrCreateOrg } from '../../server/store/keys.js';
import { activateAuthorization, beginAuthorization, consumeOAuthRequest, tokenCacheStore } from '../../server/store/authorizations.js';
import { serveCommands } from '../lib/rpc.js';

let database: OpenDatabase | null = null;

interface Job {
  databasePath: string;
  simUrl: string;
  redirectUri: string;
  orgName: string;
  tenants: Array<{ domain: string; upn: string }>;
  concurrency: number;
  deadlineMs: number;
}

async function authorize(job: Job) {
  database = openDatabase(job.databasePath);
  const { db } = database;
  // The server created the key file next to the database at start-up; the same key seals here.
  const box = new SecretBox(loadOrCreateSecretKey(null, job.databasePath));
  const identity = new IdentityClient({ clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret, loginUrl: job.simUrl, redirectUri: job.redirectUri });
  const org = findOrCreateOrg(db, job.orgName);
  const deadline = Date.now() + job.deadlineMs;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const errors: string[] = [];
  let next = 0;
  let done = 0;

  const one = async (tenant: { domain: string; upn: string }) => {
    // POST /api/authorizations
    const state = randomToken();
    const nonce = randomToken();
    const pkce = await identity.generatePkce();
    const authorizeUrl = await identity.authorizeUrl({ state, nonce, codeChallenge: pkce.challenge, domainHint: domainHintFromLabel(tenant.domain) });
    beginAuthorization(db, box, {
      orgId: org.id,
      createdBy: 'bench-admin',
      label: tenant.domain,
      api: 'service-communications',
      state,
      codeVerifier: pkce.verifier,
      nonce,
      returnTo: null,
      openerOrigin: null,
      now: new Date(),
    });
    // The admin at Microsoft.
    const callback = new URL(await walkSimulatedConsent(authorizeUrl, tenant.upn));
    const code = callback.searchParams.get('code');
    if (!code || callback.searchParams.get('state') !== state) throw new Error(`no code for ${tenant.domain}: ${callback.search.slice(0, 200)}`);
    // GET /oauth/callback
    const request = consumeOAuthRequest(db, box, state, new Date());
    if (request.status !== 'ok') throw new Error(`state for ${tenant.domain} is ${request.status}`);
    const redeemed = await identity.redeemCode({ code, codeVerifier: request.codeVerifier, nonce: request.nonce, state }, tokenCacheStore(db, box, request.authorizationId));
    activateAuthorization(db, request.authorizationId, { tenantId: redeemed.tenantId, homeAccountId: redeemed.homeAccountId, consentedBy: redeemed.username, now: new Date() });
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
  return {
    id: randomUUID(),
    authorized: done - errors.length,
    errors: errors.slice(0, 3),
    errorCount: errors.length,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  };
}

export type SetupWorkerResult = Awaited<ReturnType<typeof authorize>>;

serveCommands({ authorize }, { maxMs: 15 * 60_000, onExit: () => database?.close() });
