/**
 * `GET /api/overview` (viewer; DESIGN.md, "Across tenants and Message center"): every tenant the
 * key's org can see with its worst current level, and the active issues across them. Served from
 * the core's serialised answer with its ETag (the `/api` etag middleware answers 304 with it).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../auth.js';
import type { Core } from '../core/index.js';

export function overviewRoutes(deps: { core: Core }) {
  return new Hono<AppEnv>().get('/', async (c) => {
    const prepared = await deps.core.overview.body(c.var.principal.orgId);
    return c.body(prepared.body, 200, { 'Content-Type': 'application/json', ETag: prepared.etag });
  });
}
