/**
 * `/api/authorizations` (admin keys only) and `GET /oauth/callback` (Microsoft's redirect).
 *
 * Adding an authorization: a pending row plus a single-use OAuth request (random `state` stored as
 * a hash, PKCE S256 verifier and OIDC nonce sealed, 10 minutes of life), and msal's authorize URL
 * with `prompt=consent`. The callback redeems the code with the verifier and nonce, takes the
 * tenant id only from the redeemed token, stores the token cache sealed, starts the tenant's first
 * sync at once, and tells the browser: a popup posts a message to its opener, a full-page flow is
 * redirected to `returnTo` (which must be on an allowed origin).
 */
import { Hono, type Context } from 'hono';
import { html, raw } from 'hono/html';
import { z } from 'zod';
import type { Config } from '../config.js';
import { randomToken, type SecretBox } from '../crypto.js';
import type { Db } from '../db/index.js';
import { AUTHORIZATION_APIS } from '../db/schema.js';
import { requireAdmin, type AppEnv } from '../auth.js';
import { notFound } from '../errors.js';
import { validate } from '../validation.js';
import { describeAuthorizeError, type IdentityClient, TokenError } from '../microsoft/identity.js';
import {
  activateAuthorization,
  authorizationJson,
  authorizationsJson,
  beginAuthorization,
  consumeOAuthRequest,
  deleteAuthorization,
  discardPendingAuthorization,
  getAuthorization,
  listAuthorizations,
  setAuthorizationStatus,
  tokenCacheStore,
} from '../tenancy.js';

export interface TenancyDeps {
  db: Db;
  box: SecretBox;
  identity: IdentityClient;
  config: Pick<Config, 'allowedOrigins' | 'publicUrl'>;
  /** Starts a tenant's first sync in the background. */
  syncNow: (tenantId: string) => void;
  now?: () => Date;
  log?: (line: string) => void;
}

/** The message a popup posts to its opener when the consent flow ends (widgets listen for it). */
export interface AuthorizationMessage {
  type: 'o365-health:authorization';
  status: 'active' | 'failed';
  authorizationId: string | null;
  error: string | null;
}

/** 1–100 printable characters (no control or format characters). */
const label = z
  .string({ error: 'label is required' })
  .trim()
  .min(1, 'label must not be empty')
  .max(100, 'label must be at most 100 characters')
  .regex(/^[^\p{C}]+$/u, 'label must contain printable characters only');

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** When the label looks like a domain, it is the tenant hint for Microsoft's sign-in page. */
export function domainHintFromLabel(value: string): string | null {
  return DOMAIN.test(value) ? value.toLowerCase() : null;
}

/** True when `url` is an absolute http(s) URL on one of the allowed origins. */
export function isAllowedReturnTo(url: string, allowedOrigins: readonly string[]): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && allowedOrigins.includes(u.origin);
  } catch {
    return false;
  }
}

const authorizationParam = z.object({ id: z.uuid('must be an authorization id') });

export function authorizationRoutes(deps: TenancyDeps) {
  const now = deps.now ?? (() => new Date());
  const createBody = z.object({
    label,
    api: z.enum(AUTHORIZATION_APIS, { error: `api must be "${AUTHORIZATION_APIS.join('", "')}"` }).default('service-communications'),
    returnTo: z
      .string()
      .max(2000, 'returnTo is too long')
      .refine((v) => isAllowedReturnTo(v, deps.config.allowedOrigins), 'returnTo must be an http(s) URL on an allowed origin (ALLOWED_ORIGINS)')
      .optional(),
  });

  return new Hono<AppEnv>()
    .use('/api/authorizations', requireAdmin)
    .use('/api/authorizations/*', requireAdmin)
    .get('/api/authorizations', (c) => {
      const rows = listAuthorizations(deps.db, c.var.principal.orgId, now());
      return c.json({ authorizations: authorizationsJson(deps.db, rows) });
    })
    .get('/api/authorizations/:id', validate('param', authorizationParam), (c) => {
      // Listing first applies the 10-minute expiry of abandoned sign-ins to this row too.
      const row = listAuthorizations(deps.db, c.var.principal.orgId, now()).find((r) => r.id === c.req.valid('param').id);
      if (!row) throw notFound('No such authorization in this organisation.');
      return c.json({ authorization: authorizationsJson(deps.db, [row])[0]! });
    })
    .post('/api/authorizations', validate('json', createBody), async (c) => {
      const body = c.req.valid('json');
      const p = c.var.principal;
      const state = randomToken();
      const nonce = randomToken();
      const pkce = await deps.identity.generatePkce();
      const origin = c.req.header('origin');
      const openerOrigin = origin && deps.config.allowedOrigins.includes(origin) ? origin : new URL(deps.config.publicUrl).origin;
      const authorizeUrl = await deps.identity.authorizeUrl({
        state,
        nonce,
        codeChallenge: pkce.challenge,
        domainHint: domainHintFromLabel(body.label),
      });
      const row = beginAuthorization(deps.db, deps.box, {
        orgId: p.orgId,
        createdBy: p.userName ?? `API key ${p.keyId.slice(0, 8)}`,
        label: body.label,
        api: body.api,
        state,
        codeVerifier: pkce.verifier,
        nonce,
        returnTo: body.returnTo ?? null,
        openerOrigin,
        now: now(),
      });
      return c.json({ authorization: authorizationJson(row), authorizeUrl }, 201);
    })
    .delete('/api/authorizations/:id', validate('param', authorizationParam), (c) => {
      const { id } = c.req.valid('param');
      const result = deleteAuthorization(deps.db, c.var.principal.orgId, id);
      if (!result) throw notFound('No such authorization in this organisation.');
      if (result.purgedTenant) deps.log?.(`tenant ${result.purgedTenant}: last authorization deleted; polling stopped and data purged`);
      return c.body(null, 204);
    });
}

/** `GET /oauth/callback`: completes (or records the failure of) an authorization. */
export function oauthCallbackRoutes(deps: TenancyDeps) {
  const now = deps.now ?? (() => new Date());
  return new Hono().get('/oauth/callback', async (c) => {
    const q = c.req.query();
    const state = q.state ?? '';
    if (!state || state.length > 200) return page(c, 400, 'This sign-in response is not valid', 'It carries no authorization request. Start again from the settings page.');
    const request = consumeOAuthRequest(deps.db, deps.box, state, now());
    if (request.status === 'unknown') {
      return page(c, 400, 'This sign-in response is not valid', 'It does not belong to an authorization started here. Start again from the settings page.');
    }
    const finish = (status: 'active' | 'failed', error: string | null, httpStatus: 200 | 400 = 200) => {
      const message: AuthorizationMessage = { type: 'o365-health:authorization', status, authorizationId: request.authorizationId, error };
      if (request.returnTo) {
        const target = new URL(request.returnTo);
        target.searchParams.set('o365_authorization', status);
        target.searchParams.set('o365_authorization_id', request.authorizationId);
        return c.redirect(target.toString(), 303);
      }
      return popupPage(c, httpStatus, message, request.openerOrigin ?? new URL(deps.config.publicUrl).origin);
    };
    if (request.status !== 'ok') {
      const why =
        request.status === 'used'
          ? 'This sign-in response was already used. Start the authorization again.'
          : 'The authorization request expired (it is valid for 10 minutes). Start it again.';
      const auth = getAuthorization(deps.db, request.authorizationId);
      if (auth?.status === 'pending') setAuthorizationStatus(deps.db, auth.id, 'failed', why, now());
      return finish('failed', why, 400);
    }
    if (q.error) {
      const reason = describeAuthorizeError(q.error.slice(0, 100), (q.error_description ?? '').slice(0, 1000));
      // A cancelled or declined consent adds nothing: the pending row goes. Other errors stay
      // listed as failed with the reason, so an admin can see what to fix.
      if (q.error === 'access_denied') discardPendingAuthorization(deps.db, request.authorizationId);
      else setAuthorizationStatus(deps.db, request.authorizationId, 'failed', reason, now());
      return finish('failed', reason);
    }
    if (!q.code || q.code.length > 4000) {
      const reason = 'Microsoft returned no authorization code.';
      setAuthorizationStatus(deps.db, request.authorizationId, 'failed', reason, now());
      return finish('failed', reason, 400);
    }
    try {
      const store = tokenCacheStore(deps.db, deps.box, request.authorizationId, now);
      const redeemed = await deps.identity.redeemCode({ code: q.code, codeVerifier: request.codeVerifier, nonce: request.nonce, state }, store);
      activateAuthorization(deps.db, request.authorizationId, {
        tenantId: redeemed.tenantId,
        homeAccountId: redeemed.homeAccountId,
        consentedBy: redeemed.username,
        now: now(),
      });
      deps.log?.(`authorization ${request.authorizationId}: active for tenant ${redeemed.tenantId} (consented by ${redeemed.username})`);
      deps.syncNow(redeemed.tenantId);
      return finish('active', null);
    } catch (err) {
      const reason = err instanceof TokenError ? err.message : 'The authorization could not be completed; try again.';
      if (!(err instanceof TokenError)) deps.log?.(`authorization ${request.authorizationId}: callback failed: ${(err as Error).stack ?? err}`);
      setAuthorizationStatus(deps.db, request.authorizationId, 'failed', reason, now());
      return finish('failed', reason);
    }
  });
}

const PAGE_STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}h1{font-size:1.3rem}';

function page(c: Context, status: 200 | 400, title: string, text: string) {
  const nonce = randomToken(16);
  c.header('Content-Security-Policy', `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
  c.header('Cache-Control', 'no-store');
  return c.html(
    html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style nonce="${nonce}">${PAGE_STYLE}</style></head><body><main><h1>${title}</h1><p>${text}</p></main></body></html>`,
    status,
  );
}

/** A tiny page that posts the outcome to the opener (only to the allowed origin) and closes. */
function popupPage(c: Context, status: 200 | 400, message: AuthorizationMessage, targetOrigin: string) {
  const nonce = randomToken(16);
  c.header('Content-Security-Policy', `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  // JSON in a script: escape "<" so no string can close the script element.
  const payload = JSON.stringify({ message, targetOrigin }).replace(/</g, '\\u003c');
  const title = message.status === 'active' ? 'Authorization added' : 'Authorization failed';
  const text = message.status === 'active' ? 'The tenant is connected. You can close this window.' : (message.error ?? 'The authorization failed.');
  return c.html(
    html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style nonce="${nonce}">${PAGE_STYLE}</style></head><body><main><h1>${title}</h1><p>${text}</p></main><script nonce="${nonce}">(function(){var d=${raw(payload)};if(window.opener){window.opener.postMessage(d.message,d.targetOrigin);window.close();}})();</script></body></html>`,
    status,
  );
}
