/**
 * `npm run bench -- events` (part 1): how long a change in Microsoft 365 takes to reach a webhook
 * and an open widget, once the poll that sees it starts.
 *
 * In this process: the simulator, the real server (`startServer`, a real SQLite file, polling
 * driven by hand), a webhook receiver on loopback registered as a `webhook` channel through the
 * API, and Debian's Chromium (playwright-core) with a page on another loopback origin showing
 * `<o365-service-messages>` from the server's bundle, auto-refresh off (so only the event stream
 * can update it). Each of `changes` rounds injects a new incident in the simulator, starts the
 * tenant's sync as a poll tick would (t0), and measures from t0 to: its end (with the outbox write), the
 * signed POST arriving at the receiver, and the incident's title appearing in the widget's shadow
 * DOM (read in the page, on the same system clock). All on 2 shared cores in one Node process
 * plus the browser, so the figures include their contention.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { BUILT_IN_APP, startSimulator } from '../../demo/simulator/index.js';
import { loadConfig } from '../../server/config.js';
import { startServer } from '../../server/server.js';
import { walkSimulatedConsent } from '../../server/simulated-consent.js';
import { launchBrowser } from '../../test/e2e/support/browser.js';
import { buildWidgetsIfNeeded } from '../../test/e2e/support/global-setup.js';

export interface EventLatencyResult {
  changes: number;
  /** Milliseconds from the start of the poll cycle. */
  syncMs: Stat;
  webhookMs: Stat;
  widgetMs: Stat | null;
  /** Why the widget part has no figures, when it has none. */
  widgetNote: string | null;
  signaturesVerified: number;
}

interface Stat {
  median: number;
  max: number;
  min: number;
}

const stat = (values: number[]): Stat => {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: Math.round(sorted[Math.floor(sorted.length / 2)]!), max: Math.round(sorted.at(-1)!), min: Math.round(sorted[0]!) };
};

/** The widget's rendered text, as a page expression. */
const WIDGET_TEXT = "(document.querySelector('o365-service-messages')?.shadowRoot?.textContent ?? '')";

const listen = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`)));

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
  });

export async function runEventLatencyBench(o: { changes: number; log: (line: string) => void }): Promise<EventLatencyResult> {
  await buildWidgetsIfNeeded(o.log);
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-bench-events-'));
  const simulator = await startSimulator({ log: false, seed: 7 });

  // The page's origin must be allowed before the server starts (CORS).
  let pageHtml = '';
  const page = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(pageHtml);
  });
  const pageUrl = await listen(page);

  // The webhook receiver: arrival times by issue title, signatures checked with the channel's secret.
  const arrivals = new Map<string, number>();
  let verifier: Webhook | null = null;
  let verified = 0;
  const waiting = new Map<string, () => void>();
  const receiver = createServer(async (req, res) => {
    const body = await readBody(req);
    const at = Date.now();
    try {
      verifier?.verify(body, req.headers as Record<string, string>);
      verified++;
    } catch {
      // counted as not verified
    }
    const title = (JSON.parse(body) as { issue?: { title?: string } }).issue?.title;
    if (title && !arrivals.has(title)) {
      arrivals.set(title, at);
      waiting.get(title)?.();
    }
    res.writeHead(204).end();
  });
  const receiverUrl = await listen(receiver);

  const base = loadConfig({ DATABASE_PATH: join(dir, 'o365-health.db'), PORT: '0', HOST: '127.0.0.1', ALLOW_PRIVATE_TARGETS: 'true', ALLOWED_ORIGINS: pageUrl });
  const server = await startServer({
    config: { ...base, loginUrl: simulator.url, graphUrl: simulator.url, microsoft: { clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret } },
    polling: false,
    log: () => {},
  });
  const browser = await launchBrowser();
  try {
    const reg = await fetch(`${simulator.url}/_simulator/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret, redirectUris: [`${server.config.publicUrl}/oauth/callback`] }),
    });
    if (reg.status !== 201) throw new Error(`registering the app answered ${reg.status}`);
    const { key } = await server.core.keys.create({ orgName: 'bench', role: 'admin', userName: 'bench' });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

    const tenant = simulator.tenants[0]!;
    const created = await api('/api/authorizations', { method: 'POST', body: JSON.stringify({ label: tenant.domain }) });
    const { authorizeUrl } = (await created.json()) as { authorizeUrl: string };
    const callback = new URL(await walkSimulatedConsent(authorizeUrl, tenant.admins[0]!.upn));
    await (await fetch(`${server.url}${callback.pathname}${callback.search}`, { redirect: 'manual' })).arrayBuffer();
    for (let i = 0; ; i++) {
      const list = (await (await api('/api/tenants')).json()) as { tenants: Array<{ lastSyncAt: string | null }> };
      if (list.tenants[0]?.lastSyncAt) break;
      if (i > 200) throw new Error('the first sync did not finish');
      await new Promise((r) => setTimeout(r, 50));
    }
    const channel = await api('/api/channels', { method: 'POST', body: JSON.stringify({ kind: 'webhook', name: 'bench receiver', target: `${receiverUrl}/hook` }) });
    if (channel.status !== 201) throw new Error(`POST /api/channels answered ${channel.status}: ${await channel.text()}`);
    const { secret } = (await channel.json()) as { secret?: string };
    if (secret) verifier = new Webhook(secret);

    pageHtml = `<!doctype html><meta charset="utf-8"><title>bench</title>
<script type="module" src="${server.url}/widgets/o365-health.js"></script>
<o365-service-messages api-base="${server.url}" api-key="${key}" tenant="${tenant.tenantId}" max-items="50"></o365-service-messages>`;
    const tab = await browser.newPage();
    await tab.goto(pageUrl);
    await tab.waitForFunction(`${WIDGET_TEXT}.length > 200`, undefined, { timeout: 20_000 });
    // Let the widget's event stream connect.
    await new Promise((r) => setTimeout(r, 1000));

    const sync: number[] = [];
    const webhook: number[] = [];
    const widget: number[] = [];
    let widgetNote: string | null = null;
    for (let i = 0; i < o.changes; i++) {
      const title = `Bench change ${i + 1}: mail flow delayed`;
      const res = await fetch(`${simulator.url}/_simulator/tenants/${tenant.tenantId}/issues`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ service: 'Exchange Online', classification: 'incident', status: 'investigating', title, post: { html: '<p>Investigating.</p>' } }),
      });
      if (res.status !== 201) throw new Error(`injecting a change answered ${res.status}`);
      const delivered = new Promise<void>((resolve) => (arrivals.has(title) ? resolve() : waiting.set(title, resolve)));
      const shown =
        widgetNote === null
          ? tab
              .waitForFunction(`${WIDGET_TEXT}.includes(${JSON.stringify(title)}) ? Date.now() : 0`, undefined, { timeout: 15_000, polling: 5 })
              .then((h) => h.jsonValue() as Promise<number>)
              .catch(() => null)
          : Promise.resolve(null);
      const t0 = Date.now();
      // The tenant's sync, as the next poll tick would start it (`syncNow` keeps the server's clock
      // real, so the receiver can check the signature's timestamp).
      const outcome = await server.poller.syncNow(tenant.tenantId);
      sync.push(Date.now() - t0);
      if (outcome.status !== 'ok') throw new Error(`the sync did not succeed: ${JSON.stringify(outcome)}`);
      await Promise.race([delivered, new Promise((_, reject) => setTimeout(() => reject(new Error(`no webhook for ${title} within 15 s`)), 15_000))]);
      webhook.push(arrivals.get(title)! - t0);
      const at = await shown;
      if (at) widget.push(at - t0);
      else widgetNote ??= `the widget did not show change ${i + 1} within 15 s without a refresh (no live update)`;
      waiting.delete(title);
    }
    await tab.close();
    return {
      changes: o.changes,
      syncMs: stat(sync),
      webhookMs: stat(webhook),
      widgetMs: widget.length === o.changes ? stat(widget) : null,
      widgetNote,
      signaturesVerified: verified,
    };
  } finally {
    await browser.close();
    await server.close();
    await simulator.close();
    await new Promise((r) => receiver.close(r));
    await new Promise((r) => page.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}
