/**
 * `GET /metrics` (DESIGN.md, "History"): the Prometheus text exposition of this server's
 * registry. Mounted by `createApp` only when METRICS_TOKEN is set (otherwise the path is a 404
 * like any unknown one); then it needs `Authorization: Bearer $METRICS_TOKEN`, compared in
 * constant time. Not under `/api`: the token is the operator's, not an org's API key, and the
 * figures cover every tenant of the server.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Core } from '../core/index.js';
import { errorResponse } from '../errors.js';

const BEARER = /^Bearer[ ]+([^\s]+)\s*$/i;
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** True when `presented` is `expected`; the time taken does not depend on where they differ. */
export function sameToken(presented: string, expected: string): boolean {
  // Equal-length digests, so timingSafeEqual never throws and the length leaks nothing either.
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The metrics sub-app (mounted at `/metrics`). */
export function metricsRoutes(deps: { token: string; core: Pick<Core, 'metrics'> }) {
  return new Hono().get('/', async (c) => {
    const presented = BEARER.exec(c.req.header('Authorization') ?? '')?.[1];
    if (!presented || !sameToken(presented, deps.token)) {
      c.header('WWW-Authenticate', presented ? 'Bearer realm="o365-health metrics", error="invalid_token"' : 'Bearer realm="o365-health metrics"');
      return errorResponse(c, 401, 'unauthorized', 'GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>".');
    }
    const body = await deps.core.metrics.scrape();
    return c.body(body, 200, { 'Content-Type': deps.core.metrics.contentType, 'Cache-Control': 'no-store' });
  });
}
