/**
 * The OAuth tenancy flow end to end over HTTP: our server, the real msal-node, the simulator's
 * sign-in and consent pages, a real SQLite file (or PostgreSQL database, `TEST_STORE=postgres`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, waitFor, type Stack } from '../support/stack.js';

/** Two portals allowed to embed the widgets besides the server's own origin. */
const PORTAL = 'https://portal.example.com';
const INTRANET = 'https://intranet.example.org';

let stack: Stack;
let admin: string;
beforeAll(async () => {
  stack = await startStack({ env: { ALLOWED_ORIGINS: `${PORTAL},${INTRANET}` } });
  admin = stack.key('acme', 'admin', 'alex@acme.example');
});
afterAll(() => stack.close());

/** The `{ message, targetOrigin }` the popup page hands to `window.opener.postMessage`. */
function popupPayload(page: string): { message: { type: string; status: string; authorizationId: string | null }; targetOrigin: string } {
  const json = /var d=(\{.*?\});if\(window\.opener\)/.exec(page)?.[1];
  if (!json) throw new Error(`no postMessage payload in the page: ${page.slice(0, 300)}`);
  return JSON.parse(json);
}

type AuthList = { authorizations: Array<{ id: string; label: string; status: string; tenantId: string | null; lastError: string | null; createdBy: string; lastSuccessAt: string | null }> };
const list = async (key: string) => ((await (await stack.api(key, '/api/authorizations')).json()) as AuthList).authorizations;

describe('adding an authorization', () => {
  it('returns an authorize URL on the identity platform with state, PKCE S256, nonce, consent prompt, scopes and the tenant hint', async () => {
    const res = await stack.api(admin, '/api/authorizations', { method: 'POST', json: { label: 'fabrikam.com', api: 'service-communications' } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { authorization: { id: string; status: string; label: string; api: string; tenantId: null }; authorizeUrl: string };
    expect(body.authorization).toMatchObject({ status: 'pending', label: 'fabrikam.com', api: 'service-communications', tenantId: null });
    const url = new URL(body.authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${stack.simulator.url}/organizations/oauth2/v2.0/authorize`);
    const q = url.searchParams;
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(q.get('state')!.length).toBeGreaterThanOrEqual(32);
    expect(q.get('nonce')!.length).toBeGreaterThanOrEqual(32);
    expect(q.get('prompt')).toBe('consent');
    expect(q.get('domain_hint')).toBe('fabrikam.com');
    expect(q.get('redirect_uri')).toBe(`${stack.server.config.publicUrl}/oauth/callback`);
    expect(q.get('scope')!.split(' ')).toEqual(
      expect.arrayContaining(['https://graph.microsoft.com/ServiceHealth.Read.All', 'https://graph.microsoft.com/ServiceMessage.Read.All', 'offline_access']),
    );
  });

  it('completes through sign-in and consent: active, tenant from the token, first sync at once, popup told with postMessage', async () => {
    const contoso = stack.simulator.tenants[0]!;
    const { authorizationId, callback } = await stack.authorize(admin, 0, { label: 'Head office' });
    expect(callback.status).toBe(200);
    expect(callback.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'nonce-/);
    const page = await callback.text();
    expect(page).toContain('"type":"o365-health:authorization"');
    expect(page).toContain('"status":"active"');
    expect(page).toContain(`"targetOrigin":"${stack.server.config.publicUrl}"`);
    const auth = (await list(admin)).find((a) => a.id === authorizationId)!;
    // The label was not a domain; the tenant can only have come from the redeemed token.
    expect(auth).toMatchObject({ status: 'active', tenantId: contoso.tenantId, label: 'Head office', createdBy: 'alex@acme.example' });
    const tenants = await waitFor(async () => {
      const t = ((await (await stack.api(admin, '/api/tenants')).json()) as { tenants: Array<{ tenantId: string; lastSyncAt: string | null; displayName: string }> }).tenants;
      return t[0]?.lastSyncAt ? t : null;
    }, 'the first sync');
    expect(tenants[0]).toMatchObject({ tenantId: contoso.tenantId, displayName: contoso.displayName, label: 'Head office' });
    const health = (await (await stack.api(admin, `/api/tenants/${contoso.tenantId}/health`)).json()) as { services: unknown[] };
    expect(health.services.length).toBeGreaterThan(10);
  });

  it('refuses a forged state and changes nothing', async () => {
    const before = await list(admin);
    const res = await fetch(`${stack.server.url}/oauth/callback?code=abc&state=forged-state-value`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('not valid');
    expect(await list(admin)).toEqual(before);
  });

  it('refuses a replayed callback (state and code are single use)', async () => {
    const res = await stack.api(admin, '/api/authorizations', { method: 'POST', json: { label: 'northwindtraders.com' } });
    const { authorization, authorizeUrl } = (await res.json()) as { authorization: { id: string }; authorizeUrl: string };
    const { walkSimulatedConsent } = await import('../../server/simulated-consent.js');
    const cb = new URL(await walkSimulatedConsent(authorizeUrl, stack.simulator.tenants[2]!.admins[0]!.upn));
    const first = await fetch(`${stack.server.url}${cb.pathname}${cb.search}`);
    expect(first.status).toBe(200);
    const replay = await fetch(`${stack.server.url}${cb.pathname}${cb.search}`);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already used');
    expect((await list(admin)).find((a) => a.id === authorization.id)!.status).toBe('active');
  });

  it('refuses an expired state (10 minutes) and marks the authorization failed', async () => {
    const res = await stack.api(admin, '/api/authorizations', { method: 'POST', json: { label: 'late.example.com' } });
    const { authorization, authorizeUrl } = (await res.json()) as { authorization: { id: string }; authorizeUrl: string };
    const { walkSimulatedConsent } = await import('../../server/simulated-consent.js');
    const cb = new URL(await walkSimulatedConsent(authorizeUrl, stack.simulator.tenants[1]!.admins[0]!.upn));
    stack.advance(11 * 60_000);
    const late = await fetch(`${stack.server.url}${cb.pathname}${cb.search}`);
    expect(late.status).toBe(400);
    const auth = (await list(admin)).find((a) => a.id === authorization.id)!;
    expect(auth.status).toBe('failed');
    expect(auth.lastError).toMatch(/expired/);
  });

  it('turns an abandoned sign-in (popup closed) from pending into failed after 10 minutes', async () => {
    const res = await stack.api(admin, '/api/authorizations', { method: 'POST', json: { label: 'abandoned.example.com' } });
    const { authorization } = (await res.json()) as { authorization: { id: string } };
    expect((await list(admin)).find((a) => a.id === authorization.id)!.status).toBe('pending');
    stack.advance(11 * 60_000);
    const auth = (await list(admin)).find((a) => a.id === authorization.id)!;
    expect(auth.status).toBe('failed');
    expect(auth.lastError).toMatch(/not completed within 10 minutes/);
  });

  it("answers Microsoft's access_denied (Cancel on the consent page) with a reason in words, and adds nothing", async () => {
    const before = await list(admin);
    const { authorizationId, callback } = await stack.authorize(admin, 1, { decision: 'Cancel' });
    expect(callback.status).toBe(200);
    const page = await callback.text();
    expect(page).toContain('"status":"failed"');
    expect(page).toMatch(/declined to consent/);
    expect(page).toContain(`"authorizationId":"${authorizationId}"`);
    expect(await list(admin)).toEqual(before);
  });

  it('keeps other Microsoft errors listed as failed with the reason', async () => {
    const res = await stack.api(admin, '/api/authorizations', { method: 'POST', json: { label: 'mfa.example.com' } });
    const { authorization, authorizeUrl } = (await res.json()) as { authorization: { id: string }; authorizeUrl: string };
    const state = new URL(authorizeUrl).searchParams.get('state')!;
    const description = 'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.';
    const cb = await fetch(`${stack.server.url}/oauth/callback?${new URLSearchParams({ error: 'interaction_required', error_description: description, state })}`);
    expect(cb.status).toBe(200);
    const auth = (await list(admin)).find((a) => a.id === authorization.id)!;
    expect(auth.status).toBe('failed');
    expect(auth.lastError).toMatch(/multi-factor authentication.*AADSTS50076/);
  });

  it('redirects to an allowed returnTo, and refuses a foreign one', async () => {
    const foreign = await stack.api(admin, '/api/authorizations', { method: 'POST', json: { label: 'x.example.com', returnTo: 'https://evil.example/steal' } });
    expect(foreign.status).toBe(400);
    expect(((await foreign.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('returnTo') });
    const returnTo = `${stack.server.config.publicUrl}/demo/settings.html?tab=oauth`;
    const { callback, authorizationId } = await stack.authorize(admin, 1, { returnTo });
    expect(callback.status).toBe(303);
    const location = new URL(callback.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`${stack.server.config.publicUrl}/demo/settings.html`);
    expect(location.searchParams.get('tab')).toBe('oauth');
    expect(location.searchParams.get('o365_authorization')).toBe('active');
    expect(location.searchParams.get('o365_authorization_id')).toBe(authorizationId);
  });

  it('accepts a returnTo on a second allowed origin and refuses near misses of it', async () => {
    for (const returnTo of [
      'https://intranet.example.org.evil.example/health',
      'http://intranet.example.org/health',
      'https://intranet.example.org:8443/health',
      'https://evil.example/?next=https://intranet.example.org/',
      'javascript:alert(1)//https://intranet.example.org/',
    ]) {
      const res = await stack.api(admin, '/api/authorizations', { method: 'POST', json: { label: 'x.example.com', returnTo } });
      expect(res.status, returnTo).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message, returnTo).toContain('returnTo');
    }
    const returnTo = `${INTRANET}/it/health?view=tiles`;
    const { callback, authorizationId } = await stack.authorize(admin, 2, { returnTo });
    expect(callback.status).toBe(303);
    const location = new URL(callback.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`${INTRANET}/it/health`);
    expect(Object.fromEntries(location.searchParams)).toEqual({ view: 'tiles', o365_authorization: 'active', o365_authorization_id: authorizationId });
  });

  it("posts the popup's result to the opening page's origin when it is allowed, else only to the server's own origin", async () => {
    for (const [origin, expected] of [
      [INTRANET, INTRANET],
      [PORTAL, PORTAL],
      ['https://evil.example', new URL(stack.server.config.publicUrl).origin],
      ['null', new URL(stack.server.config.publicUrl).origin],
    ] as const) {
      const { callback, authorizationId } = await stack.authorize(admin, 1, { origin });
      expect(callback.status, origin).toBe(200);
      const page = await callback.text();
      expect(popupPayload(page), origin).toEqual({
        message: { type: 'o365-health:authorization', status: 'active', authorizationId, error: null },
        targetOrigin: expected,
      });
      if (expected !== origin) expect(page).not.toContain(origin === 'null' ? '"targetOrigin":"null"' : origin);
    }
  });

  it('validates the label and the api', async () => {
    for (const json of [{}, { label: '' }, { label: '   ' }, { label: 'x'.repeat(101) }, { label: 'bad\u0007bell' }, { label: 'ok', api: 'exchange' }, { label: 42 }]) {
      const res = await stack.api(admin, '/api/authorizations', { method: 'POST', json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    }
    // A blank label is told that it is empty, and only that.
    const blank = await stack.api(admin, '/api/authorizations', { method: 'POST', json: { label: '   ' } });
    expect(((await blank.json()) as { error: { message: string } }).error.message).toBe('Invalid body field "label": label must not be empty');
    const notJson = await stack.api(admin, '/api/authorizations', { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
  });

  it('needs an admin key: viewers get 403, no key 401, and an unknown id is 404', async () => {
    const viewer = stack.key('acme', 'viewer');
    expect((await stack.api(viewer, '/api/authorizations')).status).toBe(403);
    expect((await stack.api(viewer, '/api/authorizations', { method: 'POST', json: { label: 'a.com' } })).status).toBe(403);
    expect((await stack.api(null, '/api/authorizations')).status).toBe(401);
    expect((await stack.api(admin, '/api/authorizations/00000000-0000-4000-8000-000000000000', { method: 'DELETE' })).status).toBe(404);
    expect((await stack.api(admin, '/api/authorizations/not-a-uuid', { method: 'DELETE' })).status).toBe(400);
  });
});

describe('secrets at rest', () => {
  it('keeps no token, verifier or API key in plaintext in the database', async () => {
    const row = (await stack.rows('authorizations', { status: 'active' }))[0]!;
    const cache = JSON.parse(stack.server.box.open(row.tokenCache!, `token-cache:${row.id}`)) as {
      RefreshToken: Record<string, { secret: string }>;
      AccessToken: Record<string, { secret: string }>;
    };
    const secrets = [...Object.values(cache.RefreshToken), ...Object.values(cache.AccessToken)].map((t) => t.secret);
    expect(secrets.length).toBeGreaterThanOrEqual(2);
    const bytes = await stack.databaseText();
    expect(bytes).toContain('Head office'); // the check reads the real file (or every row)
    for (const secret of [...secrets, admin]) expect(bytes.includes(secret)).toBe(false);
    expect(await stack.count('issues')).toBeGreaterThan(0);
  });
});
