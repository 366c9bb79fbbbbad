/**
 * The control API under `/_simulator/` that tests, demos and scripts use to drive the simulated
 * cloud: tenants, app registrations, issues, service status, consent, faults, held requests,
 * request log. Input is validated with zod; errors are JSON `{ error: { code, message } }`.
 *
 * Cross-site safety: every `POST`, `PUT` and `PATCH` needs `Content-Type: application/json`
 * (`415 unsupported_media_type` otherwise, before anything changes), bodiless ones included
 * (send `{}` or nothing), and no route sends CORS headers (an `OPTIONS` preflight gets a 404
 * without `Access-Control-Allow-*`). So a web page a demo user visits cannot inject faults or
 * revoke consent: a cross-origin JSON POST needs a preflight, which fails, and the CORS-simple
 * content types (`text/plain`, forms) are refused. `DELETE` routes take no body and need no
 * content type: a cross-origin `DELETE` always needs a preflight, which fails the same way.
 *
 * Routes (besides those in DESIGN.md, "Simulator (contract)"):
 * - `POST /_simulator/tenants/:tenantId/issues` accepts an optional `id` (`^[A-Z]{2}\d{3,9}$`,
 *   e.g. `EX123456`) so one incident can reach several tenants; `409 conflict` if the tenant has it.
 * - `POST /_simulator/tenants/:tenantId/messages` (Graph `serviceUpdateMessage` fields: `title`,
 *   `services` (names), optional `id` (`MC123456`; 409 if the tenant has it), `category`, `severity`,
 *   `tags`, `isMajorChange`, `startDateTime`, `endDateTime`, `actionRequiredByDateTime`,
 *   `expiryDateTime`, `details`, `body: { contentType?, content }`) → `201 { id }`; it appears on
 *   `/messages` from `startDateTime` (default now) with `lastModifiedDateTime` now.
 * - `PATCH /_simulator/tenants/:tenantId/messages/:id` (`title`, `category`, `severity`, `tags`,
 *   `isMajorChange`, `endDateTime`, `actionRequiredByDateTime`, `details`, `body`, `markUpdated`)
 *   → `200 { id, lastModifiedDateTime }`: revises a post as Microsoft does — `lastModifiedDateTime`
 *   now, an "(Updated)" title and the `Updated message` tag (unless `markUpdated: false`).
 *   Generated posts also revise themselves as the clock passes (see `scenario.ts`).
 * - `DELETE /_simulator/tenants/:tenantId/messages/:id` → `204`: Graph stops returning the post.
 * - `DELETE /_simulator/tenants/:tenantId/issues/:id` → `204`: Graph stops returning the issue,
 *   as Microsoft does about 30 days after it ends.
 * - `POST /_simulator/tenants/:tenantId/faults` `{ kind: "hold" | "hang", count? }` (also
 *   `throttle`, `error`, `delay`, `expire-tokens`): see `holds.ts` for what waiting means. With
 *   `path` (e.g. `/v1.0/admin/serviceAnnouncement/messages`) a fault is taken only by Graph
 *   requests on that path, so one endpoint can fail while the others answer.
 * - `POST /_simulator/tenants/:tenantId/release` `{ count?, id? }` → `200 { released, held }`: ends
 *   the tenant's waiting requests, oldest first (all by default).
 * - `GET /_simulator/held?tenantId=&atLeast=N&timeoutMs=` → `{ held: [HeldRequest] }`; with
 *   `atLeast` the answer waits until that many wait (or `timeoutMs`, default 10 000, passes).
 * - `DELETE /_simulator/tenants/:tenantId/faults` also ends the tenant's waiting requests.
 */
import { z } from 'zod';
import { SERVICES } from './catalog.js';
import type { SimApp, SimContext, SimDeps } from './context.js';
import { RESOLVED_STATUSES, isoMillis, isoSeconds, normaliseStatus, type SimIssue, type SimTenant } from './scenario.js';
import { GRAPH_FAULT_KINDS, PERMISSIONS } from './state.js';

const url = z.string().refine((value) => {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}, 'must be an absolute URL');

/** A status: a Graph value (any case) or a new camelCase word, which passes through as given. */
const status = z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'must be a serviceHealthStatus value such as serviceDegradation').transform(normaliseStatus);
const classification = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]*$/, 'must be incident or advisory')
  .transform((v) => (['incident', 'advisory', 'unknownFutureValue'].find((k) => k.toLowerCase() === v.toLowerCase()) ?? v));
const postSchema = z.object({ html: z.string().min(1), postType: z.enum(['regular', 'quick', 'strategic']).optional() }).strict();
const dateTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date-time');

const appSchema = z
  .object({
    clientId: z.string().min(1).max(200),
    clientSecret: z.string().min(1).max(500),
    redirectUris: z.array(url).min(1),
    displayName: z.string().min(1).max(200).optional(),
    permissions: z.array(z.enum(PERMISSIONS)).optional(),
  })
  .strict();

const newIssueSchema = z
  .object({
    id: z.string().regex(/^[A-Z]{2}\d{3,9}$/, 'must look like EX123456').optional(),
    title: z.string().min(1),
    service: z.string().min(1),
    classification: classification.default('incident'),
    status: status.default('investigating'),
    origin: z.string().min(1).default('microsoft'),
    feature: z.string().optional(),
    featureGroup: z.string().optional(),
    impactDescription: z.string().optional(),
    isResolved: z.boolean().optional(),
    startDateTime: dateTime.optional(),
    highImpact: z.boolean().nullable().optional(),
    details: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
    post: postSchema.optional(),
  })
  .strict();

const patchIssueSchema = z
  .object({
    status: status.optional(),
    isResolved: z.boolean().optional(),
    title: z.string().min(1).optional(),
    impactDescription: z.string().min(1).optional(),
    classification: classification.optional(),
    post: postSchema.optional(),
  })
  .strict();

/** A Graph enum value: a known one in any case becomes its camelCase spelling; a new camelCase word passes through. */
const graphEnum = (known: readonly string[], what: string) =>
  z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]*$/, `must be ${what}`)
    .transform((v) => known.find((k) => k.toLowerCase() === v.toLowerCase()) ?? v);

const newMessageSchema = z
  .object({
    id: z.string().regex(/^MC\d{3,9}$/, 'must look like MC123456').optional(),
    title: z.string().min(1),
    category: graphEnum(['preventOrFixIssue', 'planForChange', 'stayInformed', 'unknownFutureValue'], 'preventOrFixIssue, planForChange or stayInformed').default('stayInformed'),
    severity: graphEnum(['normal', 'high', 'critical', 'unknownFutureValue'], 'normal, high or critical').default('normal'),
    tags: z.array(z.string().min(1)).default([]),
    isMajorChange: z.boolean().default(false),
    services: z.array(z.string().min(1)).min(1),
    startDateTime: dateTime.optional(),
    endDateTime: dateTime.nullable().optional(),
    actionRequiredByDateTime: dateTime.nullable().optional(),
    expiryDateTime: dateTime.nullable().optional(),
    details: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
    body: z.object({ contentType: z.enum(['html', 'text']).default('html'), content: z.string().min(1) }).strict().optional(),
  })
  .strict();

const patchMessageSchema = z
  .object({
    title: z.string().min(1).optional(),
    category: newMessageSchema.shape.category.removeDefault().optional(),
    severity: newMessageSchema.shape.severity.removeDefault().optional(),
    tags: z.array(z.string().min(1)).optional(),
    isMajorChange: z.boolean().optional(),
    endDateTime: dateTime.nullable().optional().transform((v) => (v ? isoSeconds(Date.parse(v)) : v)),
    actionRequiredByDateTime: dateTime.nullable().optional().transform((v) => (v ? isoSeconds(Date.parse(v)) : v)),
    details: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
    body: z.object({ contentType: z.enum(['html', 'text']).default('html'), content: z.string().min(1) }).strict().optional(),
    markUpdated: z.boolean().optional(),
  })
  .strict();

const serviceStatusSchema = z.object({ status: status.nullable() }).strict();
const revokeSchema = z.object({ clientId: z.string().min(1).optional() }).strict();
const consentSchema = z.object({ clientId: z.string().min(1) }).strict();

const faultSchema = z
  .object({
    kind: z.enum([...GRAPH_FAULT_KINDS, 'expire-tokens']),
    count: z.number().int().min(1).max(1_000_000).default(1),
    retryAfter: z.number().int().min(0).max(3600).default(1),
    status: z.number().int().min(400).max(599).default(500),
    delayMs: z.number().int().min(0).max(120_000).default(1000),
    path: z.string().regex(/^\/v1\.0\//, 'must be a Graph path such as /v1.0/admin/serviceAnnouncement/messages').optional(),
  })
  .strict();

const releaseSchema = z.object({ count: z.number().int().min(1).optional(), id: z.string().min(1).optional() }).strict();

type ErrorStatus = 400 | 404 | 409 | 415;

/** Whether a Content-Type header names JSON (`application/json`, any parameters). */
function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';')[0].trim().toLowerCase() === 'application/json';
}

function problem(c: SimContext, status: ErrorStatus, code: string, message: string) {
  return c.json({ error: { code, message } }, status);
}

/** Reads a JSON body and validates it; returns the data or an error response. */
async function body<T extends z.ZodType>(c: SimContext, schema: T, optional = false): Promise<{ data: z.output<T> } | { response: Response }> {
  let raw: unknown = {};
  const text = await c.req.text();
  if (text.trim()) {
    try {
      raw = JSON.parse(text);
    } catch {
      return { response: problem(c, 400, 'invalid_json', 'The request body is not valid JSON.') };
    }
  } else if (!optional) {
    return { response: problem(c, 400, 'invalid_request', 'A JSON request body is required.') };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    return { response: problem(c, 400, 'invalid_request', message) };
  }
  return { data: parsed.data };
}

/** Mounts `/_simulator/*`. */
export function mountControl(app: SimApp, deps: SimDeps): void {
  const { state, world, clock, waiting } = deps;

  // Before any route, so a refused request changes nothing.
  app.use('/_simulator/*', async (c, next) => {
    const method = c.req.method.toUpperCase();
    if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && !isJson(c.req.header('content-type'))) {
      return problem(c, 415, 'unsupported_media_type', `${method} ${new URL(c.req.url).pathname} needs Content-Type: application/json (send {} when there is nothing to say).`);
    }
    await next();
  });

  const tenantOr404 = (c: SimContext): SimTenant | Response => {
    const tenant = world.findTenant(c.req.param('tenantId') ?? '');
    return tenant ?? problem(c, 404, 'tenant_not_found', `No simulated tenant '${c.req.param('tenantId')}'.`);
  };

  app.get('/_simulator/tenants', (c) =>
    c.json({
      tenants: world.tenants.map((t) => ({
        tenantId: t.def.tenantId,
        domain: t.def.domain,
        displayName: t.def.displayName,
        admins: t.def.admins.map((a) => ({ ...a })),
        services: t.services.map((s) => ({ id: s.id, name: s.name })),
        consentedApps: [...(state.consents.get(t.def.tenantId)?.keys() ?? [])],
      })),
    }),
  );

  app.get('/_simulator/apps', (c) =>
    c.json({ apps: [...state.apps.values()].map(({ clientSecret: _secret, ...rest }) => rest) }),
  );

  app.post('/_simulator/apps', async (c) => {
    const parsed = await body(c, appSchema);
    if ('response' in parsed) return parsed.response;
    const registration = state.registerApp(parsed.data);
    return c.json({ clientId: registration.clientId, displayName: registration.displayName, redirectUris: registration.redirectUris, permissions: registration.permissions }, 201);
  });

  app.post('/_simulator/tenants/:tenantId/issues', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = await body(c, newIssueSchema);
    if ('response' in parsed) return parsed.response;
    const input = parsed.data;
    const service = tenant.services.find((s) => s.id.toLowerCase() === input.service.toLowerCase() || s.name.toLowerCase() === input.service.toLowerCase());
    if (!service) {
      const known = SERVICES.some((s) => s.id.toLowerCase() === input.service.toLowerCase() || s.name.toLowerCase() === input.service.toLowerCase());
      return problem(c, 400, 'invalid_request', known ? `service: tenant ${tenant.def.domain} is not subscribed to '${input.service}'.` : `service: unknown service '${input.service}'; use a Graph service id or name such as 'Exchange Online'.`);
    }
    if (input.id && tenant.issues.has(input.id)) return problem(c, 409, 'conflict', `Issue ${input.id} already exists in tenant ${tenant.def.domain}.`);
    const id = input.id ?? world.newIssueId(service.id);
    const now = clock.now();
    const [featureGroup, feature] = service.features[0];
    const impact = input.impactDescription ?? `Users may be affected by: ${input.title}.`;
    const issue: SimIssue = {
      id,
      serviceId: service.id,
      service: service.name,
      title: input.title,
      impact,
      impactPast: impact,
      classification: input.classification,
      origin: input.origin,
      feature: input.feature ?? feature,
      featureGroup: input.featureGroup ?? featureGroup,
      highImpact: input.highImpact ?? null,
      details: input.details ?? [],
      startAt: input.startDateTime ? Date.parse(input.startDateTime) : now,
      phases: [{ at: now, status: input.status, html: input.post?.html ?? null, postType: input.post?.postType }],
      resolvedOverride: input.isResolved,
    };
    world.addIssue(tenant, issue, input.id !== undefined);
    return c.json({ id }, 201);
  });

  app.post('/_simulator/tenants/:tenantId/messages', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = await body(c, newMessageSchema);
    if ('response' in parsed) return parsed.response;
    const input = parsed.data;
    const services: string[] = [];
    for (const name of input.services) {
      const service = tenant.services.find((s) => s.id.toLowerCase() === name.toLowerCase() || s.name.toLowerCase() === name.toLowerCase());
      if (!service) return problem(c, 400, 'invalid_request', `services: tenant ${tenant.def.domain} is not subscribed to '${name}'; use Graph service names such as 'Exchange Online'.`);
      services.push(service.name);
    }
    if (input.id && tenant.messages.some((m) => m.json.id === input.id)) return problem(c, 409, 'conflict', `Message ${input.id} already exists in tenant ${tenant.def.domain}.`);
    const now = clock.now();
    const startAt = input.startDateTime ? Date.parse(input.startDateTime) : now;
    const id = input.id ?? world.newMessageId();
    const at = (value: string | null | undefined) => (value ? isoSeconds(Date.parse(value)) : null);
    world.addMessage(tenant, {
      startAt,
      json: {
        startDateTime: isoSeconds(startAt),
        endDateTime: at(input.endDateTime),
        lastModifiedDateTime: isoMillis(Math.max(now, startAt)),
        title: input.title,
        id,
        category: input.category,
        severity: input.severity,
        tags: input.tags,
        isMajorChange: input.isMajorChange,
        actionRequiredByDateTime: at(input.actionRequiredByDateTime),
        services,
        expiryDateTime: at(input.expiryDateTime),
        details: input.details ?? [],
        body: input.body ?? { contentType: 'html', content: `<p>${input.title.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)}</p>` },
        viewPoint: null,
      },
    });
    return c.json({ id }, 201);
  });

  app.patch('/_simulator/tenants/:tenantId/messages/:id', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = await body(c, patchMessageSchema, true);
    if ('response' in parsed) return parsed.response;
    const change = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
    const updated = world.updateMessage(tenant, c.req.param('id'), clock.now(), change);
    if (!updated) return problem(c, 404, 'message_not_found', `No message '${c.req.param('id')}' in tenant ${tenant.def.domain}.`);
    return c.json({ id: updated.id, lastModifiedDateTime: updated.lastModifiedDateTime });
  });

  app.patch('/_simulator/tenants/:tenantId/issues/:id', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const id = c.req.param('id');
    const issue = [...tenant.issues.values()].find((i) => i.id.toLowerCase() === id.toLowerCase());
    const now = clock.now();
    if (!issue || !issue.phases.some((p) => p.at <= now)) return problem(c, 404, 'issue_not_found', `No issue '${id}' in tenant ${tenant.def.domain}.`);
    const parsed = await body(c, patchIssueSchema, true);
    if ('response' in parsed) return parsed.response;
    const input = parsed.data;
    // From now on the issue follows the control API, not its generated script.
    issue.phases = issue.phases.filter((p) => p.at <= now);
    const current = issue.phases[issue.phases.length - 1];
    const at = Math.max(now, current.at + 1);
    const nextStatus = input.status ?? current.status;
    if (input.title) issue.title = input.title;
    if (input.impactDescription) issue.impact = issue.impactPast = input.impactDescription;
    if (input.classification) issue.classification = input.classification;
    if (input.isResolved !== undefined) issue.resolvedOverride = input.isResolved;
    else if (input.status) issue.resolvedOverride = RESOLVED_STATUSES.has(nextStatus) ? true : undefined;
    issue.phases.push({ at, status: nextStatus, html: input.post?.html ?? null, postType: input.post?.postType });
    world.issueChanged(tenant, issue.id);
    return c.json({ id: issue.id, status: nextStatus, lastModifiedDateTime: new Date(at).toISOString() });
  });

  app.delete('/_simulator/tenants/:tenantId/messages/:id', (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const id = c.req.param('id');
    const visible = tenant.messages.some((m) => m.json.id.toLowerCase() === id.toLowerCase() && m.startAt <= clock.now());
    if (!visible || !world.deleteMessage(tenant, id)) return problem(c, 404, 'message_not_found', `No message '${id}' in tenant ${tenant.def.domain}.`);
    return c.body(null, 204);
  });

  app.delete('/_simulator/tenants/:tenantId/issues/:id', (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const id = c.req.param('id');
    const issue = [...tenant.issues.values()].find((i) => i.id.toLowerCase() === id.toLowerCase());
    if (!issue || !issue.phases.some((p) => p.at <= clock.now())) return problem(c, 404, 'issue_not_found', `No issue '${id}' in tenant ${tenant.def.domain}.`);
    world.deleteIssue(tenant, issue.id);
    return c.body(null, 204);
  });

  app.put('/_simulator/tenants/:tenantId/services/:serviceId', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const key = c.req.param('serviceId').toLowerCase();
    const service = tenant.services.find((s) => s.id.toLowerCase() === key || s.name.toLowerCase() === key);
    if (!service) return problem(c, 404, 'service_not_found', `No service '${c.req.param('serviceId')}' in tenant ${tenant.def.domain}.`);
    const parsed = await body(c, serviceStatusSchema);
    if ('response' in parsed) return parsed.response;
    world.setServiceStatus(tenant, service.id, parsed.data.status);
    const current = world.healthOf(tenant, clock.now()).find((h) => h.id === service.id);
    return c.json({ id: service.id, service: service.name, status: current?.status });
  });

  app.post('/_simulator/tenants/:tenantId/revoke-consent', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = await body(c, revokeSchema, true);
    if ('response' in parsed) return parsed.response;
    const revoked = state.revokeConsent(tenant.def.tenantId, parsed.data.clientId);
    return c.json({ tenantId: tenant.def.tenantId, revoked });
  });

  app.post('/_simulator/tenants/:tenantId/consent', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = await body(c, consentSchema);
    if ('response' in parsed) return parsed.response;
    if (!state.apps.has(parsed.data.clientId)) return problem(c, 404, 'app_not_found', `No app registration '${parsed.data.clientId}'.`);
    state.grantConsent(tenant.def.tenantId, parsed.data.clientId);
    return c.json({ tenantId: tenant.def.tenantId, clientId: parsed.data.clientId }, 201);
  });

  app.post('/_simulator/tenants/:tenantId/faults', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = await body(c, faultSchema);
    if ('response' in parsed) return parsed.response;
    const { kind, count, retryAfter, status: faultStatus, delayMs, path } = parsed.data;
    if (kind === 'expire-tokens') {
      state.expireTokens(tenant.def.tenantId);
      return c.json({ fault: { kind } }, 201);
    }
    const fault = { kind, remaining: count, retryAfter, status: faultStatus, delayMs, ...(path ? { path } : {}) };
    const list = state.faults.get(tenant.def.tenantId) ?? [];
    list.push(fault);
    state.faults.set(tenant.def.tenantId, list);
    return c.json({ fault: { kind, count, retryAfter, status: faultStatus, delayMs, ...(path ? { path } : {}) } }, 201);
  });

  app.get('/_simulator/tenants/:tenantId/faults', (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    return c.json({ faults: (state.faults.get(tenant.def.tenantId) ?? []).map((f) => ({ ...f })) });
  });

  app.delete('/_simulator/tenants/:tenantId/faults', (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    state.faults.delete(tenant.def.tenantId);
    waiting.release(tenant.def.tenantId);
    return c.body(null, 204);
  });

  app.post('/_simulator/tenants/:tenantId/release', async (c) => {
    const tenant = tenantOr404(c);
    if (tenant instanceof Response) return tenant;
    const parsed = await body(c, releaseSchema, true);
    if ('response' in parsed) return parsed.response;
    const released = waiting.release(tenant.def.tenantId, parsed.data);
    return c.json({ released, held: waiting.list(tenant.def.tenantId) });
  });

  app.get('/_simulator/held', async (c) => {
    const tenantId = c.req.query('tenantId');
    const tenant = tenantId ? world.findTenant(tenantId) : undefined;
    if (tenantId && !tenant) return problem(c, 404, 'tenant_not_found', `No simulated tenant '${tenantId}'.`);
    const atLeast = c.req.query('atLeast');
    const timeout = c.req.query('timeoutMs');
    if (atLeast !== undefined || timeout !== undefined) {
      const count = Number(atLeast ?? 1);
      const timeoutMs = Number(timeout ?? 10_000);
      if (!Number.isInteger(count) || count < 0 || count > 10_000) return problem(c, 400, 'invalid_request', 'atLeast: must be an integer from 0 to 10000.');
      if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 120_000) return problem(c, 400, 'invalid_request', 'timeoutMs: must be an integer from 0 to 120000.');
      await waiting.waitFor(count, tenant?.def.tenantId, timeoutMs, c.req.raw.signal);
    }
    return c.json({ held: waiting.list(tenant?.def.tenantId) });
  });

  app.get('/_simulator/requests', (c) => {
    const tenantId = c.req.query('tenantId');
    const tenant = tenantId ? world.findTenant(tenantId) : undefined;
    if (tenantId && !tenant) return problem(c, 404, 'tenant_not_found', `No simulated tenant '${tenantId}'.`);
    const requests = state.requests.filter((r) => !tenant || r.tenantId === tenant.def.tenantId);
    return c.json({ requests });
  });

  app.delete('/_simulator/requests', (c) => {
    state.requests.length = 0;
    return c.body(null, 204);
  });

  app.all('/_simulator/*', (c) => problem(c, 404, 'not_found', `No control endpoint ${c.req.method} ${new URL(c.req.url).pathname}.`));
}
