/**
 * The fake's notification channels and change-event stream (DESIGN.md, "Notification channels"
 * and "Change events"), beside fake-api.ts, which routes `/api/channels…` here ({@link channelRoute}).
 *
 * Channels: per world (so per session and key in the element tests, per scenario in Storybook),
 * seeded with three channels of the kinds the server knows (a world without tenants has none),
 * answered as server/routes/channels.ts does: admin keys only (403), the masked target, a
 * webhook's `whsec_…` secret once, 400 in the route's words (its zod schema's issues, the first
 * three, then a target that is not an https URL or an e-mail list that is not addresses, and a
 * filter naming a tenant the org cannot see); `PATCH` (enabling clears `lastError`), `DELETE` →
 * 204, an unknown channel → 404. test/widgets/integration/contract.test.ts compares these
 * answers with the real server's. A test send is delivered (HTTP 200, or no status for e-mail)
 * unless the channel's target is one that fails (the seeded Teams channel: HTTP 500), and lands
 * in the delivery log like the server's.
 *
 * Events ({@link fakeEvents}, test-api.mjs only: it needs the dev server's response): per
 * test session,
 *   GET  /test-api/<session>/api/events   Server-Sent Events, `retry:` then the events pushed
 *        (`Last-Event-ID` replays those after it); the key as every /api route (401), 500 for the
 *        `error` key, or the status set with `_events/mode`
 *   POST /test-api/<session>/_events        a ChangeEvent, or a list of them written at once as one
 *        sync's would be (id and occurredAt filled in when absent) → `{ id, ids, delivered }`:
 *        written to every open stream of the session
 *   POST /test-api/<session>/_events/close  ends every open stream (the client reconnects)
 *   POST /test-api/<session>/_events/mode   `{ status?, retry? }`: answer /api/events with that
 *        status (e.g. 404: a server without live updates), or send that `retry:`
 *   GET  /test-api/<session>/_events        → `{ open, connections: [{ key, lastEventId, open, status }] }`
 */
import type { ChangeEvent, Channel, ChannelFilters, ChannelResponse, ChannelsResponse, CreateChannelResponse, DeliveriesResponse, Delivery, TestDeliveryResponse } from '../../../widgets/api/types.js';
import type { FakeAnswer, FakeContext, FakeRequest, World } from './fake-api.js';

const CONTOSO = '4f2d5a86-3c1e-4b8f-9a57-0c6d3e1f2a10';

/** Ids of the seeded channels. */
export const CHANNEL_IDS = {
  webhook: '6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7',
  teams: '7a2d3c4b-5e6f-4071-9b82-a3c4d5e6f708',
  email: '8b3e4d5c-6f70-4182-8c93-b4d5e6f70819',
} as const;

interface FakeChannel extends Channel {
  /** The test send and deliveries to it fail with this status. */
  failsWith?: number;
  deliveries: Delivery[];
}

interface ChannelState {
  channels: FakeChannel[];
  next: number;
}

const KINDS = ['webhook', 'teams', 'slack', 'email'] as const;
const CLASSIFICATIONS = ['incident', 'advisory'];
const FILTER_EVENTS = ['issue.created', 'issue.updated', 'issue.resolved', 'service.status_changed', 'authorization.reauth_required'];

/** The three seeded channels: a webhook for incidents, a failing Teams workflow for Contoso's mail and chat, a disabled mailbox. */
function seed(): FakeChannel[] {
  return [
    {
      id: CHANNEL_IDS.webhook,
      kind: 'webhook',
      name: 'On-call paging webhook',
      target: 'https://events.pagerduty.example/…',
      filters: { classifications: ['incident'] },
      enabled: true,
      createdAt: '2024-04-30T08:00:00.000Z',
      lastDeliveryAt: '2024-05-02T09:12:00.000Z',
      lastError: null,
      deliveries: [
        { eventId: 'evt_9f2c61d0a4b3', type: 'issue.updated', attempts: 1, status: 'delivered', responseStatus: 200, error: null, lastAttemptAt: '2024-05-02T09:12:00.000Z' },
        { eventId: 'evt_1b7e03c5d9a8', type: 'issue.created', attempts: 2, status: 'delivered', responseStatus: 202, error: null, lastAttemptAt: '2024-05-02T08:31:00.000Z' },
      ],
    },
    {
      id: CHANNEL_IDS.teams,
      kind: 'teams',
      name: 'IT Ops on-call (Teams)',
      target: 'https://prod-12.westeurope.logic.azure.com/…',
      filters: { tenants: [CONTOSO], services: ['Exchange Online', 'Microsoft Teams'] },
      enabled: true,
      createdAt: '2024-05-01T10:00:00.000Z',
      lastDeliveryAt: '2024-05-01T16:40:00.000Z',
      lastError: 'The target answered HTTP 500 (attempt 3 of 8; next in 2 minutes).',
      failsWith: 500,
      deliveries: [
        { eventId: 'evt_4c8d2e7f1a90', type: 'issue.created', attempts: 3, status: 'pending', responseStatus: 500, error: 'The target answered HTTP 500.', lastAttemptAt: '2024-05-02T09:14:00.000Z' },
        { eventId: 'evt_7e1f9a3b2c64', type: 'service.status_changed', attempts: 1, status: 'delivered', responseStatus: 202, error: null, lastAttemptAt: '2024-05-01T16:40:00.000Z' },
      ],
    },
    {
      id: CHANNEL_IDS.email,
      kind: 'email',
      name: 'Service desk mailbox',
      target: 'servicedesk@northbridge.example, m365-admins@northbridge.example',
      filters: { events: ['issue.created', 'issue.resolved'] },
      enabled: false,
      createdAt: '2024-04-28T12:00:00.000Z',
      lastDeliveryAt: null,
      lastError: null,
      deliveries: [],
    },
  ];
}

const states = new WeakMap<World, ChannelState>();

/** The channels of a world, seeded on first use. */
function stateOf(w: World): ChannelState {
  let s = states.get(w);
  if (!s) states.set(w, (s = { channels: w.channels ? w.channels.map((c) => ({ ...c, deliveries: [] })) : w.tenants.length ? seed() : [], next: 1 }));
  return s;
}

const json = (status: number, body?: unknown): FakeAnswer => ({ status, headers: {}, body });
const fail = (status: number, code: string, message: string) => json(status, { error: { code, message } });
const invalid = (message: string) => fail(400, 'validation_failed', message);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

/** A channel as the API shows it (without the fake's own fields). */
const view = ({ failsWith: _f, deliveries: _d, ...c }: FakeChannel): Channel => c;

/** One zod issue as the server words it: its path (empty: the body itself) and message. */
type Issue = [path: string, message: string];

/** zod's words for keys a strict object does not know. */
const unrecognized = (keys: string[]) => `Unrecognized key${keys.length > 1 ? 's' : ''}: ${keys.map((k) => JSON.stringify(k)).join(', ')}`;

/** The server's `validation_failed` message of a body's issues (server/validation.ts: the first three). */
const bodyRefusal = (issues: Issue[]) => invalid(`Invalid ${issues.slice(0, 3).map(([path, m]) => (path ? `body field "${path}": ${m}` : `body field: ${m}`)).join('; ')}`);

const FILTER_LISTS: Record<string, { what: string; allowed?: readonly string[]; refusal?: string }> = {
  tenants: { what: 'tenant ids or labels' },
  services: { what: 'service names' },
  classifications: { what: 'classifications', allowed: CLASSIFICATIONS, refusal: 'must be "incident" or "advisory"' },
  events: { what: 'event types', allowed: FILTER_EVENTS, refusal: `must be one of ${FILTER_EVENTS.join(', ')}` },
};

/** The issues of a `name` as the route's schema finds them (required, 1–100 printable characters after trimming). */
function nameIssues(raw: unknown): Issue[] {
  if (typeof raw !== 'string') return [['name', 'name is required']];
  const name = raw.trim();
  const out: Issue[] = [];
  if (!name) out.push(['name', 'name must not be empty']);
  if (name.length > 100) out.push(['name', 'name must be at most 100 characters']);
  if (/\p{C}/u.test(name)) out.push(['name', 'name must contain printable characters only']);
  return out;
}

/** The issues of `filters` as the route's zod schema finds them (the shape; tenants are checked after). */
function filterIssues(raw: unknown): Issue[] {
  if (raw === undefined) return [];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return [['filters', 'filters must be an object']];
  const out: Issue[] = [];
  // In the schema's order of the keys, whatever the body's.
  for (const [key, list] of Object.entries(FILTER_LISTS)) {
    const value = (raw as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (!Array.isArray(value)) {
      out.push([`filters.${key}`, `must be a list of ${list.what}`]);
      continue;
    }
    value.forEach((v, i) => {
      const at = `filters.${key}.${i}`;
      if (list.allowed) {
        if (!list.allowed.includes(v)) out.push([at, list.refusal!]);
      } else if (typeof v !== 'string') out.push([at, `Invalid input: expected string, received ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}`]);
      else if (!v.trim()) out.push([at, key === 'services' ? 'a service name must not be empty' : 'Too small: expected string to have >=1 characters']);
      else if (v.trim().length > 100) out.push([at, 'Too big: expected string to have <=100 characters']);
    });
    if (value.length > 50) out.push([`filters.${key}`, `at most 50 ${list.what}`]);
  }
  const unknown = Object.keys(raw).filter((k) => !FILTER_LISTS[k]);
  if (unknown.length) out.push(['filters', unrecognized(unknown)]);
  return out;
}

/** Valid `filters` with tenants resolved as the core does (an id or a label, case-insensitive); a string is the refusal. */
function checkFilters(raw: unknown, w: World): ChannelFilters | string {
  if (raw === undefined) return {};
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(raw as Record<string, string[]>)) out[key] = value.map((v) => v.trim());
  if (out.tenants) {
    const ids: string[] = [];
    for (const ref of out.tenants) {
      const t = w.tenants.find((x) => x.tenantId === ref || x.label.toLowerCase() === ref.toLowerCase());
      if (!t) return `filters.tenants: ${JSON.stringify(ref)} is not a tenant this organisation can see.`;
      if (!ids.includes(t.tenantId)) ids.push(t.tenantId);
    }
    out.tenants = ids;
  }
  return out as ChannelFilters;
}

/** The masked target of a valid one, or the refusal. */
function checkTarget(kind: string, raw: string): { target: string } | string {
  if (kind === 'email') {
    const addresses = raw.split(',').map((a) => a.trim()).filter(Boolean);
    if (!addresses.length || addresses.length > 20 || !addresses.every((a) => EMAIL.test(a))) return 'target: an e-mail channel takes a comma-separated list of up to 20 e-mail addresses.';
    return { target: addresses.join(', ') };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'target: The target must be an absolute URL such as https://example.com/hook.';
  }
  if (url.protocol !== 'https:') return 'target: The target must be an https: URL (http: only with ALLOW_PRIVATE_TARGETS=true).';
  return { target: `${url.protocol}//${url.host}/…` };
}

/** `/api/channels…` as server/routes/channels.ts answers it, or undefined for any other path. */
export function channelRoute(req: FakeRequest, ctx: FakeContext): FakeAnswer | undefined {
  const { path, method } = req;
  if (path !== '/api/channels' && !path.startsWith('/api/channels/')) return undefined;
  if (typeof ctx.principal === 'string') return undefined; // 401s are fake-api.ts's
  if (ctx.principal.role !== 'admin') return fail(403, 'forbidden', 'This API key does not have the admin role.');
  const s = stateOf(ctx.world);
  const body = (req.body ?? {}) as Record<string, unknown>;

  if (path === '/api/channels' && method === 'GET') return json(200, { channels: s.channels.map(view) } satisfies ChannelsResponse);
  if (path === '/api/channels' && method === 'POST') {
    // The route's zod schema first (every field's issues, in its order), then the core's checks.
    const issues: Issue[] = [];
    if (!KINDS.includes(body.kind as never)) issues.push(['kind', `kind must be one of ${KINDS.join(', ')}`]);
    issues.push(...nameIssues(body.name));
    const rawTarget = typeof body.target === 'string' ? body.target.trim() : '';
    if (typeof body.target !== 'string') issues.push(['target', 'target is required']);
    else if (!rawTarget) issues.push(['target', 'target must not be empty']);
    else if (rawTarget.length > 2000) issues.push(['target', 'target is too long']);
    issues.push(...filterIssues(body.filters));
    if (issues.length) return bodyRefusal(issues);
    const name = String(body.name).trim();
    const filters = checkFilters(body.filters, ctx.world);
    if (typeof filters === 'string') return invalid(filters);
    const checked = checkTarget(String(body.kind), rawTarget);
    if (typeof checked === 'string') return invalid(checked);
    const n = s.next++;
    const channel: FakeChannel = {
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      kind: body.kind as FakeChannel['kind'],
      name,
      target: checked.target,
      filters,
      enabled: true,
      createdAt: ctx.now(),
      lastDeliveryAt: null,
      lastError: null,
      deliveries: [],
    };
    s.channels.push(channel);
    const secret = channel.kind === 'webhook' ? `whsec_ZmFrZS1zaWduaW5nLXNlY3JldC0${n}` : undefined;
    return json(201, { channel: view(channel), ...(secret ? { secret } : {}) } satisfies CreateChannelResponse);
  }

  const m = /^\/api\/channels\/([^/]+)(\/test|\/deliveries)?$/.exec(path);
  if (!m) return undefined;
  const id = decodeURIComponent(m[1]!);
  if (!UUID.test(id)) return invalid('Invalid path parameter "id": must be a channel id');
  const sub = m[2];
  // The body is validated before the channel is looked up, as the route's validators run first.
  if (!sub && method === 'PATCH') {
    const issues: Issue[] = [];
    if (body.name !== undefined) issues.push(...nameIssues(body.name));
    issues.push(...filterIssues(body.filters));
    if (body.enabled !== undefined && typeof body.enabled !== 'boolean') issues.push(['enabled', 'enabled must be true or false']);
    const unknown = Object.keys(body).filter((k) => !['name', 'filters', 'enabled'].includes(k));
    if (unknown.length) issues.push(['', unrecognized(unknown)]);
    if (body.name === undefined && body.filters === undefined && body.enabled === undefined) issues.push(['', 'give at least one of name, filters, enabled']);
    if (issues.length) return bodyRefusal(issues);
  }
  const limitRaw = sub === '/deliveries' && method === 'GET' ? req.query.get('limit') : null;
  if (limitRaw !== null) {
    const limit = limitRaw.trim() === '' ? 0 : Number(limitRaw);
    const problem = Number.isNaN(limit) ? 'Invalid input: expected number, received NaN' : !Number.isInteger(limit) ? 'Invalid input: expected int, received number' : limit < 1 ? 'Too small: expected number to be >=1' : limit > 200 ? 'Too big: expected number to be <=200' : '';
    if (problem) return invalid(`Invalid query parameter "limit": ${problem}`);
  }
  const channel = s.channels.find((c) => c.id === id);
  if (!channel) return fail(404, 'not_found', 'No such channel in this organisation.');

  if (!sub && method === 'PATCH') {
    const filters = body.filters === undefined ? undefined : checkFilters(body.filters, ctx.world);
    if (typeof filters === 'string') return invalid(filters);
    if (typeof body.name === 'string') channel.name = body.name.trim();
    if (filters) channel.filters = filters;
    if (typeof body.enabled === 'boolean') {
      channel.enabled = body.enabled;
      if (body.enabled) channel.lastError = null;
    }
    return json(200, { channel: view(channel) } satisfies ChannelResponse);
  }
  if (!sub && method === 'DELETE') {
    s.channels.splice(s.channels.indexOf(channel), 1);
    return json(204);
  }
  if (sub === '/test' && method === 'POST') {
    const now = ctx.now();
    const failed = channel.failsWith !== undefined;
    const delivery: TestDeliveryResponse['delivery'] = failed
      ? { status: 'failed', responseStatus: channel.failsWith!, error: `The target answered HTTP ${channel.failsWith}.` }
      : { status: 'delivered', responseStatus: channel.kind === 'email' ? null : 200, error: null };
    channel.deliveries.unshift({ eventId: `evt_test_${s.next++}`, type: 'test', attempts: 1, ...delivery, lastAttemptAt: now });
    if (!failed) channel.lastDeliveryAt = now;
    return json(200, { delivery } satisfies TestDeliveryResponse);
  }
  if (sub === '/deliveries' && method === 'GET') {
    return json(200, { deliveries: channel.deliveries.slice(0, limitRaw === null ? 50 : Number(limitRaw)) } satisfies DeliveriesResponse);
  }
  return fail(404, 'not_found', `No route for ${method} ${path}.`);
}

/** The part of a Node response the event stream writes to (`http.ServerResponse`). */
interface StreamResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): unknown;
  end(): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** The part of a Koa context {@link fakeEvents} uses. */
export interface EventsContext {
  method: string;
  get(header: string): string;
  req: AsyncIterable<unknown>;
  res: StreamResponse;
  respond?: boolean;
  status: number;
  body: unknown;
  set(name: string, value: string): void;
}

interface Connection {
  key: string | null;
  lastEventId: string | null;
  status: number;
  open: boolean;
  res?: StreamResponse;
}

interface Hub {
  connections: Connection[];
  events: ChangeEvent[];
  mode: { status?: number; retry?: number };
  next: number;
}

const hubs = new WeakMap<object, Hub>();

async function readJson(req: AsyncIterable<unknown>): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text ? JSON.parse(text) : {};
}

const frame = (e: ChangeEvent) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;

/**
 * The session's `GET /api/events` and its control routes (see the file's comment). `session` is
 * test-api.mjs's session object; `scenarioOf` its key → scenario table (a known key is valid,
 * `fail` answers 500).
 */
export async function fakeEvents(session: object, path: string, ctx: EventsContext, scenarioOf: (key: string) => { fail?: boolean } | undefined): Promise<void> {
  let hub = hubs.get(session);
  if (!hub) hubs.set(session, (hub = { connections: [], events: [], mode: {}, next: 1 }));
  const reply = (status: number, body: unknown) => {
    ctx.status = status;
    ctx.set('content-type', 'application/json');
    ctx.body = JSON.stringify(body);
  };
  if (path === '/_events' && ctx.method === 'GET') {
    return reply(200, { open: hub.connections.filter((c) => c.open).length, connections: hub.connections.map(({ res: _r, ...c }) => c) });
  }
  if (path === '/_events/mode' && ctx.method === 'POST') {
    hub.mode = (await readJson(ctx.req)) as Hub['mode'];
    return reply(200, hub.mode);
  }
  if (path === '/_events/close' && ctx.method === 'POST') {
    const open = hub.connections.filter((c) => c.open);
    for (const c of open) c.res!.end();
    return reply(200, { closed: open.length });
  }
  if (path === '/_events' && ctx.method === 'POST') {
    const body = (await readJson(ctx.req)) as Partial<ChangeEvent> | Partial<ChangeEvent>[];
    const events = (Array.isArray(body) ? body : [body]).map((e) => ({ ...e, id: e.id ?? `evt_fake_${hub.next++}`, occurredAt: e.occurredAt ?? new Date().toISOString() }) as ChangeEvent);
    hub.events.push(...events);
    const open = hub.connections.filter((c) => c.open);
    for (const c of open) c.res!.write(events.map(frame).join(''));
    return reply(200, { id: events.at(-1)!.id, ids: events.map((e) => e.id), delivered: open.length });
  }
  if (path !== '/api/events') return reply(404, { error: { code: 'not_found', message: `No route for ${ctx.method} ${path}.` } });

  const key = /^Bearer[ ]+(\S+)\s*$/i.exec(ctx.get('authorization'))?.[1] ?? null;
  const scenario = key ? scenarioOf(key) : undefined;
  const lastEventId = ctx.get('last-event-id') || null;
  const status = !scenario ? 401 : scenario.fail ? 500 : (hub.mode.status ?? 200);
  const connection: Connection = { key, lastEventId, status, open: false };
  hub.connections.push(connection);
  if (status !== 200) {
    const messages: Record<number, [string, string]> = {
      401: ['unauthorized', 'This API key is not valid or has been revoked.'],
      404: ['not_found', `No route for GET ${path}.`],
      500: ['internal_error', 'Something went wrong on the server. The error has been logged.'],
    };
    const [code, message] = messages[status] ?? ['http_error', `HTTP ${status}`];
    return reply(status, { error: { code, message } });
  }
  // Written straight to the socket: no middleware may buffer a stream that never ends.
  ctx.respond = false;
  const res = ctx.res;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  Object.assign(connection, { open: true, res });
  res.once('close', () => (connection.open = false));
  const after = lastEventId ? hub.events.findIndex((e) => e.id === lastEventId) : -1;
  res.write(`retry: ${hub.mode.retry ?? 3000}\n: fake o365-health events\n\n${hub.events.slice(after + 1).filter(() => after >= 0).map(frame).join('')}`);
}
