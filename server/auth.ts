/**
 * API key authentication for `/api/*`: `Authorization: Bearer <key>` (RFC 6750), one org per key,
 * roles `viewer` and `admin`.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { KeysCore } from './core/keys.js';
import { errorResponse, forbidden } from './errors.js';
import type { Principal } from './store/keys.js';

export type { Principal } from './store/keys.js';

/** The Hono environment of the app: every `/api/*` handler can read `c.var.principal`. */
export type AppEnv = { Variables: { principal: Principal } };

const BEARER = /^Bearer[ ]+([^\s]+)\s*$/i;

function challenge(c: Context, message: string, error?: 'invalid_token') {
  // RFC 6750 §3: no error code when the request carried no credentials at all.
  c.header('WWW-Authenticate', error ? `Bearer realm="o365-health", error="${error}"` : 'Bearer realm="o365-health"');
  return errorResponse(c, 401, 'unauthorized', message);
}

/**
 * Requires a valid, unrevoked API key and sets `c.var.principal`. Answers 401 with the JSON error
 * shape and `WWW-Authenticate: Bearer` otherwise.
 */
export function apiKeyAuth(keys: Pick<KeysCore, 'authenticate'>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('Authorization');
    if (!header) return challenge(c, 'A valid API key is required: send "Authorization: Bearer <key>".');
    const match = BEARER.exec(header);
    if (!match) return challenge(c, 'The Authorization header must be "Bearer <key>".', 'invalid_token');
    const principal = await keys.authenticate(match[1]);
    if (!principal) return challenge(c, 'This API key is not valid or has been revoked.', 'invalid_token');
    c.set('principal', principal);
    await next();
  });
}

/** Lets only keys with the `admin` role through (403 otherwise). Use after {@link apiKeyAuth}. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (c.var.principal?.role !== 'admin') throw forbidden();
  await next();
});
