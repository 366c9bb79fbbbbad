/** Shared helpers of the simulator tests: start a simulator, get tokens, drive the HTML forms. */
import { ConfidentialClientApplication, CryptoProvider, LogLevel } from '@azure/msal-node';
import { createManualClock, startSimulator, type RunningSimulator } from '../../demo/simulator/index.js';

/** A fixed start time, so every run sees the same generated data. */
export const T0 = Date.parse('2025-03-10T09:30:00Z');
export const SCOPES = ['https://graph.microsoft.com/ServiceHealth.Read.All', 'https://graph.microsoft.com/ServiceMessage.Read.All'];
export const GRAPH = '/v1.0/admin/serviceAnnouncement';

/** Refuses any non-loopback fetch, so a test can never reach the real Microsoft cloud. */
export function guardNetwork(): void {
  const original = globalThis.fetch;
  if ((original as { guarded?: boolean }).guarded) return;
  const guarded = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`test tried to reach ${url.href}`);
    return original(input, init);
  }) as typeof fetch & { guarded?: boolean };
  guarded.guarded = true;
  globalThis.fetch = guarded;
}

/** Starts a quiet simulator on a free port with a manual clock. */
export async function startTestSimulator(seed = 7) {
  guardNetwork();
  const clock = createManualClock(T0);
  const sim = await startSimulator({ port: 0, seed, clock, log: false });
  return { sim, clock };
}

/** A test app registration with a redirect URI on localhost. */
export function registerTestApp(sim: RunningSimulator, overrides: Partial<{ clientId: string; clientSecret: string; permissions: Array<'ServiceHealth.Read.All' | 'ServiceMessage.Read.All'> }> = {}) {
  const app = {
    clientId: overrides.clientId ?? crypto.randomUUID(),
    clientSecret: overrides.clientSecret ?? 'test~secret~value',
    redirectUris: ['http://localhost:3000/oauth/callback'],
    displayName: 'Health Test App',
    ...(overrides.permissions ? { permissions: overrides.permissions } : {}),
  };
  sim.registerApp(app);
  return app;
}

/** msal-node against the simulator, the way the server configures it (authorityMetadata). */
export function msalClient(sim: RunningSimulator, tenant: string, clientId: string, clientSecret: string): ConfidentialClientApplication {
  const base = `${sim.url}/${tenant}`;
  return new ConfidentialClientApplication({
    auth: {
      clientId,
      clientSecret,
      authority: `https://login.microsoftonline.com/${tenant}`,
      authorityMetadata: JSON.stringify({
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        issuer: `${base}/v2.0`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
      }),
    },
    system: { loggerOptions: { logLevel: LogLevel.Error, loggerCallback: () => {}, piiLoggingEnabled: false } },
  });
}

/** A parsed HTML form of the simulator's pages. */
export interface ParsedForm {
  action: string;
  hidden: Record<string, string>;
  buttons: Array<{ name: string; value: string; text: string }>;
}

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Parses the first form of a page (enough for the simulator's plain pages). */
export function parseForm(html: string): ParsedForm {
  const form = /<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form in page: ${html.slice(0, 300)}`);
  const hidden: Record<string, string> = {};
  for (const m of form[2].matchAll(/<input\b[^>]*type="hidden"[^>]*name="([^"]*)"[^>]*value="([^"]*)"[^>]*>/gi)) hidden[decode(m[1])] = decode(m[2]);
  const buttons = [...form[2].matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)].map((m) => ({
    name: decode(/name="([^"]*)"/.exec(m[1])?.[1] ?? ''),
    value: decode(/value="([^"]*)"/.exec(m[1])?.[1] ?? ''),
    text: decode(m[2].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()),
  }));
  return { action: decode(form[1]), hidden, buttons };
}

/** Submits a parsed form with one of its buttons; returns the raw response (no redirects followed). */
export async function submit(pageUrl: string, form: ParsedForm, button: { name: string; value: string }): Promise<Response> {
  const body = new URLSearchParams({ ...form.hidden, [button.name]: button.value });
  return fetch(new URL(form.action, pageUrl), { method: 'POST', body, redirect: 'manual' });
}

/**
 * Goes through the sign-in and consent pages like a browser without JavaScript: picks the
 * account whose button names `upn`, then presses `decision` (Accept or Cancel).
 * @returns the URL the simulator redirected back to
 */
export async function signInAndConsent(authorizeUrl: string, upn: string, decision: 'Accept' | 'Cancel' = 'Accept'): Promise<URL> {
  const signIn = await fetch(authorizeUrl, { redirect: 'manual' });
  if (signIn.status !== 200) throw new Error(`authorize answered ${signIn.status}: ${await signIn.text()}`);
  const signInForm = parseForm(await signIn.text());
  const account = signInForm.buttons.find((b) => b.text.includes(upn));
  if (!account) throw new Error(`no account button for ${upn}`);
  const picked = await submit(authorizeUrl, signInForm, account);
  const consentUrl = new URL(picked.headers.get('location') ?? '', authorizeUrl).toString();
  const consent = await fetch(consentUrl);
  const consentForm = parseForm(await consent.text());
  const button = consentForm.buttons.find((b) => b.text === decision);
  if (!button) throw new Error(`no ${decision} button`);
  const back = await submit(consentUrl, consentForm, button);
  if (back.status !== 302) throw new Error(`consent answered ${back.status}`);
  return new URL(back.headers.get('location') ?? '');
}

/** Runs the whole authorization code flow with PKCE through msal-node; returns the msal result and client. */
export async function authCodeFlow(sim: RunningSimulator, opts: { tenant: string; clientId: string; clientSecret: string; upn: string; redirectUri?: string }) {
  const client = msalClient(sim, opts.tenant, opts.clientId, opts.clientSecret);
  const redirectUri = opts.redirectUri ?? 'http://localhost:3000/oauth/callback';
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const state = crypto.randomUUID();
  const nonce = crypto.randomUUID();
  const url = await client.getAuthCodeUrl({ scopes: SCOPES, redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', state, nonce });
  const back = await signInAndConsent(url, opts.upn);
  const code = back.searchParams.get('code') ?? '';
  const result = await client.acquireTokenByCode({ code, scopes: SCOPES, redirectUri, codeVerifier: verifier, nonce, state }, { code, state });
  return { client, result, verifier, challenge, url };
}

/** A client-credentials access token straight from the token endpoint. */
export async function appToken(sim: RunningSimulator, tenantId: string, clientId: string, clientSecret: string): Promise<string> {
  const res = await fetch(`${sim.url}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'https://graph.microsoft.com/.default' }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** GET on Graph with a bearer token. */
export function graphGet(sim: RunningSimulator, path: string, token: string | null, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}${path}`, { headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } });
}

/** JSON to the control API. */
export function control(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${sim.url}/_simulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}
