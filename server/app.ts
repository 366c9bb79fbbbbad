/**
 * `createApp({ config, core })`: the Hono app, every route of the product mounted as a sub-app,
 * built from injected dependencies so tests pass their own core (database, clock, Microsoft
 * clients). Start-up (listening, polling, the simulator) lives in main / server.
 *
 * Composition, outermost first: request log → security headers → body limit → `/healthz` →
 * `/api` (CORS → ETag → Cache-Control → API key → tenants, authorizations) → `/oauth/callback` →
 * demo configuration (simulator mode) → static files (widget bundle, demo portal, README) →
 * JSON 405/404/errors. `type AppType` is the whole app for Hono's typed client.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import { etag, RETAINED_304_HEADERS } from 'hono/etag';
import { secureHeaders } from 'hono/secure-headers';
import { apiKeyAuth, type AppEnv } from './auth.js';
import type { Config } from './config.js';
import type { Core } from './core/index.js';
import { errorResponse, handleError } from './errors.js';
import { authorizationRoutes, oauthCallbackRoutes } from './routes/authorizations.js';
import { channelRoutes } from './routes/channels.js';
import { overviewRoutes } from './routes/overview.js';
import { eventRoutes, type EventStreamOptions } from './routes/events.js';
import { historyRoutes } from './routes/history.js';
import { messageRoutes } from './routes/messages.js';
import { metricsRoutes } from './routes/metrics.js';
import { createReadHotPath, type HotPath } from './routes/hot-path.js';
import { tenantRoutes } from './routes/tenants.js';
import { createLineLogger, escapeControl, type Log } from './log.js';
import { renderReadme } from './readme.js';

export type { AppEnv } from './auth.js';

export type { Log } from './log.js';

/** What the app is built from. */
export interface AppDeps {
  config: Config;
  core: Core;
  log?: Log;
  /** Folder holding `widgets/dist/`, `demo/portal/`, `docs/screenshots/` and the READMEs; the repository root by default. */
  rootDir?: string;
  /** Simulator mode: the demo page's key, handed out by `/demo/config.js`. */
  demoKey?: () => string;
  /** `GET /api/events` timing (tests shorten the heartbeat). */
  stream?: EventStreamOptions;
}

/** Largest request body accepted anywhere (the API's bodies are small JSON objects). */
export const MAX_BODY_BYTES = 64 * 1024;

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Strict CSP for HTML this server sends; a handler may set its own (e.g. with a script hash). */
export const HTML_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // Lit falls back to <style> elements where constructable stylesheets are missing.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/** Served at `/widgets/o365-health.js` until `npm run build` has produced the bundle. */
export const PLACEHOLDER_WIDGET_MODULE = `// o365-health: placeholder module.
console.warn('o365-health: the widget bundle has not been built yet. Run "npm run build" and reload.');
export {};
`;

const defaultLog: Log = createLineLogger();

/**
 * `/api`: CORS for the allowed origins, ETags (answering 304), `Cache-Control`, the API key, then
 * the tenants and authorizations sub-apps.
 */
function apiRoutes(deps: { config: Config; core: Core; stream?: EventStreamOptions }) {
  const allowed = new Set(deps.config.allowedOrigins);
  return (
    new Hono<AppEnv>()
      .use(
        '*',
        cors({
          origin: (origin) => (allowed.has(origin) ? origin : null),
          allowMethods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
          allowHeaders: ['Authorization', 'Content-Type', 'If-None-Match', 'Last-Event-ID'],
          // Content-Disposition: the CSV download's file name, read by <o365-service-messages>.
          exposeHeaders: EXPOSED_HEADERS,
          credentials: false,
          maxAge: 600,
        }),
      )
      // Not on the event stream: the etag middleware would read the endless body to hash it.
      .use('*', (c, next) => (c.req.path === '/api/events' ? next() : etags(c, next)))
      // Answers depend on the API key: never stored by shared caches, always revalidated (ETag) by browsers.
      .use('*', async (c, next) => {
        await next();
        if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'private, no-cache');
      })
      .use('*', apiKeyAuth(deps.core.keys))
      .route('/tenants', tenantRoutes(deps))
      .route('/tenants', historyRoutes(deps))
      .route('/tenants', messageRoutes(deps))
      .route('/authorizations', authorizationRoutes(deps))
      .route('/overview', overviewRoutes(deps))
      .route('/channels', channelRoutes(deps))
      .route('/events', eventRoutes(deps))
  );
}

/** Response headers a page on another origin may read. */
export const EXPOSED_HEADERS = ['ETag', 'Content-Disposition'];

/** A 304 must keep the CORS headers, or a cross-origin conditional request fails in the browser. */
const etags = etag({
  retainedHeaders: [...RETAINED_304_HEADERS, 'access-control-allow-origin', 'access-control-expose-headers'],
});

/** The security headers of every answer (Hono's secureHeaders, with the exceptions explained). */
function securityHeaders(config: Pick<Config, 'publicUrl'>) {
  return secureHeaders({
    // Set per path below: the API and the widget bundle are meant to be used from other origins.
    crossOriginResourcePolicy: false,
    // COOP would cut `window.opener` for the OAuth popup, which returns from Microsoft's origin.
    crossOriginOpenerPolicy: false,
    strictTransportSecurity: config.publicUrl.startsWith('https:'),
    overwrite: false,
  });
}

/**
 * The read routes' hot path (routes/hot-path.ts) for this configuration, which `server.ts` asks
 * before the app: its base headers are read from the same security middleware the chain uses, so
 * the two cannot drift.
 */
export function createApiHotPath(deps: { config: Config; core: Core; log?: Log }): HotPath {
  const probe = new Hono().use('*', securityHeaders(deps.config)).get('/', (c) => c.body(null, 204));
  return createReadHotPath({
    core: deps.core,
    allowedOrigins: new Set(deps.config.allowedOrigins),
    exposedHeaders: EXPOSED_HEADERS,
    log: deps.log ?? defaultLog,
    baseHeaders: Promise.resolve(probe.request('/')).then((res) => ({ ...Object.fromEntries(res.headers), 'Cross-Origin-Resource-Policy': 'cross-origin' })),
  });
}

/** Builds the application. */
export function createApp(deps: AppDeps) {
  const { config, core } = deps;
  const log = deps.log ?? defaultLog;
  const rootDir = deps.rootDir ?? REPO_ROOT;

  const app = new Hono<AppEnv>();

  const security = securityHeaders(config);
  // One line per request: method, path (no query string: it can carry OAuth codes), status, time.
  // The decoded path is the caller's text: control characters are escaped so it cannot forge lines.
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    log(`${c.req.method} ${escapeControl(c.req.path)} ${c.res.status} ${Math.round(performance.now() - started)}ms`);
  });

  app.use('*', security);
  app.use('*', async (c, next) => {
    await next();
    const headers = c.res.headers;
    if (!headers.has('Cross-Origin-Resource-Policy')) {
      const shared = c.req.path.startsWith('/api/') || c.req.path.startsWith('/widgets/');
      headers.set('Cross-Origin-Resource-Policy', shared ? 'cross-origin' : 'same-origin');
    }
    if (headers.get('Content-Type')?.startsWith('text/html') && !headers.has('Content-Security-Policy')) {
      headers.set('Content-Security-Policy', HTML_CSP);
    }
  });

  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => errorResponse(c, 413, 'payload_too_large', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`),
    }),
  );

  app.get('/healthz', async (c) => {
    try {
      await core.ping();
      return c.json({ ok: true });
    } catch (err) {
      log('healthz: the database does not answer', err);
      return errorResponse(c, 503, 'service_unavailable', 'The database does not answer.');
    }
  });

  const routes = app
    .route('/api', apiRoutes({ config, core, stream: deps.stream }))
    .route('/oauth/callback', oauthCallbackRoutes({ core }));
  // Prometheus, only when METRICS_TOKEN is set (else an unknown path: 404).
  if (config.metricsToken) app.route('/metrics', metricsRoutes({ token: config.metricsToken, core }));

  if (deps.demoKey) {
    const demoKey = deps.demoKey;
    // Simulator mode: hands the demo page its key through the widgets' page-level default. The
    // key belongs to the throw-away demo org.
    app.get('/demo/config.js', (c) => {
      c.header('Cache-Control', 'no-store');
      c.header('Content-Type', 'text/javascript; charset=utf-8');
      const script = JSON.stringify({ apiKey: demoKey(), simulated: true });
      return c.body(`window.O365Health = Object.assign(window.O365Health || {}, ${script});\n`);
    });
  }

  // Static files, each from a folder that holds only public files (serveStatic refuses `..`,
  // encoded separators and backslashes; hidden names are refused here). No server code lives in
  // a served folder.
  const files = (root: string, prefix: string) => serveStatic({ root, rewriteRequestPath: (path) => path.slice(prefix.length) });
  const withHeaders = (headers: Record<string, string>) =>
    createMiddleware(async (c, next) => {
      if (/\/\./.test(c.req.path)) return errorResponse(c, 404, 'not_found', 'Not found.');
      await next();
      if (c.res.status === 200 || c.res.status === 304) for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
    });
  // Public code, loaded as a module script by pages on any allowed (or not yet allowed) origin.
  app.use('/widgets/*', withHeaders({ 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-cache' }), etags);
  app.get('/widgets/*', files(join(rootDir, 'widgets', 'dist'), '/widgets'));
  // Until `npm run build` has produced the bundle, a module that says so in the console.
  app.get('/widgets/o365-health.js', (c) => c.body(PLACEHOLDER_WIDGET_MODULE, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));

  // The documentation, for the demo's links: the README, the package README, the license and the
  // screenshots the README shows.
  const rendered = new Map<string, string>();
  const page = (document: 'README.md' | 'widgets/README.md') => {
    let html = rendered.get(document);
    if (html === undefined) rendered.set(document, (html = renderReadme(rootDir, document)));
    return html;
  };
  app.get('/readme', (c) => c.html(page('README.md')));
  app.get('/readme/widgets', (c) => c.html(page('widgets/README.md')));
  app.get('/LICENSE', withHeaders({ 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' }), serveStatic({ path: join(rootDir, 'LICENSE') }));
  app.use('/docs/screenshots/*', withHeaders({ 'Cache-Control': 'no-cache' }));
  app.get('/docs/screenshots/*', files(join(rootDir, 'docs', 'screenshots'), '/docs/screenshots'));

  // The demo portal: demo/portal/ (the simulator's sources are beside it, in demo/simulator/).
  app.get('/', (c) => c.redirect('/demo/', 302));
  app.get('/demo', (c) => c.redirect('/demo/', 301));
  app.use('/demo/*', withHeaders({ 'Cache-Control': 'no-cache' }), etags);
  app.get('/demo/*', files(join(rootDir, 'demo', 'portal'), '/demo'));

  // A path that exists for other methods is a 405 with `Allow`, from the routes Hono knows.
  const allowFor = methodsByPath(app);
  app.notFound((c) => {
    const allow = allowFor(c.req.path);
    if (allow.length > 0 && !allow.includes(c.req.method)) {
      c.header('Allow', allow.join(', '));
      return errorResponse(c, 405, 'method_not_allowed', `${c.req.method} is not allowed here; use ${allow.join(', ')}.`);
    }
    return errorResponse(c, 404, 'not_found', `No route for ${c.req.method} ${c.req.path}.`);
  });
  app.onError((err, c) => handleError(err, c, log));
  return routes;
}

/** The whole app's type, for Hono's typed client (`hc<AppType>`) and the widgets' contract types. */
export type AppType = ReturnType<typeof createApp>;

/**
 * The methods each registered path answers (handlers, not middleware), matched against a request
 * path; computed from `app.routes` on first use, so it follows every route without a hand list.
 */
function methodsByPath(app: Hono<AppEnv>): (path: string) => string[] {
  let table: Array<{ pattern: RegExp; method: string }> | null = null;
  return (path) => {
    table ??= app.routes
      .filter((r) => r.method !== 'ALL' && !r.path.endsWith('*'))
      .map((r) => ({
        method: r.method,
        pattern: new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[^/]+/g, '/[^/]+')}/?$`),
      }));
    const methods = new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}
