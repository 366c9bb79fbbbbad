/**
 * The simulated identity platform as the real @azure/msal-node and a browser-less HTTP client
 * see it: sign-in and consent pages, the three grants, and Microsoft's errors.
 */
import { CryptoProvider } from '@azure/msal-node';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_APP, type RunningSimulator } from '../../demo/simulator/index.js';
import {
  GRAPH,
  SCOPES,
  appToken,
  authCodeFlow,
  control,
  graphGet,
  msalClient,
  parseForm,
  registerTestApp,
  signInAndConsent,
  startTestSimulator,
  submit,
} from './helpers.js';

let sim: RunningSimulator;
let clock: Awaited<ReturnType<typeof startTestSimulator>>['clock'];
let contoso: RunningSimulator['tenants'][number];
let fabrikam: RunningSimulator['tenants'][number];
let northwind: RunningSimulator['tenants'][number];

beforeAll(async () => {
  ({ sim, clock } = await startTestSimulator());
  [contoso, fabrikam, northwind] = sim.tenants;
});
afterAll(() => sim.close());

/** POSTs a form to the token endpoint and returns status and JSON. */
async function token(tenant: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${sim.url}/${tenant}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(form), headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Asserts Microsoft's error shape and returns the body. */
function expectAadError(body: Record<string, unknown>, error: string, code: number) {
  expect(body.error).toBe(error);
  expect(body.error_codes).toEqual([code]);
  expect(body.error_description).toMatch(new RegExp(`^AADSTS${code}: .+\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`));
  expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(body.error_uri).toBe(`${sim.url}/error?code=${code}`);
}

/** Gets a fresh authorization code for the test app by driving the pages over HTTP. */
async function freshCode(app: { clientId: string }, opts: { tenant?: string; upn?: string } = {}) {
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const redirectUri = 'http://localhost:3000/oauth/callback';
  const url = new URL(`${sim.url}/${opts.tenant ?? 'organizations'}/oauth2/v2.0/authorize`);
  url.search = new URLSearchParams({
    client_id: app.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: `${SCOPES.join(' ')} openid profile offline_access`,
    state: 's1',
    nonce: 'n1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const back = await signInAndConsent(url.toString(), opts.upn ?? fabrikam.admins[0].upn);
  return { code: back.searchParams.get('code') ?? '', verifier, redirectUri, back };
}

describe('sign-in and consent pages', () => {
  it('lists every admin of every tenant for /organizations, each button named with its UPN', async () => {
    const app = registerTestApp(sim);
    const res = await fetch(`${sim.url}/organizations/oauth2/v2.0/authorize?client_id=${app.clientId}&response_type=code&redirect_uri=${encodeURIComponent('http://localhost:3000/oauth/callback')}&code_challenge=abc&code_challenge_method=S256&scope=openid`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toMatch(/<title>Sign in to your account<\/title>/);
    expect(html).not.toMatch(/<script/);
    const form = parseForm(html);
    const upns = sim.tenants.flatMap((t) => t.admins.map((a) => a.upn));
    expect(upns.length).toBeGreaterThanOrEqual(6);
    for (const upn of upns) expect(form.buttons.some((b) => b.text.includes(upn))).toBe(true);
    expect(form.hidden.interaction).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('shows only the tenant’s admins for a tenant domain, and puts the login_hint first', async () => {
    const app = registerTestApp(sim);
    const hint = northwind.admins[1].upn;
    const res = await fetch(`${sim.url}/${northwind.domain}/oauth2/v2.0/authorize?client_id=${app.clientId}&response_type=code&redirect_uri=${encodeURIComponent('http://localhost:3000/oauth/callback')}&code_challenge=abc&code_challenge_method=S256&login_hint=${encodeURIComponent(hint)}`);
    const form = parseForm(await res.text());
    expect(form.buttons.map((b) => b.text.match(/\(([^)]+)\)/)?.[1])).toEqual([hint, northwind.admins[0].upn, northwind.admins[2].upn]);
  });

  it('puts the domain_hint tenant first on /common', async () => {
    const app = registerTestApp(sim);
    const res = await fetch(`${sim.url}/common/oauth2/v2.0/authorize?client_id=${app.clientId}&response_type=code&redirect_uri=${encodeURIComponent('http://localhost:3000/oauth/callback')}&code_challenge=abc&code_challenge_method=S256&domain_hint=${fabrikam.domain}`);
    const form = parseForm(await res.text());
    expect(form.buttons[0].text).toContain(fabrikam.admins[0].upn);
    expect(form.buttons[1].text).toContain(fabrikam.admins[1].upn);
  });

  it('names the app and both permissions on the consent page, with Accept and Cancel buttons', async () => {
    const app = registerTestApp(sim);
    const authorize = `${sim.url}/${contoso.tenantId}/oauth2/v2.0/authorize?client_id=${app.clientId}&response_type=code&redirect_uri=${encodeURIComponent('http://localhost:3000/oauth/callback')}&code_challenge=abc&code_challenge_method=S256`;
    const form = parseForm(await (await fetch(authorize)).text());
    const picked = await submit(authorize, form, form.buttons[0]);
    expect(picked.status).toBe(303);
    const consent = await fetch(new URL(picked.headers.get('location') ?? '', authorize));
    const html = await consent.text();
    expect(html).toContain('Health Test App');
    expect(html).toContain('ServiceHealth.Read.All');
    expect(html).toContain('ServiceMessage.Read.All');
    expect(html).toMatch(/<title>Permissions requested<\/title>/);
    expect(parseForm(html).buttons.map((b) => b.text)).toEqual(['Cancel', 'Accept']);
  });

  it('Cancel redirects with access_denied AADSTS65004 and the state', async () => {
    const app = registerTestApp(sim);
    const url = `${sim.url}/organizations/oauth2/v2.0/authorize?client_id=${app.clientId}&response_type=code&redirect_uri=${encodeURIComponent('http://localhost:3000/oauth/callback')}&code_challenge=abc&code_challenge_method=S256&state=xyz`;
    const back = await signInAndConsent(url, contoso.admins[0].upn, 'Cancel');
    expect(back.origin + back.pathname).toBe('http://localhost:3000/oauth/callback');
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toBe('AADSTS65004: User declined to consent to access the app.');
    expect(back.searchParams.get('state')).toBe('xyz');
    expect(back.searchParams.has('code')).toBe(false);
  });

  it('shows an AADSTS700016 error page, not a redirect, for an unknown client', async () => {
    const res = await fetch(`${sim.url}/organizations/oauth2/v2.0/authorize?client_id=00000000-1111-2222-3333-444444444444&response_type=code&redirect_uri=${encodeURIComponent('http://localhost:3000/cb')}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toMatch(/AADSTS700016:<\/strong> Application with identifier &#39;00000000-1111-2222-3333-444444444444&#39; was not found/);
  });

  it('shows an AADSTS50011 error page, never a redirect, for an unregistered redirect URI', async () => {
    const app = registerTestApp(sim);
    const evil = 'https://evil.example/callback';
    const res = await fetch(`${sim.url}/organizations/oauth2/v2.0/authorize?client_id=${app.clientId}&response_type=code&redirect_uri=${encodeURIComponent(evil)}&code_challenge=abc&code_challenge_method=S256`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain(`AADSTS50011:</strong> The redirect URI &#39;${evil}&#39; specified in the request does not match`);
  });

  it('redirects with invalid_request when the PKCE challenge is missing', async () => {
    const app = registerTestApp(sim);
    const res = await fetch(`${sim.url}/organizations/oauth2/v2.0/authorize?client_id=${app.clientId}&response_type=code&redirect_uri=${encodeURIComponent('http://localhost:3000/oauth/callback')}&state=q`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/^AADSTS900144: .*code_challenge/);
    expect(location.searchParams.get('state')).toBe('q');
  });

  it('accepts the built-in app’s localhost redirect URI on any port and on 127.0.0.1', async () => {
    for (const redirect of ['http://localhost:8787/oauth/callback', 'http://127.0.0.1:41999/oauth/callback']) {
      const url = `${sim.url}/organizations/oauth2/v2.0/authorize?client_id=${BUILT_IN_APP.clientId}&response_type=code&redirect_uri=${encodeURIComponent(redirect)}&code_challenge=abc&code_challenge_method=S256&state=p`;
      const back = await signInAndConsent(url, contoso.admins[0].upn);
      expect(back.origin + back.pathname).toBe(redirect);
      expect(back.searchParams.get('code')).toBeTruthy();
    }
    const wrongPath = await fetch(`${sim.url}/organizations/oauth2/v2.0/authorize?client_id=${BUILT_IN_APP.clientId}&response_type=code&redirect_uri=${encodeURIComponent('http://localhost:8787/other')}&code_challenge=abc&code_challenge_method=S256`);
    expect(wrongPath.status).toBe(400);
  });
});

describe('msal-node against the simulator', () => {
  it('completes client credentials for a consented tenant; the token reads Graph of that tenant', async () => {
    const client = msalClient(sim, contoso.tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    const result = await client.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(result?.accessToken).toBeTruthy();
    expect(result?.tenantId === '' || result?.tenantId === contoso.tenantId || result?.tenantId === undefined).toBe(true);
    const claims = decodeJwt(result?.accessToken ?? '');
    expect(claims).toMatchObject({ aud: 'https://graph.microsoft.com', tid: contoso.tenantId, appid: BUILT_IN_APP.clientId, roles: ['ServiceHealth.Read.All', 'ServiceMessage.Read.All'] });
    expect((claims.exp ?? 0) - Math.floor(clock.now() / 1000)).toBe(3599);
    const org = await graphGet(sim, '/v1.0/organization', result?.accessToken ?? '');
    expect(((await org.json()) as { value: Array<{ id: string }> }).value[0].id).toBe(contoso.tenantId);
    const again = await client.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(again?.fromCache).toBe(true);
  });

  it('refuses client credentials with unauthorized_client AADSTS700016 where the app has no consent', async () => {
    const client = msalClient(sim, fabrikam.tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    await expect(client.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })).rejects.toMatchObject({ errorCode: 'unauthorized_client', errorMessage: expect.stringContaining('Description: AADSTS700016: Application with identifier') });
  });

  it('completes the authorization code flow with PKCE, then refreshes with forceRefresh', async () => {
    const app = registerTestApp(sim);
    const upn = fabrikam.admins[1].upn;
    const { client, result } = await authCodeFlow(sim, { tenant: 'organizations', clientId: app.clientId, clientSecret: app.clientSecret, upn });
    expect(result.account?.username).toBe(upn);
    expect(result.account?.tenantId).toBe(fabrikam.tenantId);
    expect(result.account?.homeAccountId).toBe(`${fabrikam.admins[1].oid}.${fabrikam.tenantId}`);
    expect(result.idTokenClaims).toMatchObject({ tid: fabrikam.tenantId, preferred_username: upn, ver: '2.0', aud: app.clientId, iss: `${sim.url}/${fabrikam.tenantId}/v2.0` });
    expect(decodeJwt(result.accessToken)).toMatchObject({ tid: fabrikam.tenantId, scp: 'ServiceHealth.Read.All ServiceMessage.Read.All', appid: app.clientId });

    // The id_token verifies against the published JWKS (RS256) at the simulator's time.
    const jwks = (await (await fetch(`${sim.url}/${fabrikam.tenantId}/discovery/v2.0/keys`)).json()) as Parameters<typeof createLocalJWKSet>[0];
    const verified = await jwtVerify(result.idToken, createLocalJWKSet(jwks), { currentDate: new Date(clock.now()), audience: app.clientId });
    expect(verified.protectedHeader.alg).toBe('RS256');

    const account = result.account;
    if (!account) throw new Error('no account');
    const refreshed = await client.acquireTokenSilent({ account, scopes: SCOPES, forceRefresh: true });
    expect(refreshed.fromCache).toBe(false);
    expect(refreshed.accessToken).not.toBe(result.accessToken);
    const health = await graphGet(sim, `${GRAPH}/healthOverviews`, refreshed.accessToken);
    expect(health.status).toBe(200);
  });

  it('after revoke-consent the refresh fails with invalid_grant / consent_required; re-consent works again', async () => {
    const app = registerTestApp(sim);
    const { client, result } = await authCodeFlow(sim, { tenant: 'organizations', clientId: app.clientId, clientSecret: app.clientSecret, upn: northwind.admins[0].upn });
    const account = result.account;
    if (!account) throw new Error('no account');
    const revoke = await control(sim, 'POST', `/tenants/${northwind.tenantId}/revoke-consent`, {});
    expect(revoke.status).toBe(200);
    expect(((await revoke.json()) as { revoked: string[] }).revoked).toContain(app.clientId);

    const error = await client.acquireTokenSilent({ account, scopes: SCOPES, forceRefresh: true }).then(
      () => null,
      (e: unknown) => e as { errorCode?: string; subError?: string; errorMessage?: string; name?: string },
    );
    expect(error?.errorCode).toBe('invalid_grant');
    expect(error?.subError).toBe('consent_required');
    expect(error?.errorMessage).toMatch(/^AADSTS65001: The user or administrator has not consented/);
    expect(error?.name).toBe('InteractionRequiredAuthError');

    // The access token obtained before the revoke still works until it expires…
    expect((await graphGet(sim, `${GRAPH}/issues`, result.accessToken)).status).toBe(200);
    // …and the admin can consent again.
    const again = await authCodeFlow(sim, { tenant: 'organizations', clientId: app.clientId, clientSecret: app.clientSecret, upn: northwind.admins[0].upn });
    const againAccount = again.result.account;
    if (!againAccount) throw new Error('no account');
    const refreshed = await again.client.acquireTokenSilent({ account: againAccount, scopes: SCOPES, forceRefresh: true });
    expect(refreshed.accessToken).toBeTruthy();
  });

  it('client credentials after revoke-consent fail with AADSTS700016; admin consent restores them', async () => {
    const app = registerTestApp(sim);
    // Admin consent endpoint: sign in, Accept, redirect with admin_consent=True.
    const back = await signInAndConsent(`${sim.url}/${fabrikam.tenantId}/v2.0/adminconsent?client_id=${app.clientId}&redirect_uri=${encodeURIComponent('http://localhost:3000/oauth/callback')}&state=ac`, fabrikam.admins[0].upn);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ admin_consent: 'True', tenant: fabrikam.tenantId, state: 'ac' });
    expect(await appToken(sim, fabrikam.tenantId, app.clientId, app.clientSecret)).toBeTruthy();

    await control(sim, 'POST', `/tenants/${fabrikam.tenantId}/revoke-consent`, { clientId: app.clientId });
    const { status, body } = await token(fabrikam.tenantId, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret, scope: 'https://graph.microsoft.com/.default' });
    expect(status).toBe(400);
    expectAadError(body, 'unauthorized_client', 700016);
  });
});

describe('token endpoint errors', () => {
  it('invalid_client AADSTS7000215 with 401 for a wrong secret (body or HTTP Basic)', async () => {
    const app = registerTestApp(sim);
    const { status, body } = await token(contoso.tenantId, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: 'wrong', scope: 'https://graph.microsoft.com/.default' });
    expect(status).toBe(401);
    expectAadError(body, 'invalid_client', 7000215);
    const basic = await token(contoso.tenantId, { grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' }, { authorization: `Basic ${Buffer.from(`${app.clientId}:nope`).toString('base64')}` });
    expect(basic.status).toBe(401);
    expectAadError(basic.body, 'invalid_client', 7000215);
  });

  it('the msal error for a wrong secret carries invalid_client', async () => {
    const client = msalClient(sim, contoso.tenantId, BUILT_IN_APP.clientId, 'not-the-secret');
    await expect(client.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })).rejects.toMatchObject({ errorCode: 'invalid_client' });
  });

  it('unauthorized_client AADSTS700016 for an unknown app, echoing client-request-id as correlation id', async () => {
    const correlation = crypto.randomUUID();
    const { status, body } = await token(contoso.tenantId, { grant_type: 'client_credentials', client_id: 'f0f0f0f0-0000-0000-0000-000000000000', client_secret: 'x', scope: 'https://graph.microsoft.com/.default' }, { 'client-request-id': correlation });
    expect(status).toBe(400);
    expectAadError(body, 'unauthorized_client', 700016);
    expect(body.correlation_id).toBe(correlation);
    expect(body.error_description).toContain(`Correlation ID: ${correlation}`);
  });

  it('invalid_grant AADSTS54005 when a code is redeemed twice', async () => {
    const app = registerTestApp(sim);
    const { code, verifier, redirectUri } = await freshCode(app);
    const form = { grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code, code_verifier: verifier, redirect_uri: redirectUri, scope: 'openid offline_access' };
    const first = await token('organizations', form);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(['access_token', 'client_info', 'expires_in', 'ext_expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']);
    expect(JSON.parse(Buffer.from(String(first.body.client_info), 'base64url').toString())).toEqual({ uid: fabrikam.admins[0].oid, utid: fabrikam.tenantId });
    expect(decodeJwt(String(first.body.id_token)).nonce).toBe('n1');
    const second = await token('organizations', form);
    expect(second.status).toBe(400);
    expectAadError(second.body, 'invalid_grant', 54005);
  });

  it('invalid_grant AADSTS501481 for a wrong PKCE verifier', async () => {
    const app = registerTestApp(sim);
    const { code, redirectUri } = await freshCode(app);
    const { status, body } = await token('organizations', { grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code, code_verifier: 'x'.repeat(43), redirect_uri: redirectUri });
    expect(status).toBe(400);
    expectAadError(body, 'invalid_grant', 501481);
  });

  it('invalid_request AADSTS50011 when redirect_uri differs from the authorize request', async () => {
    const app = registerTestApp(sim);
    const { code, verifier } = await freshCode(app);
    const { status, body } = await token('organizations', { grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code, code_verifier: verifier, redirect_uri: 'http://localhost:3000/other' });
    expect(status).toBe(400);
    expectAadError(body, 'invalid_request', 50011);
  });

  it('invalid_grant AADSTS70008 for a code older than 10 minutes (simulator clock)', async () => {
    const app = registerTestApp(sim);
    const { code, verifier, redirectUri } = await freshCode(app);
    clock.advance(11 * 60_000);
    const { status, body } = await token('organizations', { grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code, code_verifier: verifier, redirect_uri: redirectUri });
    expect(status).toBe(400);
    expectAadError(body, 'invalid_grant', 70008);
  });

  it('rotates refresh tokens: the old one stops working', async () => {
    const app = registerTestApp(sim);
    const { code, verifier, redirectUri } = await freshCode(app);
    const first = await token('organizations', { grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code, code_verifier: verifier, redirect_uri: redirectUri, scope: 'openid offline_access' });
    const rt = String(first.body.refresh_token);
    const refreshed = await token('organizations', { grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret, refresh_token: rt });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(rt);
    const reused = await token('organizations', { grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret, refresh_token: rt });
    expect(reused.status).toBe(400);
    expectAadError(reused.body, 'invalid_grant', 70000);
  });

  it('invalid_grant AADSTS65001 with suberror consent_required on refresh after revoke', async () => {
    const app = registerTestApp(sim);
    const { code, verifier, redirectUri } = await freshCode(app, { upn: contoso.admins[1].upn });
    const first = await token('organizations', { grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code, code_verifier: verifier, redirect_uri: redirectUri, scope: 'openid offline_access' });
    await control(sim, 'POST', `/tenants/${contoso.tenantId}/revoke-consent`, { clientId: app.clientId });
    const { status, body } = await token('organizations', { grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret, refresh_token: String(first.body.refresh_token) });
    expect(status).toBe(400);
    expectAadError(body, 'invalid_grant', 65001);
    expect(body.suberror).toBe('consent_required');
  });

  it('rejects client credentials on /organizations and with a non-.default scope', async () => {
    const org = await token('organizations', { grant_type: 'client_credentials', client_id: BUILT_IN_APP.clientId, client_secret: BUILT_IN_APP.clientSecret, scope: 'https://graph.microsoft.com/.default' });
    expectAadError(org.body, 'invalid_request', 50059);
    const scope = await token(contoso.tenantId, { grant_type: 'client_credentials', client_id: BUILT_IN_APP.clientId, client_secret: BUILT_IN_APP.clientSecret, scope: 'https://graph.microsoft.com/Mail.Read' });
    expectAadError(scope.body, 'invalid_scope', 1002012);
  });
});

describe('discovery', () => {
  it('serves openid-configuration with endpoints on the simulator, for a GUID or a domain', async () => {
    for (const t of [contoso.tenantId, contoso.domain]) {
      const doc = (await (await fetch(`${sim.url}/${t}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
      expect(doc.issuer).toBe(`${sim.url}/${contoso.tenantId}/v2.0`);
      expect(doc.token_endpoint).toBe(`${sim.url}/${contoso.tenantId}/oauth2/v2.0/token`);
      expect(doc.jwks_uri).toBe(`${sim.url}/${contoso.tenantId}/discovery/v2.0/keys`);
    }
    const unknown = await fetch(`${sim.url}/nosuchtenant.example/v2.0/.well-known/openid-configuration`);
    expect(unknown.status).toBe(400);
  });

  it('serves instance discovery and a JWKS with an RS256 key', async () => {
    const inst = (await (await fetch(`${sim.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${sim.url}/${contoso.tenantId}/oauth2/v2.0/authorize`)}`)).json()) as Record<string, unknown>;
    expect(inst.tenant_discovery_endpoint).toBe(`${sim.url}/${contoso.tenantId}/v2.0/.well-known/openid-configuration`);
    const jwks = (await (await fetch(`${sim.url}/common/discovery/v2.0/keys`)).json()) as { keys: Array<Record<string, string>> };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0].kid).toBeTruthy();
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});
