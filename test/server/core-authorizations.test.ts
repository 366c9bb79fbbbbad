/**
 * The consent flow's state machine in the core, without the server's HTTP layer: `begin` and
 * `complete` called directly, Microsoft played by the simulator over HTTP, a real SQLite file (or,
 * with `TEST_STORE=postgres`, a fresh PostgreSQL database: `tempStore`).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_APP, startSimulator, type RunningSimulator } from '../../demo/simulator/index.js';
import { createCore, type Core } from '../../server/core/index.js';
import { SecretBox } from '../../server/crypto.js';
import { IdentityClient } from '../../server/microsoft/identity.js';
import { walkSimulatedConsent } from '../../server/simulated-consent.js';
import { tempStore, type TempStore } from '../support/stack.js';

const PUBLIC_URL = 'http://127.0.0.1:8787';
const PORTAL = 'https://portal.example.com';
let simulator: RunningSimulator;
let database: TempStore;
let core: Core;
let offset = 0;
const activated: string[] = [];

beforeAll(async () => {
  simulator = await startSimulator({ log: false, seed: 11 });
  simulator.registerApp({ clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret, redirectUris: [`${PUBLIC_URL}/oauth/callback`] });
  database = await tempStore();
  const identity = new IdentityClient({ clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret, loginUrl: simulator.url, redirectUri: `${PUBLIC_URL}/oauth/callback` });
  core = createCore({
    store: database.store,
    box: new SecretBox(randomBytes(32)),
    identity,
    config: { publicUrl: PUBLIC_URL, allowedOrigins: [PUBLIC_URL, PORTAL], pollCron: '*/5 * * * *' },
    now: () => new Date(Date.now() + offset),
  });
  core.onTenantActivated((tenantId) => activated.push(tenantId));
});
afterAll(async () => {
  await database.dispose();
  await simulator.close();
});

const admin = async () => {
  const key = (await core.keys.create({ orgName: 'core-org', role: 'admin', userName: 'ann@core.example' })).key;
  return (await core.keys.authenticate(key))!;
};

/** Begins a consent and walks the simulated sign-in; returns the redirect's query. */
async function signIn(p: { origin?: string | null; returnTo?: string | null; decision?: 'Accept' | 'Cancel' } = {}) {
  const principal = await admin();
  const begun = await core.authorizations.begin(principal, { label: 'contoso.com', api: 'service-communications', returnTo: p.returnTo ?? null, origin: p.origin ?? null });
  const callback = new URL(await walkSimulatedConsent(begun.authorizeUrl, simulator.tenants[0]!.admins[0]!.upn, p.decision ?? 'Accept'));
  return { principal, begun, query: Object.fromEntries(callback.searchParams) };
}

describe('core.authorizations', () => {
  it('begin → pending; complete(code) → active, tenant from the token, first sync requested', async () => {
    const { principal, begun, query } = await signIn({ origin: PORTAL });
    expect(begun.authorization).toMatchObject({ status: 'pending', tenantId: null, label: 'contoso.com', createdBy: 'ann@core.example' });
    const done = await core.authorizations.complete(query);
    expect(done).toMatchObject({
      kind: 'finished',
      status: 'active',
      httpStatus: 200,
      openerOrigin: PORTAL,
      returnTo: null,
      message: { type: 'o365-health:authorization', status: 'active', authorizationId: begun.authorization.id, error: null },
    });
    expect(await core.authorizations.get(principal.orgId, begun.authorization.id)).toMatchObject({
      status: 'active',
      tenantId: simulator.tenants[0]!.tenantId,
      consentedBy: simulator.tenants[0]!.admins[0]!.upn,
    });
    expect(activated).toContain(simulator.tenants[0]!.tenantId);

    // The same response again: single use.
    const replay = await core.authorizations.complete(query);
    expect(replay).toMatchObject({ kind: 'finished', status: 'failed', httpStatus: 400, message: { error: expect.stringMatching(/already used/) } });
  });

  it('posts only to an allowed origin, and keeps returnTo for the full-page flow', async () => {
    const foreign = await signIn({ origin: 'https://evil.example' });
    expect(await core.authorizations.complete(foreign.query)).toMatchObject({ openerOrigin: PUBLIC_URL });
    const page = await signIn({ returnTo: `${PORTAL}/settings` });
    expect(await core.authorizations.complete(page.query)).toMatchObject({ status: 'active', returnTo: `${PORTAL}/settings` });
    await expect(core.authorizations.begin(await admin(), { label: 'x', api: 'service-communications', returnTo: 'https://evil.example/', origin: null })).rejects.toThrow(RangeError);
  });

  it('a cancelled consent adds nothing; an expired request fails with the reason', async () => {
    const cancelled = await signIn({ decision: 'Cancel' });
    expect(await core.authorizations.complete(cancelled.query)).toMatchObject({ status: 'failed', message: { error: expect.stringMatching(/declined to consent/) } });
    expect(await core.authorizations.get(cancelled.principal.orgId, cancelled.begun.authorization.id)).toBeNull();

    const late = await signIn();
    offset += 11 * 60_000;
    try {
      expect(await core.authorizations.complete(late.query)).toMatchObject({ status: 'failed', httpStatus: 400, message: { error: expect.stringMatching(/expired/) } });
      expect(await core.authorizations.get(late.principal.orgId, late.begun.authorization.id)).toMatchObject({ status: 'failed' });
    } finally {
      offset -= 11 * 60_000;
    }
  });

  it('refuses a response that was not started here', async () => {
    expect(await core.authorizations.complete({})).toMatchObject({ kind: 'invalid' });
    expect(await core.authorizations.complete({ state: 'forged', code: 'x' })).toMatchObject({ kind: 'invalid' });
  });

  it('deletes an org\'s own authorization only, and purges the tenant with the last one', async () => {
    const { principal, begun, query } = await signIn();
    await core.authorizations.complete(query);
    const stranger = (await core.keys.authenticate((await core.keys.create({ orgName: 'other-org', role: 'admin' })).key))!;
    expect(await core.authorizations.delete(stranger.orgId, begun.authorization.id)).toBeNull();
    for (const a of await core.authorizations.list(principal.orgId)) await core.authorizations.delete(principal.orgId, a.id);
    expect(await core.authorizations.list(principal.orgId)).toEqual([]);
    expect(await core.sync.tenant(simulator.tenants[0]!.tenantId)).toBeUndefined();
  });
});
