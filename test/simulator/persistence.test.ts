/**
 * The state file: a simulator restarted on the same file honours what it issued (refresh tokens
 * and their rotation, consents, app registrations, its signing key) and answers Graph as before
 * (issues created, changed and deleted, pinned statuses, live-mode progress); a corrupt file is
 * moved aside and logged, an unreadable one stops start-up. Real HTTP, real msal-node.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CryptoProvider } from '@azure/msal-node';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_APP, createManualClock, startSimulator, type RunningSimulator } from '../../demo/simulator/index.js';
import { GRAPH, SCOPES, T0, appToken, authCodeFlow, control, graphGet, guardNetwork, msalClient, signInAndConsent } from './helpers.js';

let dir: string;
const running: RunningSimulator[] = [];

beforeAll(async () => {
  guardNetwork();
  dir = await mkdtemp(join(tmpdir(), 'o365-sim-state-'));
});
afterEach(async () => {
  for (const sim of running.splice(0)) await sim.close().catch(() => {});
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Starts a quiet simulator on a state file, tracked so a failing test still closes it. */
async function start(stateFile: string, options: { clock?: ReturnType<typeof createManualClock>; live?: boolean; seed?: number; log?: (line: string) => void } = {}) {
  const sim = await startSimulator({ port: 0, seed: options.seed ?? 7, clock: options.clock ?? createManualClock(T0), log: options.log ?? false, stateFile, live: options.live ?? false });
  running.push(sim);
  return sim;
}

async function stop(sim: RunningSimulator) {
  running.splice(running.indexOf(sim), 1);
  await sim.close();
}

async function jwksOf(sim: RunningSimulator, tenantId: string) {
  return (await (await fetch(`${sim.url}/${tenantId}/discovery/v2.0/keys`)).json()) as Parameters<typeof createLocalJWKSet>[0] & { keys: Array<Record<string, unknown>> };
}

async function graphJson<T>(sim: RunningSimulator, path: string, token: string): Promise<T> {
  const res = await graphGet(sim, path, token);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

type IssueList = { value: Array<{ id: string; status: string; lastModifiedDateTime: string; posts: unknown[] }> };

describe('state file: authorizations survive a restart', () => {
  it('a restarted simulator redeems the refresh token msal-node holds, and its id_token verifies with the new process JWKS (the same key)', async () => {
    const file = join(dir, 'msal.json');
    const clock = createManualClock(T0);
    const first = await start(file, { clock });
    const fabrikam = first.tenants[1];
    const app = { clientId: crypto.randomUUID(), clientSecret: 'restart~secret', redirectUris: ['http://localhost:3000/oauth/callback'], displayName: 'Restart Test App' };
    expect((await control(first, 'POST', '/apps', app)).status).toBe(201);
    const { client, result } = await authCodeFlow(first, { tenant: 'organizations', clientId: app.clientId, clientSecret: app.clientSecret, upn: fabrikam.admins[0].upn });
    const cache = client.getTokenCache().serialize();
    const firstKeys = await jwksOf(first, fabrikam.tenantId);
    await stop(first);

    const second = await start(file, { clock });
    expect(second.stateFile).toEqual({ file, loaded: true, worldKept: true });
    const client2 = msalClient(second, 'organizations', app.clientId, app.clientSecret);
    client2.getTokenCache().deserialize(cache);
    const [account] = await client2.getTokenCache().getAllAccounts();
    expect(account?.username).toBe(fabrikam.admins[0].upn);
    const refreshed = await client2.acquireTokenSilent({ account, scopes: SCOPES, forceRefresh: true });
    expect(refreshed.fromCache).toBe(false);

    const secondKeys = await jwksOf(second, fabrikam.tenantId);
    const verified = await jwtVerify(refreshed.idToken, createLocalJWKSet(secondKeys), { currentDate: new Date(clock.now()), audience: app.clientId });
    expect(verified.payload).toMatchObject({ tid: fabrikam.tenantId, preferred_username: fabrikam.admins[0].upn });
    expect(secondKeys.keys.map((k) => k.kid)).toEqual(firstKeys.keys.map((k) => k.kid));
    // Tokens the first process issued stay valid, as Microsoft's do across its own restarts.
    expect((await graphGet(second, `${GRAPH}/healthOverviews`, result.accessToken)).status).toBe(200);
    expect((await graphGet(second, `${GRAPH}/healthOverviews`, refreshed.accessToken)).status).toBe(200);
    // The app registration came back too (the sign-in page knows it).
    const apps = (await (await control(second, 'GET', '/apps')).json()) as { apps: Array<{ clientId: string; displayName: string }> };
    expect(apps.apps).toContainEqual(expect.objectContaining({ clientId: app.clientId, displayName: 'Restart Test App' }));
  });

  it('rotation and revocation survive too: a rotated refresh token stays refused, its successor works, a revoked consent stays revoked', async () => {
    const file = join(dir, 'rotation.json');
    const clock = createManualClock(T0);
    const first = await start(file, { clock });
    const [contoso, fabrikam] = first.tenants;
    const app = { clientId: crypto.randomUUID(), clientSecret: 'rotation~secret', redirectUris: ['http://localhost:3000/oauth/callback'] };
    await control(first, 'POST', '/apps', app);
    const tokenAt = async (sim: RunningSimulator, form: Record<string, string>) => {
      const res = await fetch(`${sim.url}/organizations/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ client_id: app.clientId, client_secret: app.clientSecret, ...form }) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const codeFor = async (upn: string) => {
      const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
      const url = new URL(`${first.url}/organizations/oauth2/v2.0/authorize`);
      url.search = new URLSearchParams({ client_id: app.clientId, response_type: 'code', redirect_uri: app.redirectUris[0], scope: `${SCOPES.join(' ')} openid offline_access`, code_challenge: challenge, code_challenge_method: 'S256' }).toString();
      const back = await signInAndConsent(url.toString(), upn);
      const redeemed = await tokenAt(first, { grant_type: 'authorization_code', code: back.searchParams.get('code') ?? '', code_verifier: verifier, redirect_uri: app.redirectUris[0] });
      expect(redeemed.status).toBe(200);
      return String(redeemed.body.refresh_token);
    };
    const rotated = await codeFor(fabrikam.admins[0].upn);
    const successor = await tokenAt(first, { grant_type: 'refresh_token', refresh_token: rotated });
    expect(successor.status).toBe(200);
    const contosoToken = await codeFor(contoso.admins[0].upn);
    expect((await control(first, 'POST', `/tenants/${contoso.tenantId}/revoke-consent`, { clientId: app.clientId })).status).toBe(200);
    await stop(first);

    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(rotated);
    expect(text).not.toContain(String(successor.body.refresh_token));

    const second = await start(file, { clock });
    const again = await tokenAt(second, { grant_type: 'refresh_token', refresh_token: rotated });
    expect(again.status).toBe(400);
    expect(again.body.error_codes).toEqual([70000]);
    expect((await tokenAt(second, { grant_type: 'refresh_token', refresh_token: String(successor.body.refresh_token) })).status).toBe(200);
    const revoked = await tokenAt(second, { grant_type: 'refresh_token', refresh_token: contosoToken });
    expect(revoked.status).toBe(400);
    expect(revoked.body).toMatchObject({ error: 'invalid_grant', suberror: 'consent_required', error_codes: [65001] });
  });

  it('writes the file atomically with mode 0600, leaving no temporary file, and close() writes the last change', async () => {
    const folder = join(dir, 'fresh-folder', 'data');
    const file = join(folder, 'simulator.json');
    const sim = await start(file);
    // Written at start already, before any change: the signing key is on disk from the first token on.
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1, signingKey: { kty: 'RSA' } });
    const created = await control(sim, 'POST', `/tenants/${sim.tenants[0].tenantId}/issues`, { title: 'Written by close', service: 'Exchange Online' });
    const { id } = (await created.json()) as { id: string };
    await stop(sim);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(folder)).toEqual(['simulator.json']);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { world: { tenants: Record<string, { issues: Array<{ id: string }> }> } };
    expect(saved.world.tenants[sim.tenants[0].tenantId].issues.map((i) => i.id)).toContain(id);
  });
});

describe('state file: the tenants data survives a restart', () => {
  it('injected, patched and deleted issues, pinned statuses and added messages come back exactly; ids of new issues do not collide', async () => {
    const file = join(dir, 'world.json');
    const clock = createManualClock(T0);
    const first = await start(file, { clock });
    const [contoso, fabrikam] = first.tenants;
    expect((await control(first, 'POST', `/tenants/${fabrikam.tenantId}/consent`, { clientId: BUILT_IN_APP.clientId })).status).toBe(201);
    const contosoToken = await appToken(first, contoso.tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    const fabrikamToken = await appToken(first, fabrikam.tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);

    const created = await control(first, 'POST', `/tenants/${contoso.tenantId}/issues`, { title: 'Mail flow delays', service: 'Exchange Online', status: 'serviceDegradation', post: { html: '<p>Investigating.</p>' } });
    const { id: injected } = (await created.json()) as { id: string };
    for (const tenant of [contoso, fabrikam]) {
      expect((await control(first, 'POST', `/tenants/${tenant.tenantId}/issues`, { id: 'TM424242', title: 'Teams meetings drop', service: 'Microsoft Teams' })).status).toBe(201);
    }
    clock.advance(60_000);
    expect((await control(first, 'PATCH', `/tenants/${contoso.tenantId}/issues/${injected}`, { status: 'serviceRestored', post: { html: '<p>Fixed.</p>' } })).status).toBe(200);
    expect((await control(first, 'PUT', `/tenants/${contoso.tenantId}/services/SharePoint`, { status: 'extendedRecovery' })).status).toBe(200);
    expect((await control(first, 'POST', `/tenants/${contoso.tenantId}/messages`, { title: 'Kept across restarts', services: ['Exchange Online'] })).status).toBe(201);
    const generated = (await graphJson<IssueList>(first, `${GRAPH}/issues`, contosoToken)).value.find((i) => i.id !== injected && i.id !== 'TM424242');
    if (!generated) throw new Error('no generated issue');
    expect((await control(first, 'DELETE', `/tenants/${contoso.tenantId}/issues/${generated.id}`)).status).toBe(204);

    const before = {
      contoso: await graphJson<IssueList>(first, `${GRAPH}/issues`, contosoToken),
      fabrikam: await graphJson<IssueList>(first, `${GRAPH}/issues`, fabrikamToken),
      health: await graphJson<unknown>(first, `${GRAPH}/healthOverviews?$expand=issues`, contosoToken),
      messages: await graphJson<{ value: Array<{ title: string }> }>(first, `${GRAPH}/messages`, contosoToken),
    };
    expect(before.messages.value.map((m) => m.title)).toContain('Kept across restarts');
    await stop(first);

    const second = await start(file, { clock });
    const after = {
      contoso: await graphJson<IssueList>(second, `${GRAPH}/issues`, contosoToken),
      fabrikam: await graphJson<IssueList>(second, `${GRAPH}/issues`, fabrikamToken),
      health: await graphJson<unknown>(second, `${GRAPH}/healthOverviews?$expand=issues`, contosoToken),
      messages: await graphJson<{ value: Array<{ title: string }> }>(second, `${GRAPH}/messages`, contosoToken),
    };
    // Only the origin in @odata links differs between the two processes.
    const strip = (value: unknown) => JSON.parse(JSON.stringify(value).replaceAll(first.url, 'ORIGIN').replaceAll(second.url, 'ORIGIN'));
    expect(strip(after)).toEqual(strip(before));
    expect(after.contoso.value.find((i) => i.id === injected)).toMatchObject({ status: 'serviceRestored', posts: [expect.anything(), expect.anything()] });
    expect(after.contoso.value.map((i) => i.id)).not.toContain(generated.id);
    expect(after.fabrikam.value.map((i) => i.id)).toContain('TM424242');

    const next = await control(second, 'POST', `/tenants/${contoso.tenantId}/issues`, { title: 'Another one', service: 'Exchange Online' });
    const { id: nextId } = (await next.json()) as { id: string };
    expect([...before.contoso.value, ...before.fabrikam.value].map((i) => i.id)).not.toContain(nextId);
    expect(Number(nextId.slice(2))).toBeGreaterThan(Number(injected.slice(2)));
  });

  it('live mode resumes where it was: the live issues are still there and the next ones get new ids', async () => {
    const file = join(dir, 'live.json');
    const clock = createManualClock(T0);
    const first = await start(file, { clock, live: true });
    const contoso = first.tenants[0];
    const token = await appToken(first, contoso.tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    const atStart = (await graphJson<IssueList>(first, `${GRAPH}/issues`, token)).value.map((i) => i.id);
    clock.advance(25 * 60_000); // two live issues are due (Fabrikam, Northwind)
    await graphJson<IssueList>(first, `${GRAPH}/issues`, token);
    // An issue made between live ones takes an id from the same counter: a restart must not reuse it.
    const made = await control(first, 'POST', `/tenants/${contoso.tenantId}/issues`, { title: 'Between live issues', service: 'Exchange Online' });
    expect(made.status).toBe(201);
    clock.advance(25 * 60_000); // two more, one in Contoso
    const before = await graphJson<IssueList>(first, `${GRAPH}/issues`, token);
    const live = before.value.map((i) => i.id).filter((id) => !atStart.includes(id));
    expect(live.length).toBeGreaterThan(0);
    await stop(first);

    const second = await start(file, { clock, live: true });
    const after = await graphJson<IssueList>(second, `${GRAPH}/issues`, token);
    expect(after.value.map((i) => [i.id, i.status, i.lastModifiedDateTime])).toEqual(before.value.map((i) => [i.id, i.status, i.lastModifiedDateTime]));

    clock.advance(3 * 13 * 60_000); // the next Contoso live issue is due (and the first token has expired)
    const laterToken = await appToken(second, contoso.tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    const later = (await graphJson<IssueList>(second, `${GRAPH}/issues`, laterToken)).value.map((i) => i.id);
    const fresh = later.filter((id) => !before.value.some((i) => i.id === id));
    expect(fresh.length).toBeGreaterThan(0);
    expect(later).toEqual(expect.arrayContaining(live));
  });
});

describe('state file: damaged files', () => {
  it('a corrupt file is moved aside as .corrupt-<timestamp>, a line says so, and the simulator starts fresh', async () => {
    for (const [name, content, reason] of [
      ['garbage.json', '{"version": 1, "apps": [', /not valid JSON/],
      ['future.json', JSON.stringify({ version: 2, everything: 'else' }), /version 2/],
      ['shape.json', JSON.stringify({ version: 1, apps: 'none' }), /unexpected content/],
    ] as const) {
      const file = join(dir, name);
      await writeFile(file, content);
      const lines: string[] = [];
      const sim = await start(file, { log: (line) => lines.push(line) });
      if (sim.stateFile.file === null || sim.stateFile.loaded) throw new Error(`${name}: expected a fresh start`);
      const movedTo = sim.stateFile.corrupt?.movedTo ?? '';
      expect(movedTo.startsWith(`${file}.corrupt-`), name).toBe(true);
      expect(await readFile(movedTo, 'utf8')).toBe(content);
      expect(lines.find((l) => l.includes(file) && l.includes(movedTo)), name).toMatch(reason);
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1 });
      // Fresh means working: the built-in app's first tenant is consented, Graph answers.
      const token = await appToken(sim, sim.tenants[0].tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
      expect((await graphGet(sim, `${GRAPH}/issues`, token)).status).toBe(200);
      await stop(sim);
    }
  });

  it('a state file that cannot be read stops start-up with an error naming it', async () => {
    const file = join(dir, 'a-folder.json');
    await mkdir(file);
    await expect(startSimulator({ port: 0, log: false, stateFile: file })).rejects.toThrow(`state file ${file} cannot be read`);
  });

  it('a file written with another seed keeps the authorizations but regenerates the data, and says so', async () => {
    const file = join(dir, 'seed.json');
    const first = await start(file, { seed: 7 });
    const app = { clientId: crypto.randomUUID(), clientSecret: 'seed~secret', redirectUris: ['http://localhost:3000/oauth/callback'] };
    await control(first, 'POST', '/apps', app);
    await stop(first);
    const lines: string[] = [];
    const second = await start(file, { seed: 8, log: (line) => lines.push(line) });
    expect(second.stateFile).toEqual({ file, loaded: true, worldKept: false });
    expect(lines.some((l) => l.includes('seed 7') && l.includes('regenerated'))).toBe(true);
    const apps = (await (await control(second, 'GET', '/apps')).json()) as { apps: Array<{ clientId: string }> };
    expect(apps.apps.map((a) => a.clientId)).toContain(app.clientId);
  });
});
