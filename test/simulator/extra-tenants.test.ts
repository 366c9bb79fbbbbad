/**
 * `startSimulator({ extraTenants })`: synthetic tenants for load tests. Deterministic ids and
 * domains, one admin each, a small data set from the catalog's templates, reachable through the
 * real flows (consent pages with a hint, tokens, Graph), and no change to the catalog tenants.
 */
import { CryptoProvider } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_APP, createManualClock, startSimulator, type RunningSimulator } from '../../demo/simulator/index.js';
import { GRAPH, SCOPES, T0, appToken, control, graphGet, guardNetwork, msalClient, registerTestApp, signInAndConsent } from './helpers.js';

const EXTRA = 25;
let plain: RunningSimulator;
let sim: RunningSimulator;

beforeAll(async () => {
  guardNetwork();
  plain = await startSimulator({ port: 0, seed: 7, clock: createManualClock(T0), log: false });
  sim = await startSimulator({ port: 0, seed: 7, clock: createManualClock(T0), log: false, extraTenants: EXTRA });
});
afterAll(async () => {
  await plain.close();
  await sim.close();
});

/** Everything Graph says about a tenant that the server reads. */
async function graphView(s: RunningSimulator, tenantId: string, token: string) {
  const overviews = await graphGet(s, `${GRAPH}/healthOverviews?$expand=issues`, token);
  const issues = await graphGet(s, `${GRAPH}/issues`, token);
  const organization = await graphGet(s, '/v1.0/organization', token);
  expect([overviews.status, issues.status, organization.status]).toEqual([200, 200, 200]);
  const view = { overviews: await overviews.json(), issues: await issues.json(), organization: await organization.json(), tenantId };
  // `@odata.context` names the simulator's own URL; compare the rest.
  return JSON.parse(JSON.stringify(view).replaceAll(s.url, 'SIM')) as typeof view;
}

describe('extraTenants', () => {
  it('adds synthetic tenants with deterministic ids, domains and one admin each, after the catalog', () => {
    expect(sim.tenants).toHaveLength(3 + EXTRA);
    expect(sim.tenants.slice(0, 3)).toEqual(plain.tenants);
    expect(sim.tenants[3]).toEqual({
      tenantId: 'e0000000-0000-4000-8000-000000000001',
      domain: 't00001.bench.example',
      displayName: 'Bench Tenant 00001',
      admins: [{ oid: 'ad000000-0000-4000-8000-000000000001', upn: 'admin@t00001.bench.example', name: 'Bench Admin 1' }],
    });
    expect(sim.tenants.at(-1)?.domain).toBe('t00025.bench.example');
    expect(new Set(sim.tenants.map((t) => t.tenantId)).size).toBe(3 + EXTRA);
  });

  it('leaves the catalog tenants and their data unchanged', async () => {
    const [a, b] = await Promise.all([
      graphView(plain, plain.tenants[0]!.tenantId, await appToken(plain, plain.tenants[0]!.tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret)),
      graphView(sim, sim.tenants[0]!.tenantId, await appToken(sim, sim.tenants[0]!.tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret)),
    ]);
    expect(b).toEqual(a);
    const listed = (await (await control(sim, 'GET', '/tenants')).json()) as { tenants: Array<{ domain: string }> };
    expect(listed.tenants).toHaveLength(3 + EXTRA);
  });

  it('gives each synthetic tenant a small, realistic, seed-determined data set', async () => {
    const tenant = sim.tenants[3 + 6]!;
    expect((await control(sim, 'POST', `/tenants/${tenant.tenantId}/consent`, { clientId: BUILT_IN_APP.clientId })).status).toBe(201);
    const view = await graphView(sim, tenant.tenantId, await appToken(sim, tenant.tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret));
    const services = (view.overviews as { value: Array<{ id: string; status: string; issues: unknown[] }> }).value;
    expect(services.length).toBeGreaterThanOrEqual(13);
    expect(services.map((s) => s.id)).toEqual(expect.arrayContaining(['Exchange', 'microsoftteams', 'SharePoint']));
    const issues = (view.issues as { value: Array<{ id: string; isResolved: boolean; posts: unknown[]; classification: string }> }).value;
    expect(issues.length).toBeGreaterThanOrEqual(1);
    expect(issues.length).toBeLessThanOrEqual(11);
    for (const issue of issues) {
      expect(issue.id).toMatch(/^[A-Z]{2}\d{6}$/);
      expect(['incident', 'advisory']).toContain(issue.classification);
      expect(issue.posts.length).toBeGreaterThan(0);
    }
    expect((view.organization as { value: Array<{ id: string; displayName: string }> }).value[0]).toMatchObject({ id: tenant.tenantId, displayName: tenant.displayName });

    // Same seed and clock, same data.
    const again = await startSimulator({ port: 0, seed: 7, clock: createManualClock(T0), log: false, extraTenants: 10 });
    try {
      await control(again, 'POST', `/tenants/${tenant.tenantId}/consent`, { clientId: BUILT_IN_APP.clientId });
      const other = await graphView(again, tenant.tenantId, await appToken(again, tenant.tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret));
      expect(other).toEqual(view);
    } finally {
      await again.close();
    }
  });

  it('offers a synthetic admin on the sign-in page only when a hint names it, and runs the real code flow', async () => {
    const app = registerTestApp(sim);
    const redirectUri = 'http://localhost:3000/oauth/callback';
    const bare = await fetch(
      `${sim.url}/organizations/oauth2/v2.0/authorize?client_id=${app.clientId}&response_type=code&redirect_uri=${encodeURIComponent(redirectUri)}&code_challenge=abc&code_challenge_method=S256&scope=openid`,
    );
    const html = await bare.text();
    expect(html).toContain(plain.tenants[0]!.admins[0]!.upn);
    expect(html).not.toContain('bench.example');

    const tenant = sim.tenants[3 + 11]!;
    const client = msalClient(sim, 'organizations', app.clientId, app.clientSecret);
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    const url = await client.getAuthCodeUrl({ scopes: SCOPES, redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', state: 's', nonce: 'n', domainHint: tenant.domain, prompt: 'consent' });
    const page = await (await fetch(url)).text();
    expect(page).toContain(tenant.admins[0]!.upn);
    expect(page.match(/bench\.example/g)?.length ?? 0).toBeGreaterThan(0);
    expect(page).not.toContain('t00001.bench.example');
    const back = await signInAndConsent(url, tenant.admins[0]!.upn);
    const code = back.searchParams.get('code') ?? '';
    const result = await client.acquireTokenByCode({ code, scopes: SCOPES, redirectUri, codeVerifier: verifier, nonce: 'n', state: 's' }, { code, state: 's' });
    expect(result.tenantId).toBe(tenant.tenantId);
    expect(decodeJwt(result.accessToken).tid).toBe(tenant.tenantId);
    expect((await graphGet(sim, `${GRAPH}/healthOverviews`, result.accessToken)).status).toBe(200);
  });

  it('refuses a count that is not an integer from 0 to 100 000', async () => {
    for (const extraTenants of [-1, 1.5, 100_001]) {
      await expect(startSimulator({ port: 0, log: false, extraTenants })).rejects.toThrow(RangeError);
    }
  });
});
