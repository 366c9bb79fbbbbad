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
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { etag, RETAINED_304_HEADERS } from 'hono/etag';
import { secureHeaders } from 'hono/secure-headers';
import { apiKeyAuth, type AppEnv } from './auth.js';
import type { Config } from './config.js';
import type { Core } from './core/index.js';
import { ApiError, errorResponse, handleError } from './errors.js';
import { authorizationRoutes, oauthCallbackRoutes } from './routes/authorizations.js';
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
  /** Folder holding `widgets/dist/` and `demo/`; the repository root by default. */
  rootDir?: string;
  /** Simulator mode: the demo page's key, handed out by `/demo/config.js`. */
  demoKey?: () => string;
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

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
};

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
function apiRoutes(deps: { config: Config; core: Core }) {
  const allowed = new Set(deps.config.allowedOrigins);
  return (
    new Hono<AppEnv>()
      .use(
        '*',
        cors({
          origin: (origin) => (allowed.has(origin) ? origin : null),
          allowMethods: ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'],
          allowHeaders: ['Authorization', 'Content-Type', 'If-None-Match'],
          exposeHeaders: ['ETag'],
          credentials: false,
          maxAge: 600,
        }),
      )
      .use('*', etags)
      // Answers depend on the API key: never stored by shared caches, always revalidated (ETag) by browsers.
      .use('*', async (c, next) => {
        await next();
        if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'private, no-cache');
      })
      .use('*', apiKeyAuth(deps.core.keys))
      .route('/tenants', tenantRoutes(deps))
      .route('/authorizations', authorizationRoutes(deps))
  );
}

/** A 304 must keep the CORS headers, or a cross-origin conditional request fails in the browser. */
const etags = etag({
  retainedHeaders: [...RETAINED_304_HEADERS, 'access-control-allow-origin', 'access-control-expose-headers'],
});

/** Builds the application. */
export function createApp(deps: AppDeps) {
  const { config, core } = deps;
  const log = deps.log ?? defaultLog;
  const rootDir = deps.rootDir ?? REPO_ROOT;

  const app = new Hono<AppEnv>();

  // One line per request: method, path (no query string: it can carry OAuth codes), status, time.
  // The decoded path is the caller's text: control characters are escaped so it cannot forge lines.
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    log(`${c.req.method} ${escapeControl(c.req.path)} ${c.res.status} ${Math.round(performance.now() - started)}ms`);
  });

  app.use(
    '*',
    secureHeaders({
      // Set per path below: the API and the widget bundle are meant to be used from other origins.
      crossOriginResourcePolicy: false,
      // COOP would cut `window.opener` for the OAuth popup, which returns from Microsoft's origin.
      crossOriginOpenerPolicy: false,
      strictTransportSecurity: config.publicUrl.startsWith('https:'),
      overwrite: false,
    }),
  );
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

  app.get('/healthz', (c) => {
    try {
      core.ping();
      return c.json({ ok: true });
    } catch (err) {
      log('healthz: the database does not answer', err);
      return errorResponse(c, 503, 'service_unavailable', 'The database does not answer.');
    }
  });

  const routes = app
    .route('/api', apiRoutes({ config, core }))
    .route('/oauth/callback', oauthCallbackRoutes({ core }));

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

  // Static files.
  app.use('/widgets/*', etags);
  app.get('/widgets/:file', async (c) => {
    const file = c.req.param('file');
    if (!/^[A-Za-z0-9][\w.-]*\.(js|mjs|map|css)$/.test(file)) throw new ApiError(404, 'not_found', 'Not found.');
    const body = await readSafe(join(rootDir, 'widgets', 'dist'), [file]);
    const placeholder = body === null && file === 'o365-health.js';
    if (body === null && !placeholder) throw new ApiError(404, 'not_found', 'Not found.');
    return new Response(placeholder ? PLACEHOLDER_WIDGET_MODULE : body, {
      headers: {
        'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        // Public code, loaded as a module script by pages on any allowed (or not yet allowed) origin.
        'Access-Control-Allow-Origin': '*',
        'Cache-Control': 'no-cache',
      },
    });
  });

  // The documentation, for the demo's links: the README and the screenshots it shows.
  const rendered = new Map<string, string>();
  const page = (document: 'README.md' | 'widgets/README.md') => {
    let html = rendered.get(document);
    if (html === undefined) rendered.set(document, (html = renderReadme(rootDir, document)));
    return html;
  };
  app.get('/readme', (c) => c.html(page('README.md')));
  app.get('/readme/widgets', (c) => c.html(page('widgets/README.md')));
  app.get('/LICENSE', async (c) => {
    const text = await readSafe(rootDir, ['LICENSE']);
    if (text === null) throw new ApiError(404, 'not_found', 'Not found.');
    return c.body(text.toString('utf8'), 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
  });
  app.get('/docs/screenshots/:file', async (c) => {
    const file = c.req.param('file');
    const body = /^[\w-]+\.png$/.test(file) ? await readSafe(join(rootDir, 'docs', 'screenshots'), [file]) : null;
    if (body === null) throw new ApiError(404, 'not_found', 'Not found.');
    return new Response(body, { headers: { 'Content-Type': 'image/png', 'Cache-Control': 'no-cache' } });
  });

  app.get('/', (c) => c.redirect('/demo/', 302));
  app.get('/demo', (c) => c.redirect('/demo/', 301));
  app.use('/demo/*', etags);
  app.get('/demo/*', async (c) => {
    const segments = safeSegments(c, '/demo/');
    // The simulator's sources live under demo/ but are not part of the portal.
    if (segments === null || segments[0]?.toLowerCase() === 'simulator') throw new ApiError(404, 'not_found', 'Not found.');
    const demoDir = join(rootDir, 'demo');
    const exclude = join(demoDir, 'simulator');
    let body = await readSafe(demoDir, segments, exclude);
    let name = segments.at(-1) ?? '';
    if (body === null) {
      body = await readSafe(demoDir, [...segments, 'index.html'], exclude);
      name = 'index.html';
    }
    if (body === null) throw new ApiError(404, 'not_found', 'Not found.');
    return new Response(body, {
      headers: { 'Content-Type': CONTENT_TYPES[extname(name)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' },
    });
  });

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

/**
 * The path below `prefix` as decoded segments, or `null` when any segment could escape the folder
 * or name a hidden file (`..`, `.`, dot-files, encoded slashes or backslashes, NUL).
 */
function safeSegments(c: Context, prefix: string): string[] | null {
  const raw = new URL(c.req.url).pathname;
  if (!raw.startsWith(prefix)) return null;
  const segments: string[] = [];
  for (const part of raw.slice(prefix.length).split('/')) {
    if (part === '') continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return null;
    }
    if (decoded.startsWith('.') || /[/\\\0]/.test(decoded)) return null;
    segments.push(decoded);
  }
  return segments;
}

/** Reads a regular file inside `dir` and not inside `exclude` (after resolving symlinks), or `null`. */
async function readSafe(dir: string, segments: string[], exclude?: string): Promise<Buffer | null> {
  try {
    const base = await realpath(dir);
    const target = await realpath(resolve(base, ...segments));
    if (!target.startsWith(base + sep)) return null;
    if (exclude !== undefined) {
      const excluded = await realpath(exclude).catch(() => resolve(exclude));
      if (target === excluded || target.startsWith(excluded + sep)) return null;
    }
    if (!(await stat(target)).isFile()) return null;
    return await readFile(target);
  } catch {
    return null;
  }
}
