// The real o365-health server for the widget integration group (test/widgets/integration/):
// `tsx server/main.ts` in simulator mode as a child process (its own process group), on a free
// port, with a temp database and a 2-second poll, allowing the web-test-runner origin (CORS and
// the OAuth popup's postMessage). Its URLs come from its start-up lines, as in
// test/e2e/support/product.ts. Nothing is stubbed.
//
// For the browser tests:
//   GET /integration-config → { apiBase, serverUrl, simulatorUrl, apiKey, tenants, bundleUrl }
//     apiBase is the server's public origin (the OAuth callback page posts from it), apiKey the
//     demo org's admin key from <server>/demo/config.js, tenants the simulator's tenants.
//   executeServerCommand('o365-consent-in-popup', { upn, decision, keepOpen }) signs in as `upn`
//     on the simulator's page in the popup the test page opened, then presses Accept or Cancel, and
//     resolves when the popup has closed (puppeteer, through @web/test-runner-chrome's page). With
//     `keepOpen`, the popup's `window.close()` does nothing: it resolves once the server's callback
//     page has loaded (and posted its message), and the popup stays open until 'o365-close-popup'.
//   executeServerCommand('o365-simulator', { method?, path, body? }) calls the simulator's control
//     API from Node (it has no CORS) and returns { status, body }.
//   executeServerCommand('o365-api', { target: 'real' | 'fake', session, role, method, path,
//     headers, body }) sends one request from Node (any Origin, If-None-Match…) to the real API
//     (with the demo org's admin or viewer key) or to the test runner's fake (test-api.mjs, session
//     `session`, key `admin`/`viewer`) and returns { status, headers, body } (for contract.test.ts).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const BUNDLE = join(ROOT, 'widgets', 'dist', 'o365-health.js');
const START_TIMEOUT_MS = 45_000;

/** Variables that would take the server out of simulator mode or off its free port. */
const SCRUBBED = ['MICROSOFT_CLIENT_ID', 'MICROSOFT_CLIENT_SECRET', 'MICROSOFT_LOGIN_URL', 'MICROSOFT_GRAPH_URL', 'PUBLIC_URL', 'HOST', 'ALLOWED_ORIGINS', 'SIMULATOR_PORT', 'SIMULATOR_LOG', 'SECRET_KEY'];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // The build's own output is not a source.
    if (entry.isDirectory() && (entry.name === 'dist' || entry.name === 'node_modules')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** `npm run build` when widgets/dist/o365-health.js is missing or older than widgets/ (as the e2e setup does). */
function buildIfStale() {
  const stale = !existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < Math.max(newestMtime(join(ROOT, 'widgets')), statSync(join(ROOT, 'widgets', 'vite.config.ts')).mtimeMs);
  if (!stale) return Promise.resolve();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`npm run build failed (${code}):\n${out}`))));
  });
}

/**
 * Starts the server; resolves to its URLs and a `stop()`. The child runs detached (its own process
 * group) so that stopping reaches tsx's node child too, and it is killed if this process exits.
 */
async function startServer(allowedOrigins) {
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-wtr-'));
  const env = { ...process.env };
  for (const name of SCRUBBED) delete env[name];
  Object.assign(env, {
    PORT: '0',
    DATABASE_PATH: join(dir, 'o365-health.db'),
    POLL_CRON: '*/2 * * * * *',
    ALLOWED_ORIGINS: allowedOrigins.join(','),
    // E-mail channels are on (the contract test creates one, compared with the fake's); nothing
    // listens on port 9, and the test's channel takes no event that happens here.
    SMTP_URL: 'smtp://127.0.0.1:9',
    SMTP_FROM: 'o365-health <alerts@example.com>',
  });
  const child = spawn(TSX, ['server/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  let exited;
  const exit = new Promise((r) => child.once('exit', (code) => ((exited = code ?? 'signal'), r())));
  const kill = (signal) => {
    try {
      if (exited === undefined) process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  const killOnExit = () => kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    kill('SIGTERM');
    const force = setTimeout(() => kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(force);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`The o365-health server did not start within ${START_TIMEOUT_MS} ms:\n${output.slice(-3000)}`)), START_TIMEOUT_MS);
      const check = () => {
        if (/Microsoft is SIMULATED: identity platform and Graph at \S+/.test(output)) {
          clearTimeout(timer);
          resolvePromise();
        }
      };
      const onData = (d) => {
        output += d;
        check();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      exit.then(() => {
        clearTimeout(timer);
        reject(new Error(`The o365-health server exited (${exited}) before it was ready:\n${output.slice(-3000)}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  // Keep draining its output (a full pipe would block the server).
  const line = (re) => {
    const m = re.exec(output);
    if (!m) throw new Error(`The server's start-up output has no line matching ${re}:\n${output}`);
    return m[1];
  };
  const serverUrl = line(/o365-health is listening on (\S+)/);
  const publicUrl = new URL(line(/demo portal:\s+(\S+)/)).origin;
  const simulatorUrl = line(/identity platform and Graph at (\S+)/);
  /** A key of `org` made with the keys CLI against the same database (`npm run keys -- create`). */
  const createKey = (org, role) =>
    new Promise((resolvePromise, reject) => {
      const cli = spawn(TSX, ['server/keys.ts', 'create', '--org', org, '--role', role, '--user', `${org}-${role}`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      cli.stdout.on('data', (d) => (out += d));
      cli.stderr.on('data', (d) => (out += d));
      cli.once('error', reject);
      cli.once('close', (code) => (code === 0 ? resolvePromise(out.trim().split('\n').at(-1).trim()) : reject(new Error(`keys create failed (${code}): ${out}`))));
    });
  return { serverUrl, publicUrl, simulatorUrl, stop, createKey, output: () => output };
}

/**
 * The web-test-runner plugin (server life cycle and the popup command) and the middleware
 * (`/integration-config`) of the integration group. The server starts with the test run unless
 * only the element group runs (`--group default`), and at the latest on the first request.
 */
export function integrationServer() {
  let origins = [];
  let started;
  let server;
  let viewerKey;
  let devOrigin;

  const ensure = () =>
    (started ??= (async () => {
      const [s] = await Promise.all([startServer(origins), buildIfStale()]);
      server = s;
      const js = await (await fetch(`${s.serverUrl}/demo/config.js`)).text();
      const apiKey = /"apiKey":"([^"]+)"/.exec(js)?.[1];
      if (!apiKey) throw new Error(`/demo/config.js carries no apiKey: ${js}`);
      const { tenants } = await (await fetch(`${s.simulatorUrl}/_simulator/tenants`)).json();
      viewerKey = await s.createKey('demo', 'viewer');
      return { apiBase: s.publicUrl, serverUrl: s.serverUrl, simulatorUrl: s.simulatorUrl, apiKey, tenants, bundleUrl: `${s.publicUrl}/widgets/o365-health.js` };
    })());

  const argv = process.argv.join(' ');
  const onlyElements = /--group[ =](default)\b/.test(argv);

  const plugin = {
    name: 'o365-integration-server',
    serverStart({ config }) {
      origins = [`http://${config.hostname}:${config.port}`, `http://localhost:${config.port}`, `http://127.0.0.1:${config.port}`].filter((o, i, a) => a.indexOf(o) === i);
      devOrigin = `http://127.0.0.1:${config.port}`;
      // Started now, awaited by the first test that asks: it boots while the element tests run.
      if (!onlyElements) ensure().catch(() => {});
    },
    async serverStop() {
      if (started) await started.catch(() => {});
      await server?.stop();
    },
    async executeCommand({ command, payload, session }) {
      if (command === 'o365-api') {
        const cfg = await ensure();
        return apiRequest(payload.target === 'real' ? cfg.serverUrl : `${devOrigin}/test-api/${payload.session}`, payload, payload.target === 'real' ? (payload.role === 'viewer' ? viewerKey : cfg.apiKey) : payload.role ?? 'admin');
      }
      if (command === 'o365-simulator') {
        // The simulator's control API (no CORS: a page cannot call it), e.g. to inject an incident.
        const cfg = await ensure();
        const res = await fetch(`${cfg.simulatorUrl}${payload.path}`, {
          method: payload.method ?? 'POST',
          headers: { 'content-type': 'application/json' },
          body: payload.method === 'GET' ? undefined : JSON.stringify(payload.body ?? {}),
        });
        return { status: res.status, body: await res.json().catch(() => null) };
      }
      if (command === 'o365-close-popup') {
        const page = session.browser.getPage(session.id);
        for (const p of await page.browser().pages()) if (p !== page && p.url().includes('/oauth/callback')) await p.close();
        return { closed: true };
      }
      if (command !== 'o365-consent-in-popup') return undefined;
      if (session.browser.type !== 'puppeteer') throw new Error('o365-consent-in-popup needs the Chrome launcher (puppeteer).');
      return consentInPopup(session.browser.getPage(session.id), payload);
    },
  };

  /** Koa middleware of the dev server. */
  const middleware = async (ctx, next) => {
    if (ctx.path !== '/integration-config') return next();
    try {
      ctx.body = await ensure();
    } catch (err) {
      ctx.status = 500;
      ctx.body = { error: String(err?.message ?? err) };
    }
  };

  return { plugin, middleware };
}

/**
 * In the popup the test page opened: the simulator's sign-in page (one button per admin account,
 * named with its UPN), then the consent page (Accept / Cancel). Real clicks, through puppeteer.
 */
async function consentInPopup(page, { upn, decision = 'Accept', keepOpen = false, timeout = 15_000 }) {
  const target = await page.browser().waitForTarget((t) => t.type() === 'page' && t.url().includes('/oauth2/v2.0/authorize'), { timeout });
  const popup = await target.page();
  if (!popup) throw new Error('The sign-in popup has no page.');
  const button = (match, arg) => findButton(popup, match, arg, timeout);
  if (keepOpen) {
    // Every later document of the popup (the server's callback page too) cannot close itself.
    await popup.evaluateOnNewDocument(() => {
      window.close = () => {};
    });
    await (await button('contains', upn)).click();
    const loaded = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The popup never reached the server's callback (at ${popup.url()}).`)), timeout);
      const check = () => {
        if (popup.url().includes('/oauth/callback')) {
          clearTimeout(timer);
          popup.off('load', check);
          resolve();
        }
      };
      popup.on('load', check);
    });
    await (await button('exact', decision)).click();
    await loaded;
    return { closed: false, url: popup.url() };
  }
  const closed = new Promise((r) => popup.once('close', r));
  await (await button('contains', upn)).click();
  await (await button('exact', decision)).click();
  await Promise.race([
    closed,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`The popup did not close after ${decision} (at ${popup.url()}).`)), timeout)),
  ]);
  return { closed: true };
}

/** The button of the popup's page whose text contains (or is exactly) `value`. */
async function findButton(popup, kind, value, timeout) {
  const handle = await popup.waitForFunction(
    (k, v) => [...document.querySelectorAll('button')].find((b) => (k === 'contains' ? b.textContent.includes(v) : b.textContent.trim() === v)),
    { timeout, polling: 100 },
    kind,
    value,
  );
  return handle.asElement();
}

/** One request from Node to an API base; the answer's status, headers (lower-case) and JSON body. */
async function apiRequest(base, { method = 'GET', path, headers = {}, body, noKey = false }, key) {
  const h = new Headers(headers);
  if (key && !noKey && !h.has('authorization')) h.set('authorization', `Bearer ${key}`);
  if (body !== undefined) h.set('content-type', 'application/json');
  const res = await fetch(base + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, headers: Object.fromEntries([...res.headers].map(([k, v]) => [k.toLowerCase(), v])), body: json };
}
