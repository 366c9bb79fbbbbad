/**
 * `/api/authorizations` (admin keys only) and `GET /oauth/callback` (Microsoft's redirect): HTTP
 * only. The consent flow's state machine is the core's (`core/authorizations.ts`); these routes
 * validate input and tell the browser the outcome: a popup posts a message to its opener (only to
 * the origin that started it), a full-page flow is redirected to `returnTo`.
 */
import { Hono, type Context } from 'hono';
import { html, raw } from 'hono/html';
import { z } from 'zod';
import { requireAdmin, type AppEnv } from '../auth.js';
import type { Config } from '../config.js';
import { isAllowedReturnTo, type AuthorizationMessage } from '../core/authorizations.js';
import type { Core } from '../core/index.js';
import { randomToken } from '../crypto.js';
import { AUTHORIZATION_APIS } from '../db/schema.js';
import { notFound } from '../errors.js';
import { validate } from '../validation.js';
import type { AuthorizationResponse, AuthorizationsResponse, CreateAuthorizationResponse } from '../../widgets/api/types.js';

export type { AuthorizationMessage } from '../core/authorizations.js';
export { domainHintFromLabel, isAllowedReturnTo } from '../core/authorizations.js';

/** 1–100 printable characters (no control or format characters). */
const label = z
  .string({ error: 'label is required' })
  .trim()
  .min(1, 'label must not be empty')
  .max(100, 'label must be at most 100 characters')
  .regex(/^[^\p{C}]*$/u, 'label must contain printable characters only');

const authorizationParam = z.object({ id: z.uuid('must be an authorization id') });

/** `/api/authorizations` (admin keys only): list, read one, add (start a consent), delete. */
export function authorizationRoutes(deps: { core: Core; config: Pick<Config, 'allowedOrigins'> }) {
  const { core } = deps;
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
    .use('*', requireAdmin)
    .get('/', async (c) => c.json({ authorizations: await core.authorizations.list(c.var.principal.orgId) } satisfies AuthorizationsResponse))
    .get('/:id', validate('param', authorizationParam), async (c) => {
      // Listing applies the 10-minute expiry of abandoned sign-ins to this row too.
      const authorization = await core.authorizations.get(c.var.principal.orgId, c.req.valid('param').id);
      if (!authorization) throw notFound('No such authorization in this organisation.');
      return c.json({ authorization } satisfies AuthorizationResponse);
    })
    .post('/', validate('json', createBody), async (c) => {
      const body = c.req.valid('json');
      const started = await core.authorizations.begin(c.var.principal, {
        label: body.label,
        api: body.api,
        returnTo: body.returnTo ?? null,
        origin: c.req.header('origin') ?? null,
      });
      return c.json(started satisfies CreateAuthorizationResponse, 201);
    })
    .delete('/:id', validate('param', authorizationParam), async (c) => {
      const result = await core.authorizations.delete(c.var.principal.orgId, c.req.valid('param').id);
      if (!result) throw notFound('No such authorization in this organisation.');
      return c.body(null, 204);
    });
}

/** `GET /oauth/callback` (Microsoft's redirect; no API key): completes the consent. */
export function oauthCallbackRoutes(deps: { core: Core }) {
  return new Hono().get('/', async (c) => {
    const q = c.req.query();
    const done = await deps.core.authorizations.complete({ state: q.state, code: q.code, error: q.error, error_description: q.error_description });
    if (done.kind === 'invalid') return page(c, 400, done.title, done.text);
    if (done.returnTo) {
      const target = new URL(done.returnTo);
      target.searchParams.set('o365_authorization', done.status);
      target.searchParams.set('o365_authorization_id', done.message.authorizationId ?? '');
      return c.redirect(target.toString(), 303);
    }
    return popupPage(c, done.httpStatus, done.message, done.openerOrigin);
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
