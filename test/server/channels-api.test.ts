/**
 * `/api/channels` against the real server: admin only, per org, validation in the JSON error
 * shape, targets masked in answers and sealed at rest, the signing secret shown once, filters
 * checked against the tenants the org sees, test sends to real receivers (webhook verified with
 * the `standardwebhooks` package, Teams, Slack, e-mail through a real SMTP server) and the log.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from '../support/receivers.js';
import { startStack, type Stack } from '../support/stack.js';

interface Channel {
  id: string;
  kind: string;
  name: string;
  target: string;
  filters: Record<string, string[]>;
  enabled: boolean;
  createdAt: string;
  lastDeliveryAt: string | null;
  lastError: string | null;
}

let stack: Stack;
let receiver: HttpReceiver;
let smtp: SmtpReceiver;
let admin: string;
let viewer: string;
let otherAdmin: string;
let tenantId: string;

beforeAll(async () => {
  receiver = await startHttpReceiver();
  smtp = await startSmtpReceiver();
  stack = await startStack({ env: { ALLOW_PRIVATE_TARGETS: 'true', SMTP_URL: smtp.url, SMTP_FROM: 'o365-health <alerts@example.com>' } });
  admin = stack.key('channels-org', 'admin');
  viewer = stack.key('channels-org', 'viewer');
  otherAdmin = stack.key('other-org', 'admin');
  await stack.authorize(admin, 0, { label: 'Contoso HQ' });
  tenantId = stack.simulator.tenants[0]!.tenantId;
});
afterAll(async () => {
  await stack.close();
  await receiver.close();
  await smtp.close();
});

async function create(json: unknown, key = admin) {
  return stack.api(key, '/api/channels', { method: 'POST', json });
}

async function createOk(json: { kind: string; name: string; target: string; filters?: unknown }): Promise<{ channel: Channel; secret?: string }> {
  const res = await create(json);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { channel: Channel; secret?: string };
}

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

describe('access', () => {
  it('is for admin keys: a viewer gets 403, no key 401', async () => {
    expect((await stack.api(viewer, '/api/channels')).status).toBe(403);
    const res = await create({ kind: 'webhook', name: 'x', target: `${receiver.url}/x` }, viewer);
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('forbidden');
    expect((await stack.api(null, '/api/channels')).status).toBe(401);
  });

  it("answers 404 for another org's channel, whatever the method", async () => {
    const { channel } = await createOk({ kind: 'slack', name: 'Ours', target: `${receiver.url}/ours` });
    const before = receiver.requests.length;
    expect((await stack.api(otherAdmin, `/api/channels/${channel.id}`, { method: 'PATCH', json: { enabled: false } })).status).toBe(404);
    expect((await stack.api(otherAdmin, `/api/channels/${channel.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await stack.api(otherAdmin, `/api/channels/${channel.id}/test`, { method: 'POST' })).status).toBe(404);
    const log = await stack.api(otherAdmin, `/api/channels/${channel.id}/deliveries`);
    expect(log.status).toBe(404);
    expect((await errorOf(log)).code).toBe('not_found');
    const theirs = (await (await stack.api(otherAdmin, '/api/channels')).json()) as { channels: Channel[] };
    expect(theirs.channels).toEqual([]);
    expect(receiver.requests.length).toBe(before);
    const ours = (await (await stack.api(admin, '/api/channels')).json()) as { channels: Channel[] };
    expect(ours.channels.find((c) => c.id === channel.id)?.enabled).toBe(true);
  });
});

describe('validation', () => {
  it.each([
    [{ kind: 'pager', name: 'x', target: 'https://example.com/' }, /kind must be one of webhook, teams, slack, email/],
    [{ kind: 'webhook', target: 'https://example.com/' }, /name is required/],
    // Only that it is empty (not also that its characters are not printable).
    [{ kind: 'webhook', name: '  ', target: 'https://example.com/' }, /^Invalid body field "name": name must not be empty$/],
    [{ kind: 'webhook', name: 'Ops\u0007', target: 'https://example.com/' }, /^Invalid body field "name": name must contain printable characters only$/],
    [{ kind: 'webhook', name: 'x' }, /target is required/],
    [{ kind: 'webhook', name: 'x', target: 'example.com/hook' }, /target: The target must be an absolute URL/],
    [{ kind: 'webhook', name: 'x', target: 'ftp://example.com/' }, /target: The target must be an http: or https: URL/],
    [{ kind: 'email', name: 'x', target: 'oncall@example.com, not-an-address' }, /comma-separated list of up to 20 e-mail addresses/],
    [{ kind: 'webhook', name: 'x', target: 'https://example.com/', filters: { classifications: ['outage'] } }, /filters.classifications.0.*"incident" or "advisory"/],
    [{ kind: 'webhook', name: 'x', target: 'https://example.com/', filters: { events: ['test'] } }, /filters.events.0.*issue.created/],
    [{ kind: 'webhook', name: 'x', target: 'https://example.com/', filters: { colours: ['red'] } }, /colours/],
    [{ kind: 'webhook', name: 'x', target: 'https://example.com/', filters: { tenants: ['no-such-tenant'] } }, /"no-such-tenant" is not a tenant this organisation can see/],
  ])('refuses %j', async (body, message) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('validation_failed');
    expect(error.message).toMatch(message);
  });

  it('refuses a body that is not JSON, and a PATCH that changes nothing', async () => {
    const res = await stack.api(admin, '/api/channels', { method: 'POST', body: 'kind=webhook', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    const { channel } = await createOk({ kind: 'slack', name: 'Patch me', target: `${receiver.url}/p` });
    const patch = await stack.api(admin, `/api/channels/${channel.id}`, { method: 'PATCH', json: {} });
    expect(patch.status).toBe(400);
    expect((await errorOf(patch)).message).toMatch(/at least one of name, filters, enabled/);
    expect((await stack.api(admin, '/api/channels/not-a-uuid', { method: 'DELETE' })).status).toBe(400);
  });
});

describe('channels', () => {
  it('creates a webhook: the secret once, the target masked in every answer and sealed at rest', async () => {
    const target = `${receiver.url}/hooks/T0123/secret-path-token?sig=abc`;
    const { channel, secret } = await createOk({ kind: 'webhook', name: 'Ops webhook', target, filters: { classifications: ['incident'] } });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(channel).toMatchObject({ kind: 'webhook', name: 'Ops webhook', target: `${receiver.url}/…`, filters: { classifications: ['incident'] }, enabled: true, lastDeliveryAt: null, lastError: null });
    const listed = (await (await stack.api(admin, '/api/channels')).json()) as { channels: Array<Channel & { secret?: string }> };
    const again = listed.channels.find((c) => c.id === channel.id)!;
    expect(again.target).toBe(`${receiver.url}/…`);
    expect(JSON.stringify(listed)).not.toContain('secret-path-token');
    expect(JSON.stringify(listed)).not.toContain(secret!.slice(6));
    const row = await stack.row('channels', { id: channel.id });
    expect(row.target).not.toContain('secret-path-token');
    expect(row.target).toMatch(/^v1\./);
    expect(row.secret).not.toContain(secret!.slice(6));
  });

  it('shows e-mail targets as their addresses, and gives no secret to other kinds', async () => {
    const { channel, secret } = await createOk({ kind: 'email', name: 'On call', target: ' oncall@example.com,  lead@example.com ' });
    expect(channel.target).toBe('oncall@example.com, lead@example.com');
    expect(secret).toBeUndefined();
  });

  it('takes tenants by id or by label and keeps their ids', async () => {
    const { channel } = await createOk({ kind: 'slack', name: 'Contoso only', target: `${receiver.url}/s`, filters: { tenants: ['contoso hq'], services: ['Exchange Online'] } });
    expect(channel.filters).toEqual({ tenants: [tenantId], services: ['Exchange Online'] });
  });

  it('renames, refilters, disables and deletes', async () => {
    const { channel } = await createOk({ kind: 'teams', name: 'Teams', target: `${receiver.url}/t` });
    const patched = await stack.api(admin, `/api/channels/${channel.id}`, { method: 'PATCH', json: { name: 'Teams on call', filters: { events: ['issue.created'] }, enabled: false } });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { channel: Channel }).channel).toMatchObject({ name: 'Teams on call', filters: { events: ['issue.created'] }, enabled: false });
    expect((await stack.api(admin, `/api/channels/${channel.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await stack.api(admin, `/api/channels/${channel.id}`, { method: 'DELETE' })).status).toBe(404);
    const listed = (await (await stack.api(admin, '/api/channels')).json()) as { channels: Channel[] };
    expect(listed.channels.some((c) => c.id === channel.id)).toBe(false);
  });

  it('allows PATCH from an allowed origin (CORS preflight)', async () => {
    const origin = stack.server.config.allowedOrigins[0]!;
    const res = await stack.api(null, '/api/channels/x', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PATCH' } });
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH');
  });
});

describe('test sends', () => {
  it('signs a webhook per Standard Webhooks, verified by the standardwebhooks package', async () => {
    const { channel, secret } = await createOk({ kind: 'webhook', name: 'Signed', target: `${receiver.url}/signed` });
    receiver.answer(() => ({ status: 200, body: 'ok' }));
    const res = await stack.api(admin, `/api/channels/${channel.id}/test`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ delivery: { status: 'delivered', responseStatus: 200, error: null } });
    const got = receiver.requests.at(-1)!;
    expect(got.path).toBe('/signed');
    expect(got.headers['content-type']).toBe('application/json');
    const headers = { 'webhook-id': String(got.headers['webhook-id']), 'webhook-timestamp': String(got.headers['webhook-timestamp']), 'webhook-signature': String(got.headers['webhook-signature']) };
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const event = new Webhook(secret!).verify(got.body, headers) as { id: string; type: string; tenant: { tenantId: string; label: string | null } };
    expect(event).toMatchObject({ id: headers['webhook-id'], type: 'test', tenant: { tenantId, label: 'Contoso HQ' } });
    // The signature covers the body and the id: another secret, another body or another id fail.
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(got.body, headers)).toThrow();
    expect(() => new Webhook(secret!).verify(got.body.replace('"test"', '"issue.created"'), headers)).toThrow();
    expect(() => new Webhook(secret!).verify(got.body, { ...headers, 'webhook-id': 'evt_other' })).toThrow();

    const log = (await (await stack.api(admin, `/api/channels/${channel.id}/deliveries`)).json()) as { deliveries: unknown[] };
    expect(log.deliveries).toEqual([{ eventId: event.id, type: 'test', attempts: 1, status: 'delivered', responseStatus: 200, error: null, lastAttemptAt: expect.any(String) }]);
    const listed = (await (await stack.api(admin, '/api/channels')).json()) as { channels: Channel[] };
    expect(listed.channels.find((c) => c.id === channel.id)?.lastDeliveryAt).not.toBeNull();
  });

  it('reports a failing target with its status and a short excerpt, in the answer, the log and the channel', async () => {
    const { channel } = await createOk({ kind: 'slack', name: 'Broken', target: `${receiver.url}/broken` });
    receiver.answer(() => ({ status: 404, body: `no_such_hook ${'x'.repeat(5000)}` }));
    const res = (await (await stack.api(admin, `/api/channels/${channel.id}/test`, { method: 'POST' })).json()) as { delivery: { status: string; responseStatus: number; error: string } };
    expect(res.delivery.status).toBe('failed');
    expect(res.delivery.responseStatus).toBe(404);
    expect(res.delivery.error).toMatch(/^HTTP 404: no_such_hook x+/);
    expect(res.delivery.error.length).toBeLessThan(300);
    const log = (await (await stack.api(admin, `/api/channels/${channel.id}/deliveries?limit=1`)).json()) as { deliveries: Array<{ status: string; error: string }> };
    expect(log.deliveries).toHaveLength(1);
    expect(log.deliveries[0]).toMatchObject({ status: 'failed', error: res.delivery.error });
    const listed = (await (await stack.api(admin, '/api/channels')).json()) as { channels: Channel[] };
    expect(listed.channels.find((c) => c.id === channel.id)?.lastError).toBe(res.delivery.error);
    receiver.answer(() => ({ status: 200 }));
  });

  it('reports a redirect as a failure and does not follow it', async () => {
    const { channel } = await createOk({ kind: 'teams', name: 'Moved', target: `${receiver.url}/moved` });
    receiver.answer((req) => (req.path === '/moved' ? { status: 301, headers: { location: `${receiver.url}/new-home` } } : { status: 200 }));
    const before = receiver.requests.length;
    const res = (await (await stack.api(admin, `/api/channels/${channel.id}/test`, { method: 'POST' })).json()) as { delivery: { status: string; responseStatus: number; error: string } };
    expect(res.delivery).toMatchObject({ status: 'failed', responseStatus: 301 });
    expect(res.delivery.error).toMatch(/redirect not followed/);
    expect(receiver.requests.slice(before).map((r) => r.path)).toEqual(['/moved']);
    receiver.answer(() => ({ status: 200 }));
  });

  it('sends a Teams Adaptive Card and a Slack Block Kit message', async () => {
    const teams = (await createOk({ kind: 'teams', name: 'Teams', target: `${receiver.url}/teams` })).channel;
    const slack = (await createOk({ kind: 'slack', name: 'Slack', target: `${receiver.url}/slack` })).channel;
    for (const c of [teams, slack]) expect(((await (await stack.api(admin, `/api/channels/${c.id}/test`, { method: 'POST' })).json()) as { delivery: { status: string } }).delivery.status).toBe('delivered');
    const card = JSON.parse(receiver.requests.filter((r) => r.path === '/teams').at(-1)!.body);
    expect(card.type).toBe('message');
    expect(card.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.attachments[0].content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(JSON.stringify(card)).toContain('🔔 Test');
    const message = JSON.parse(receiver.requests.filter((r) => r.path === '/slack').at(-1)!.body);
    expect(message.text).toContain('🔔 Test');
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
  });

  it('mails a test through SMTP_URL from SMTP_FROM to every address', async () => {
    const { channel } = await createOk({ kind: 'email', name: 'Mail', target: 'oncall@example.com,lead@example.com' });
    const before = smtp.mails.length;
    const res = (await (await stack.api(admin, `/api/channels/${channel.id}/test`, { method: 'POST' })).json()) as { delivery: { status: string; responseStatus: number } };
    expect(res.delivery).toMatchObject({ status: 'delivered', responseStatus: 250 });
    expect(smtp.mails.length).toBe(before + 1);
    const mail = smtp.mails.at(-1)!;
    expect(mail.from).toBe('alerts@example.com');
    expect(mail.to).toEqual(['oncall@example.com', 'lead@example.com']);
  });
});
