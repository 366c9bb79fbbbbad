/**
 * The consent flow on PostgreSQL, shared by two instances: two authorizations cores, each over its
 * own connection pool to one real PostgreSQL 15 (test/support/postgres.ts), the same SECRET_KEY,
 * and the simulator as Microsoft. A flow started on one instance completes on the other, a
 * response is redeemed once across both, and the token cache the other instance wrote is the one
 * the first refreshes from.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_APP, startSimulator, type RunningSimulator } from '../../demo/simulator/index.js';
import { createAuthorizationsCore, type AuthorizationsCore } from '../../server/core/authorizations.js';
import { createKeysCore } from '../../server/core/keys.js';
import { SecretBox } from '../../server/crypto.js';
import { openPostgres, type OpenPostgres } from '../../server/db/postgres.js';
import { IdentityClient } from '../../server/microsoft/identity.js';
import { walkSimulatedConsent } from '../../server/simulated-consent.js';
import { createPostgresStore, type PostgresStore } from '../../server/store/pg/index.js';
import type { Principal } from '../../server/store/keys.js';
import { usePostgres } from '../support/postgres.js';

const PUBLIC_URL = 'http://127.0.0.1:8787';
const pg = usePostgres();
let simulator: RunningSimulator;
let identity: IdentityClient;
const secret = randomBytes(32);
const opened: OpenPostgres[] = [];
const activated: Array<[string, string]> = [];

/** One instance: its own pool, store and authorizations core. */
async function instance(name: string): Promise<{ store: PostgresStore; authorizations: AuthorizationsCore }> {
  const database = await openPostgres(pg().url, { max: 3, applicationName: name });
  opened.push(database);
  const store = createPostgresStore(database.db);
  const authorizations = createAuthorizationsCore({
    store,
    box: new SecretBox(secret),
    identity,
    config: { publicUrl: PUBLIC_URL, allowedOrigins: [PUBLIC_URL] },
    now: () => new Date(),
    log: () => {},
    onActivated: (tenantId) => activated.push([name, tenantId]),
  });
  return { store, authorizations };
}

beforeAll(async () => {
  simulator = await startSimulator({ log: false, seed: 13 });
  simulator.registerApp({ clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret, redirectUris: [`${PUBLIC_URL}/oauth/callback`] });
  identity = new IdentityClient({ clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret, loginUrl: simulator.url, redirectUri: `${PUBLIC_URL}/oauth/callback` });
});
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
  await simulator?.close();
});

describe('authorizations on PostgreSQL, across instances', () => {
  it('completes on one instance a consent begun on another, once, and the other refreshes from the token cache it wrote', async () => {
    const a = await instance('instance-a');
    const b = await instance('instance-b');
    const keys = createKeysCore({ store: a.store, now: () => new Date() });
    const key = (await keys.create({ orgName: 'pg-org', role: 'admin', userName: 'ann@pg.example' })).key;
    const principal = (await keys.authenticate(key)) as Principal;
    const tenant = simulator.tenants[0]!;

    const begun = await a.authorizations.begin(principal, { label: tenant.domain, api: 'service-communications', returnTo: null, origin: null });
    expect(begun.authorization).toMatchObject({ status: 'pending', tenantId: null, label: tenant.domain });
    const callback = new URL(await walkSimulatedConsent(begun.authorizeUrl, tenant.admins[0]!.upn));
    const query = Object.fromEntries(callback.searchParams);

    // The same response reaches both instances at once (a retried redirect): one redeems it.
    const [onB, onA] = await Promise.all([b.authorizations.complete(query), a.authorizations.complete(query)]);
    const outcomes = [onB, onA].map((done) => (done.kind === 'finished' ? done.status : done.kind)).sort();
    expect(outcomes).toEqual(['active', 'failed']);
    expect([onB, onA].find((done) => done.kind === 'finished' && done.status === 'failed')).toMatchObject({ httpStatus: 400, message: { error: expect.stringMatching(/already used/) } });

    expect(await a.authorizations.get(principal.orgId, begun.authorization.id)).toMatchObject({
      status: 'active',
      tenantId: tenant.tenantId,
      consentedBy: tenant.admins[0]!.upn,
      nextSyncAt: expect.any(String),
    });
    expect(activated.map(([, tenantId]) => tenantId)).toEqual([tenant.tenantId]);

    // The sealed msal cache is in the row; either instance gets a token from it (B refreshes what A or B redeemed).
    const [row] = await b.store.activeAuthorizationsForTenant(tenant.tenantId);
    expect(row).toMatchObject({ id: begun.authorization.id, tokenCache: expect.any(String) });
    expect(row!.tokenCache).not.toContain('refresh_token');
    const box = new SecretBox(secret);
    const fromB = await identity.accessToken({ tenantId: tenant.tenantId, homeAccountId: row!.homeAccountId!, forceRefresh: true }, b.store.tokenCache(box, row!.id, () => new Date()));
    const fromA = await identity.accessToken({ tenantId: tenant.tenantId, homeAccountId: row!.homeAccountId!, forceRefresh: true }, a.store.tokenCache(box, row!.id, () => new Date()));
    expect(fromB).toEqual(expect.any(String));
    expect(fromA).toEqual(expect.any(String));

    // Refreshes of one authorization on both instances at once: each holds the row lock in turn
    // and redeems the refresh token the one before rotated, so all four get a token.
    const refresh = (store: PostgresStore, cache = store.tokenCache(box, row!.id, () => new Date())) =>
      identity.accessToken({ tenantId: tenant.tenantId, homeAccountId: row!.homeAccountId!, forceRefresh: true }, cache).then(
        () => 'token',
        (err: Error) => err.message,
      );
    expect(await Promise.all([refresh(a.store), refresh(b.store), refresh(a.store), refresh(b.store)])).toEqual(['token', 'token', 'token', 'token']);
    // The same without the lock: both read the same refresh token, and Microsoft refuses the second (AADSTS70000).
    const unlocked = (store: PostgresStore) => {
      const { exclusive: _lock, ...cache } = store.tokenCache(box, row!.id, () => new Date());
      return refresh(store, cache);
    };
    const racing = await Promise.all([unlocked(a.store), unlocked(b.store)]);
    expect(racing).toContain('token');
    expect(racing.find((r) => r !== 'token')).toMatch(/already used|rotated|AADSTS70000|authorize again/i);
    // The authorization still works afterwards through the lock (the winner's rotated token is stored).
    expect(await refresh(a.store)).toBe('token');

    // Deleting the last authorization of the tenant purges it, seen from the other instance.
    expect(await b.authorizations.delete('another-org', begun.authorization.id)).toBeNull();
    expect(await b.authorizations.delete(principal.orgId, begun.authorization.id)).toEqual({ purgedTenant: tenant.tenantId });
    expect(await a.authorizations.list(principal.orgId)).toEqual([]);
    expect(await a.store.activeAuthorizationsForTenant(tenant.tenantId)).toEqual([]);
  });

  it('a cancelled consent adds nothing; a response not started here is refused', async () => {
    const a = await instance('instance-c');
    const keys = createKeysCore({ store: a.store, now: () => new Date() });
    const principal = (await keys.authenticate((await keys.create({ orgName: 'pg-cancel', role: 'admin' })).key)) as Principal;
    const begun = await a.authorizations.begin(principal, { label: 'contoso.com', api: 'service-communications', returnTo: null, origin: null });
    const callback = new URL(await walkSimulatedConsent(begun.authorizeUrl, simulator.tenants[0]!.admins[0]!.upn, 'Cancel'));
    expect(await a.authorizations.complete(Object.fromEntries(callback.searchParams))).toMatchObject({ status: 'failed', message: { error: expect.stringMatching(/declined to consent/) } });
    expect(await a.authorizations.list(principal.orgId)).toEqual([]);
    expect(await a.authorizations.complete({ state: 'forged', code: 'x' })).toMatchObject({ kind: 'invalid' });
    expect(await a.store.pruneOAuthRequests(new Date())).toBe(0);
  });
});
