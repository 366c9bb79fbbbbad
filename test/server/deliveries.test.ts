/**
 * Deliveries from the outbox to real receivers on loopback: the simulator's change reaching a
 * webhook once, retries with the same webhook-id on the stack's clock (30 s first, Retry-After
 * honoured, 8 attempts then failed), other 4xx failing at once, 410 disabling the channel,
 * exactly once per channel across restarts, one claim per delivery, filters, and how Teams,
 * Slack and e-mail (a real SMTP server) render an incident, the mails threaded per issue.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, retryDelayMs } from '../../server/core/channels.js';
import type { EventDraft } from '../../server/store/events.js';
import type { ChangeEvent, IssueSummary } from '../../widgets/api/types.js';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from '../support/receivers.js';
import { startStack, waitFor, type Stack } from '../support/stack.js';

const MIN = 60_000;

interface Delivery {
  eventId: string;
  type: string;
  attempts: number;
  status: string;
  responseStatus: number | null;
  error: string | null;
  lastAttemptAt: string | null;
}

let stack: Stack;
let receiver: HttpReceiver;
let smtp: SmtpReceiver;
let admin: string;
let tenantId: string;
let counter = 0;

beforeAll(async () => {
  receiver = await startHttpReceiver();
  smtp = await startSmtpReceiver();
});
afterAll(async () => {
  await receiver.close();
  await smtp.close();
});
beforeEach(async () => {
  receiver.requests.length = 0;
  receiver.answer(() => ({ status: 200 }));
  stack = await startStack({ manualClock: true, env: { ALLOW_PRIVATE_TARGETS: 'true', SMTP_URL: smtp.url, SMTP_FROM: 'o365-health <alerts@example.com>' } });
  admin = stack.key('acme');
  tenantId = stack.simulator.tenants[0]!.tenantId;
  await stack.authorize(admin, 0, { label: 'Contoso HQ' });
  await waitFor(async () => (await stack.rows('tenants', { tenantId }))[0]?.lastSyncAt, 'first sync');
});
afterEach(() => stack.close());

async function channel(kind: string, path: string, filters?: unknown): Promise<{ id: string; secret?: string }> {
  const res = await stack.api(admin, '/api/channels', { method: 'POST', json: { kind, name: `${kind} ${path}`, target: kind === 'email' ? path : `${receiver.url}${path}`, ...(filters ? { filters } : {}) } });
  expect(res.status, await res.clone().text()).toBe(201);
  const body = (await res.json()) as { channel: { id: string }; secret?: string };
  return { id: body.channel.id, ...(body.secret ? { secret: body.secret } : {}) };
}

function issue(over: Partial<IssueSummary> = {}): IssueSummary & { latestPost: { createdDateTime: string; postType: string; html: string } } {
  return {
    id: 'EX900001',
    title: 'Users can not send mail',
    service: 'Exchange Online',
    feature: 'E-Mail and calendar access',
    featureGroup: 'E-Mail and calendar access',
    classification: 'incident',
    status: 'investigating',
    origin: 'microsoft',
    isResolved: false,
    startDateTime: '2026-12-01T08:00:00Z',
    endDateTime: null,
    lastModifiedDateTime: '2026-12-01T08:05:00Z',
    impactDescription: 'Users may be unable to send mail.',
    latestPost: { createdDateTime: '2026-12-01T08:05:00Z', postType: 'regular', html: '<p>We are investigating &amp; reviewing logs.</p><ul><li>Outlook &lt;desktop&gt;</li></ul><p>Ping <!channel> now</p>' },
    ...over,
  };
}

/** Records an event as the sync does (in a transaction) and returns its id. */
async function record(type: EventDraft['type'] = 'issue.created', over: Partial<IssueSummary> = {}, tenant = tenantId): Promise<string> {
  const subject = issue(over);
  const draft: EventDraft = {
    type,
    tenantId: tenant,
    identity: [subject.id, subject.status, ++counter],
    payload: { type, occurredAt: stack.now().toISOString(), tenant: { tenantId: tenant, displayName: 'Contoso Ltd', label: null }, issue: subject },
  };
  const ids = await stack.recordEvents([draft], stack.now());
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

const run = () => stack.server.notifier.runOnce();

async function log(id: string): Promise<Delivery[]> {
  return ((await (await stack.api(admin, `/api/channels/${id}/deliveries`)).json()) as { deliveries: Delivery[] }).deliveries;
}

async function channelState(id: string) {
  const list = (await (await stack.api(admin, '/api/channels')).json()) as { channels: Array<{ id: string; enabled: boolean; lastError: string | null; lastDeliveryAt: string | null }> };
  return list.channels.find((c) => c.id === id)!;
}

const at = (path: string) => receiver.requests.filter((r) => r.path === path);

describe('from the simulator to the receiver', () => {
  it('delivers an injected incident once, signed, with the org’s label of the tenant', async () => {
    const hook = await channel('webhook', '/e2e');
    const created = await stack.control('POST', `/_simulator/tenants/${tenantId}/issues`, {
      service: 'Exchange Online',
      classification: 'incident',
      status: 'investigating',
      title: 'Mail delivery delayed',
      post: { html: '<p>We are investigating.</p>' },
    });
    const { id: issueId } = (await created.json()) as { id: string };
    stack.advance(6 * MIN);
    await stack.server.poller.runCycle();
    // The sync wakes the worker; no call here.
    await waitFor(() => at('/e2e').length > 0, 'the webhook delivery');
    const got = at('/e2e')[0]!;
    const event = JSON.parse(got.body) as ChangeEvent;
    expect(event).toMatchObject({ type: 'issue.created', tenant: { tenantId, label: 'Contoso HQ' }, issue: { id: issueId, title: 'Mail delivery delayed', status: 'investigating' } });
    expect(got.headers['webhook-id']).toBe(event.id);
    const timestamp = new Date(Number(got.headers['webhook-timestamp']) * 1000);
    expect(got.headers['webhook-signature']).toBe(new Webhook(hook.secret!).sign(event.id, timestamp, got.body));

    // Nothing new in the next cycles, and the worker has nothing left.
    stack.advance(6 * MIN);
    await stack.server.poller.runCycle();
    await run();
    expect(at('/e2e')).toHaveLength(1);
    expect(await log(hook.id)).toMatchObject([{ eventId: event.id, type: 'issue.created', attempts: 1, status: 'delivered', responseStatus: 200 }]);
    expect((await channelState(hook.id)).lastDeliveryAt).not.toBeNull();
  });
});

describe('retries', () => {
  it('retries a 500 after 30 s with the same webhook-id, then records the delivery', async () => {
    // The worker leases rows under this instance's INSTANCE_ID (host name:pid by default).
    expect(stack.server.notifier.owner).toBe(stack.server.config.instanceId);
    const hook = await channel('webhook', '/flaky');
    receiver.answer((_req, i) => (i === 0 ? { status: 500, body: 'upstream broke' } : { status: 200 }));
    const id = await record();
    await run();
    expect(at('/flaky')).toHaveLength(1);
    expect(await log(hook.id)).toMatchObject([{ eventId: id, attempts: 1, status: 'pending', responseStatus: 500, error: 'HTTP 500: upstream broke' }]);
    expect((await channelState(hook.id)).lastError).toBe('HTTP 500: upstream broke');

    stack.advance(29_000);
    await run();
    expect(at('/flaky')).toHaveLength(1);
    stack.advance(1_000);
    await run();
    expect(at('/flaky')).toHaveLength(2);
    expect(at('/flaky').map((r) => r.headers['webhook-id'])).toEqual([id, id]);
    expect(await log(hook.id)).toMatchObject([{ eventId: id, attempts: 2, status: 'delivered', responseStatus: 200, error: null }]);
    expect(await channelState(hook.id)).toMatchObject({ lastError: null, enabled: true });
    const metrics = await stack.server.core.metrics.scrape();
    expect(metrics).toContain('o365_notifications_total{kind="webhook",status="retry"} 1');
    expect(metrics).toContain('o365_notifications_total{kind="webhook",status="delivered"} 1');
  });

  it('waits as long as Retry-After asks when that is longer than the backoff', async () => {
    await channel('slack', '/busy');
    receiver.answer((_req, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 }));
    await record();
    await run();
    stack.advance(MIN);
    await run();
    expect(at('/busy')).toHaveLength(1);
    stack.advance(MIN);
    await run();
    expect(at('/busy')).toHaveLength(2);
  });

  it('gives up after 8 attempts over about an hour', async () => {
    const hook = await channel('teams', '/down');
    receiver.answer(() => ({ status: 503 }));
    await record();
    let waited = 0;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await run();
      expect(at('/down')).toHaveLength(attempt);
      stack.advance(retryDelayMs(attempt));
      waited += retryDelayMs(attempt);
    }
    // 30 s, 1, 2, 4, 8, 16, 32 min between the 8 attempts.
    expect(waited - retryDelayMs(MAX_ATTEMPTS)).toBe(63.5 * MIN);
    stack.advance(2 * 60 * MIN);
    await run();
    expect(at('/down')).toHaveLength(MAX_ATTEMPTS);
    const [entry] = await log(hook.id);
    expect(entry).toMatchObject({ attempts: 8, status: 'failed', responseStatus: 503 });
    expect(entry!.error).toMatch(/HTTP 503.*gave up after 8 attempts/);
  });

  it('fails a 400 at once, and retries a target that is down', async () => {
    const rejected = await channel('slack', '/rejects');
    receiver.answer(() => ({ status: 400, body: 'invalid_payload' }));
    await record();
    await run();
    stack.advance(2 * 60 * MIN);
    await run();
    expect(at('/rejects')).toHaveLength(1);
    expect(await log(rejected.id)).toMatchObject([{ attempts: 1, status: 'failed', responseStatus: 400, error: 'HTTP 400: invalid_payload' }]);

    // Nothing listens on this port: a network error, retried.
    const closed = await startHttpReceiver();
    await closed.close();
    const res = await stack.api(admin, '/api/channels', { method: 'POST', json: { kind: 'webhook', name: 'Gone away', target: `${closed.url}/x` } });
    const { channel: down } = (await res.json()) as { channel: { id: string } };
    await record();
    await run();
    const [entry] = await log(down.id);
    expect(entry).toMatchObject({ attempts: 1, status: 'pending', responseStatus: null });
    expect(entry!.error).toMatch(/ECONNREFUSED/);
  });

  it('disables a channel whose target answers 410 Gone, and says why', async () => {
    const hook = await channel('webhook', '/gone');
    receiver.answer(() => ({ status: 410, body: 'this hook was deleted' }));
    await record();
    await run();
    const state = await channelState(hook.id);
    expect(state.enabled).toBe(false);
    expect(state.lastError).toMatch(/Disabled: the target answered 410 Gone/);
    expect(await log(hook.id)).toMatchObject([{ attempts: 1, status: 'failed', responseStatus: 410 }]);
    await record();
    stack.advance(2 * 60 * MIN);
    await run();
    expect(at('/gone')).toHaveLength(1);
    expect(await log(hook.id)).toHaveLength(1);
  });
});

describe('exactly once per channel', () => {
  it('delivers what a stopped server still owed after its restart, and nothing twice', async () => {
    const hook = await channel('webhook', '/once');
    const other = await channel('slack', '/once-slack');
    // Recorded, not yet sent (the worker is not woken); then the server stops.
    const id = await record();
    await stack.restart();
    await waitFor(() => at('/once').length === 1 && at('/once-slack').length === 1, 'deliveries after the restart');
    await stack.restart();
    await run();
    stack.advance(2 * 60 * MIN);
    await run();
    expect(at('/once').map((r) => r.headers['webhook-id'])).toEqual([id]);
    expect(at('/once-slack')).toHaveLength(1);
    expect(await log(hook.id)).toMatchObject([{ eventId: id, status: 'delivered', attempts: 1 }]);
    expect(await log(other.id)).toMatchObject([{ eventId: id, status: 'delivered', attempts: 1 }]);
  });

  it('leases a delivery to one worker at a time, across connections to the same database', async () => {
    // The claimants are the two connections below; the server's own worker stays out (on
    // PostgreSQL the events' notification would wake it and it would claim them first).
    await stack.server.notifier.stop();
    await channel('webhook', '/lease');
    for (let i = 0; i < 3; i++) await record();
    const a = await stack.connect();
    const b = await stack.connect();
    try {
      const now = stack.now();
      const leaseUntil = new Date(now.getTime() + MIN);
      const first = await a.store.claimDueDeliveries({ now, owner: 'a', leaseUntil, limit: 2 });
      const second = await b.store.claimDueDeliveries({ now, owner: 'b', leaseUntil, limit: 10 });
      const third = await a.store.claimDueDeliveries({ now, owner: 'c', leaseUntil, limit: 10 });
      expect(first).toHaveLength(2);
      expect(second).toHaveLength(1);
      expect(third).toHaveLength(0);
      const keys = [...first, ...second].map((d) => d.eventId);
      expect(new Set(keys).size).toBe(3);
      // An expired lease (its worker died) is taken over.
      const later = new Date(leaseUntil.getTime() + 1);
      expect(await b.store.claimDueDeliveries({ now: later, owner: 'b', leaseUntil: new Date(later.getTime() + MIN), limit: 10 })).toHaveLength(3);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('the worker’s slots', () => {
  it('keeps at most 4 deliveries of one channel in flight, and serves the other channels meanwhile', async () => {
    // A slow receiver: every answer to /slow waits until the test releases it.
    const waiting: Array<() => void> = [];
    receiver.answer((req) => (req.path === '/slow' ? new Promise((resolve) => waiting.push(() => resolve({ status: 200 }))) : { status: 200 }));
    await channel('webhook', '/slow');
    await channel('slack', '/fast');
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await record());
    const round = run();
    // Every delivery to the fast channel is made while the slow one holds four.
    await waitFor(() => at('/fast').length === 10, 'the fast channel’s deliveries');
    await waitFor(() => at('/slow').length === 4, 'four requests to the slow channel');
    expect(waiting).toHaveLength(4);
    // Each answer frees one slot of that channel, and the next one is sent: never more than 4 open.
    let released = 0;
    while (released < 10) {
      await waitFor(() => at('/slow').length === Math.min(10, released + 4), `${Math.min(10, released + 4)} requests to the slow channel`);
      expect(at('/slow').length - released, 'requests open at once').toBeLessThanOrEqual(4);
      waiting[released++]!();
    }
    expect(await round).toBe(20);
    expect(at('/slow').map((r) => r.headers['webhook-id']).sort()).toEqual([...ids].sort());
    expect(at('/fast')).toHaveLength(10);
  });

  it('claims each channel’s oldest due deliveries up to its quota, the held ones counted', async () => {
    await stack.server.notifier.stop();
    const a = await channel('webhook', '/quota-a');
    const b = await channel('webhook', '/quota-b');
    for (let i = 0; i < 5; i++) await record();
    const other = await stack.connect();
    try {
      const now = stack.now();
      const leaseUntil = new Date(now.getTime() + MIN);
      const claim = (owner: string, limit: number, held: Array<[string, number]>) => other.store.claimDueDeliveries({ now, owner, leaseUntil, limit, perChannel: { cap: 2, held: new Map(held) } });
      const count = (list: Array<{ channelId: string }>, id: string) => list.filter((d) => d.channelId === id).length;
      // a has one in flight: one more of a, two of b.
      const first = await claim('w1', 10, [[a.id, 1]]);
      expect([count(first, a.id), count(first, b.id)]).toEqual([1, 2]);
      // At its cap a gets none; the limit counts too.
      expect(await claim('w2', 10, [[a.id, 2], [b.id, 2]])).toEqual([]);
      const second = await claim('w3', 1, []);
      expect(second).toHaveLength(1);
      // Two of each channel per claim until the 10 are all claimed, none twice.
      const third = await claim('w4', 10, []);
      expect([count(third, a.id), count(third, b.id)]).toEqual([2, 2]);
      const rest = [...(await claim('w5', 10, [])), ...(await claim('w6', 10, []))];
      expect(await claim('w7', 10, [])).toEqual([]);
      const all = [...first, ...second, ...third, ...rest].map((d) => `${d.channelId} ${d.eventId}`);
      expect(all).toHaveLength(10);
      expect(new Set(all).size).toBe(10);
    } finally {
      await other.close();
    }
  });
});

describe('filters', () => {
  it('delivers an Exchange incident only to the channels whose filters take it', async () => {
    await stack.authorize(admin, 1, { label: 'Fabrikam' });
    const fabrikam = stack.simulator.tenants[1]!.tenantId;
    const wanted = [await channel('slack', '/all'), await channel('slack', '/exchange', { services: ['exchange online'], classifications: ['incident'], tenants: ['Contoso HQ'] })];
    const unwanted = [
      await channel('slack', '/sharepoint', { services: ['SharePoint Online'] }),
      await channel('slack', '/advisories', { classifications: ['advisory'] }),
      await channel('slack', '/resolved', { events: ['issue.resolved'] }),
      await channel('slack', '/fabrikam', { tenants: [fabrikam] }),
    ];
    const id = await record('issue.created');
    await run();
    expect(receiver.requests.map((r) => r.path).sort()).toEqual(['/all', '/exchange']);
    for (const c of wanted) expect((await log(c.id)).map((d) => d.eventId)).toEqual([id]);
    for (const c of unwanted) expect(await log(c.id)).toEqual([]);
  });

  it("does not deliver another org's tenant to a channel", async () => {
    const outsider = stack.key('outsider');
    const res = await stack.api(outsider, '/api/channels', { method: 'POST', json: { kind: 'slack', name: 'Theirs', target: `${receiver.url}/theirs` } });
    expect(res.status).toBe(201);
    await record();
    await run();
    expect(at('/theirs')).toHaveLength(0);
  });
});

describe('renderings of an incident', () => {
  it('Teams: an Adaptive Card with severity colour and word, service, title, status, impact, the post as text and both links', async () => {
    await channel('teams', '/teams');
    await record();
    await run();
    const card = JSON.parse(at('/teams')[0]!.body);
    expect(card.type).toBe('message');
    expect(card.attachments).toHaveLength(1);
    const { contentType, content } = card.attachments[0];
    expect(contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    const banner = content.body[0];
    expect(banner).toMatchObject({ type: 'Container', style: 'attention' });
    expect(banner.items[0]).toMatchObject({ color: 'Attention' });
    expect(banner.items[0].text).toContain('🔴 Incident');
    expect(banner.items[1].text).toBe('EX900001: Users can not send mail');
    const facts = Object.fromEntries(content.body[1].facts.map((f: { title: string; value: string }) => [f.title, f.value]));
    expect(facts).toMatchObject({ Tenant: 'Contoso HQ', Service: 'Exchange Online', Status: 'Investigating', Impact: 'Users may be unable to send mail.' });
    expect(content.body[2].text).toBe('We are investigating & reviewing logs.\n• Outlook <desktop>\n\nPing  now');
    expect(content.actions.map((a: { url: string }) => a.url)).toEqual(['https://admin.microsoft.com/#/servicehealth/:/alerts/EX900001', stack.server.config.publicUrl]);
  });

  it('Slack: text and Block Kit blocks, with markup escaped', async () => {
    await channel('slack', '/slack');
    await record('issue.updated', { latestPost: { createdDateTime: null, postType: 'regular', html: '<p>Tell &lt;!channel&gt; &amp; co</p>' } } as Partial<IssueSummary>);
    await run();
    const message = JSON.parse(at('/slack')[0]!.body);
    expect(message.text).toBe('🔴 Incident EX900001: Users can not send mail (updated, Contoso HQ)');
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '🔴 Incident · EX900001: Users can not send mail', emoji: true } });
    const fields = message.blocks.find((b: { fields?: unknown }) => b.fields).fields.map((f: { text: string }) => f.text);
    expect(fields).toContain('*Service*\nExchange Online');
    expect(fields).toContain('*Status*\nInvestigating');
    const post = message.blocks.find((b: { type: string; text?: { text: string } }) => b.type === 'section' && b.text);
    expect(post.text.text).toBe('Tell &lt;!channel&gt; &amp; co');
    const actions = message.blocks.find((b: { type: string }) => b.type === 'actions');
    expect(actions.elements.map((e: { url: string }) => e.url)).toEqual(['https://admin.microsoft.com/#/servicehealth/:/alerts/EX900001', stack.server.config.publicUrl]);
  });

  it("e-mail: one mail per event, plain text and sanitised HTML, threaded by the issue's id", async () => {
    await channel('email', 'oncall@example.com');
    const before = smtp.mails.length;
    const first = await record('issue.created');
    const second = await record('issue.updated', { status: 'serviceDegradation', latestPost: { createdDateTime: null, postType: 'regular', html: '<p>Fix is rolling out.<script>alert(1)</script><img src=x onerror=alert(2)></p>' } } as Partial<IssueSummary>);
    await run();
    const mails = smtp.mails.slice(before);
    expect(mails).toHaveLength(2);
    const byId = new Map(mails.map((m) => [header(m.raw, 'Message-ID'), m]));
    const thread = `<issue-EX900001-${tenantId}@o365-health>`;
    for (const [eventId, mail] of [[first, byId.get(`<${first}@o365-health>`)], [second, byId.get(`<${second}@o365-health>`)]] as const) {
      expect(mail, eventId).toBeDefined();
      expect(header(mail!.raw, 'In-Reply-To')).toBe(thread);
      expect(header(mail!.raw, 'References')).toBe(thread);
      expect(header(mail!.raw, 'Subject')).toContain('EX900001: Users can not send mail');
      expect(header(mail!.raw, 'Content-Type')).toMatch(/^multipart\/alternative/);
      expect(mail!.raw).toMatch(/Content-Type: text\/plain/);
      expect(mail!.raw).toMatch(/Content-Type: text\/html/);
      expect(mail!.to).toEqual(['oncall@example.com']);
    }
    const updated = decodeQuotedPrintable(byId.get(`<${second}@o365-health>`)!.raw);
    expect(updated).toContain('Fix is rolling out.');
    expect(updated).toContain('Status: Service degradation');
    expect(updated).not.toMatch(/<script|onerror|alert\(/);
    expect(updated).toContain('https://admin.microsoft.com/#/servicehealth/:/alerts/EX900001');
  });
});

/** A header of a raw message, unfolded, with RFC 2047 encoded words decoded. */
function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (!line) return undefined;
  return line
    .slice(name.length + 1)
    .trim()
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
      enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8') : Buffer.from(decodeQuotedPrintable(text.replace(/_/g, ' ')), 'latin1').toString('utf8'),
    );
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
