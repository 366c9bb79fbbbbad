/**
 * The simulated Microsoft Graph: `/v1.0/admin/serviceAnnouncement/*` and `/v1.0/organization`,
 * with bearer-token checks, OData query options, paging and injected faults.
 * API reference: https://learn.microsoft.com/graph/api/resources/service-communications-api-overview
 */
import { randomUUID } from 'node:crypto';
import { originOf, type SimApp, type SimContext, type SimDeps } from './context.js';
import { graphError } from './errors.js';
import { DEFAULT_PAGE_SIZE, ODataError, intOption, paginate, parseFilter, preferredPageSize, type FieldKind } from './odata.js';
import type { SimTenant } from './scenario.js';
import type { Permission } from './state.js';
import type { AccessTokenClaims } from './tokens.js';

const ISSUE_FIELDS: Record<string, FieldKind> = {
  lastModifiedDateTime: 'datetime',
  startDateTime: 'datetime',
  endDateTime: 'datetime',
  service: 'string',
  classification: 'string',
  status: 'string',
  origin: 'string',
  id: 'string',
  title: 'string',
  feature: 'string',
  featureGroup: 'string',
  isResolved: 'boolean',
};

const MESSAGE_FIELDS: Record<string, FieldKind> = {
  lastModifiedDateTime: 'datetime',
  startDateTime: 'datetime',
  endDateTime: 'datetime',
  actionRequiredByDateTime: 'datetime',
  category: 'string',
  severity: 'string',
  id: 'string',
  title: 'string',
  isMajorChange: 'boolean',
};

const HEALTH_FIELDS: Record<string, FieldKind> = { service: 'string', status: 'string', id: 'string' };

/** A matched Graph resource. */
type Route =
  | { kind: 'healthList' }
  | { kind: 'health'; name: string }
  | { kind: 'issueList' }
  | { kind: 'issue'; id: string }
  | { kind: 'messageList' }
  | { kind: 'message'; id: string }
  | { kind: 'organizationList' }
  | { kind: 'organization'; id: string };

const PERMISSION_OF: Record<Route['kind'], Permission | null> = {
  healthList: 'ServiceHealth.Read.All',
  health: 'ServiceHealth.Read.All',
  issueList: 'ServiceHealth.Read.All',
  issue: 'ServiceHealth.Read.All',
  messageList: 'ServiceMessage.Read.All',
  message: 'ServiceMessage.Read.All',
  organizationList: null,
  organization: null,
};

/** Matches a path below `/v1.0` (segment names are case-insensitive in Graph). */
function matchRoute(segments: string[]): Route | { unknownSegment: string } {
  const lower = segments.map((s) => s.toLowerCase());
  if (lower[0] === 'organization') {
    if (segments.length === 1) return { kind: 'organizationList' };
    if (segments.length === 2) return { kind: 'organization', id: segments[1] };
    return { unknownSegment: segments[2] };
  }
  if (lower[0] !== 'admin') return { unknownSegment: segments[0] ?? '' };
  if (lower[1] !== 'serviceannouncement') return { unknownSegment: segments[1] ?? '' };
  const [, , collection, key, ...rest] = lower;
  if (rest.length) return { unknownSegment: segments[4] };
  const keyOriginal = segments[3];
  switch (collection) {
    case 'healthoverviews':
      return key === undefined ? { kind: 'healthList' } : { kind: 'health', name: keyOriginal };
    case 'issues':
      return key === undefined ? { kind: 'issueList' } : { kind: 'issue', id: keyOriginal };
    case 'messages':
      return key === undefined ? { kind: 'messageList' } : { kind: 'message', id: keyOriginal };
    default:
      return { unknownSegment: segments[2] ?? 'serviceAnnouncement' };
  }
}

const ERROR_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** The `/v1.0/organization` entity of a tenant, shaped like Graph's. */
function organizationOf(tenant: SimTenant): Record<string, unknown> {
  const d = tenant.def;
  return {
    id: d.tenantId,
    deletedDateTime: null,
    businessPhones: ['425-555-0100'],
    city: d.city,
    country: null,
    countryLetterCode: d.countryLetterCode,
    createdDateTime: d.createdDateTime,
    defaultUsageLocation: d.countryLetterCode,
    displayName: d.displayName,
    isMultipleDataLocationsForServicesEnabled: null,
    marketingNotificationEmails: [],
    onPremisesLastSyncDateTime: null,
    onPremisesSyncEnabled: null,
    partnerTenantType: null,
    postalCode: null,
    preferredLanguage: 'en',
    securityComplianceNotificationMails: [],
    securityComplianceNotificationPhones: [],
    state: null,
    street: null,
    technicalNotificationMails: [d.admins[0].upn],
    tenantType: 'AAD',
    directorySizeQuota: { used: 1200 + d.admins.length * 37, total: 300000 },
    assignedPlans: [
      { assignedDateTime: d.createdDateTime, capabilityStatus: 'Enabled', service: 'exchange', servicePlanId: 'efb87545-963c-4e0d-99df-69c6916d9eb0' },
      { assignedDateTime: d.createdDateTime, capabilityStatus: 'Enabled', service: 'TeamspaceAPI', servicePlanId: '57ff2da0-773e-42df-b2af-ffb7a2317929' },
      { assignedDateTime: d.createdDateTime, capabilityStatus: 'Enabled', service: 'SharePoint', servicePlanId: '5dbe027f-2339-4123-9542-606e4d348a72' },
    ],
    privacyProfile: { contactEmail: '', statementUrl: '' },
    provisionedPlans: [
      { capabilityStatus: 'Enabled', provisioningStatus: 'Success', service: 'exchange' },
      { capabilityStatus: 'Enabled', provisioningStatus: 'Success', service: 'SharePoint' },
    ],
    verifiedDomains: [
      { capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: false, name: d.domain, type: 'Managed' },
      { capabilities: 'Email, OfficeCommunicationsOnline', isDefault: false, isInitial: true, name: d.initialDomain, type: 'Managed' },
    ],
  };
}

/** Mounts the Graph routes on the app. */
export function mountGraph(app: SimApp, deps: SimDeps): void {
  const { state, world, signer, clock, waiting } = deps;

  const handler = async (c: SimContext) => {
    const meta = c.get('meta');
    meta.logged = true;
    const requestId = randomUUID();
    const clientRequestId = c.req.header('client-request-id') ?? requestId;
    c.header('request-id', requestId);
    c.header('client-request-id', clientRequestId);
    const fail = (status: number, message: string, code = ERROR_CODES[status] ?? 'UnknownError') =>
      c.json(graphError(code, message, clock.now(), requestId, clientRequestId), status as 400);

    const url = new URL(c.req.url);
    const rawSegments = url.pathname.split('/').filter(Boolean).slice(1);
    let segments: string[];
    try {
      segments = rawSegments.map((s) => decodeURIComponent(s));
    } catch {
      return fail(400, 'The request URI is not valid.');
    }
    const route = matchRoute(segments);
    if ('unknownSegment' in route) return fail(404, `Resource not found for the segment '${route.unknownSegment}'.`);
    const method = c.req.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      c.header('Allow', 'GET');
      return fail(405, `The HTTP method '${method}' is not allowed for this resource.`, 'MethodNotAllowed');
    }

    // Bearer token: signature, audience, expiry by the simulator clock, tenant generation.
    const authz = c.req.header('authorization') ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(authz)?.[1]?.trim();
    const challenge = () =>
      c.header('WWW-Authenticate', `Bearer realm="", authorization_uri="${originOf(c)}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`);
    if (!bearer) {
      challenge();
      return fail(401, 'Access token is empty.');
    }
    const now = clock.now();
    const check = await signer.verifyAccessToken(bearer, now);
    if (!check.ok) {
      challenge();
      if (check.reason === 'expired') return fail(401, 'Access token has expired or is not yet valid.');
      if (check.reason === 'audience') return fail(401, 'Access token validation failure. Invalid audience.');
      return fail(401, 'Access token validation failure. The token is malformed or its signature is not valid.');
    }
    const claims: AccessTokenClaims = check.claims;
    const tenant = world.findTenant(claims.tid);
    if (!tenant) {
      challenge();
      return fail(401, 'Access token validation failure. The tenant of the token is unknown.');
    }
    meta.tenantId = tenant.def.tenantId;
    if ((claims.sim_gen ?? 0) < state.tokenGeneration(tenant.def.tenantId)) {
      challenge();
      return fail(401, 'Access token has expired or is not yet valid.');
    }
    const needed = PERMISSION_OF[route.kind];
    if (needed) {
      const granted = [...(claims.scp?.split(' ') ?? []), ...(claims.roles ?? [])];
      if (!granted.includes(needed)) {
        return fail(403, `Missing ${claims.scp !== undefined ? 'scope' : 'role'} permissions on the request. API requires one of '${needed}'. ${claims.scp !== undefined ? 'Scopes' : 'Roles'} on the request '${granted.join(',')}'.`);
      }
    }

    // Injected faults (control API), one use per Graph request.
    const fault = state.takeFault(tenant.def.tenantId, url.pathname);
    if (fault?.kind === 'throttle') {
      c.header('Retry-After', String(fault.retryAfter));
      return fail(429, 'Too many requests. Please retry after the time given in the Retry-After header.');
    }
    if (fault?.kind === 'error') return fail(fault.status, fault.status >= 500 ? 'An internal server error occurred. Please retry the request.' : 'The request failed (injected by the simulator).');
    if (fault?.kind === 'delay' || fault?.kind === 'hold' || fault?.kind === 'hang') {
      const outcome = await waiting.wait(
        { kind: fault.kind, tenantId: tenant.def.tenantId, method, path: url.pathname, query: url.search, at: new Date(now).toISOString(), ...(fault.kind === 'delay' ? { delayMs: fault.delayMs } : {}) },
        c.req.raw.signal,
      );
      if (outcome === 'drop') {
        // No answer at all: the client sees its connection closed (or has already given up).
        meta.unanswered = true;
        c.env?.incoming?.socket?.destroy();
        return fail(503, 'The connection was closed without an answer (injected by the simulator).');
      }
    }

    try {
      return serve(c, route, tenant, url, clock.now(), (message) => fail(404, message));
    } catch (error) {
      if (error instanceof ODataError) return fail(400, error.message);
      throw error;
    }
  };

  const serve = (c: SimContext, route: Route, tenant: SimTenant, url: URL, now: number, notFound: (message: string) => Response) => {
    const origin = originOf(c);
    const metadata = `${origin}/v1.0/$metadata#`;
    const q = (name: string) => url.searchParams.get(name) ?? url.searchParams.get(name.slice(1)) ?? undefined;
    const expand = q('$expand');
    const collection = <T extends object>(items: T[], fields: Record<string, FieldKind>, context: string) => {
      const filter = q('$filter');
      let filtered = items;
      if (filter !== undefined) {
        const predicate = parseFilter(filter, fields);
        filtered = items.filter((item) => predicate(item as Record<string, unknown>));
      }
      const preferred = preferredPageSize(c.req.header('prefer'));
      if (preferred !== null) c.header('Preference-Applied', `odata.maxpagesize=${preferred}`);
      const { page, nextLink } = paginate(filtered, url, {
        top: intOption('$top', q('$top')),
        skip: intOption('$skip', q('$skip')),
        pageSize: preferred ?? DEFAULT_PAGE_SIZE,
      });
      const body: Record<string, unknown> = { '@odata.context': `${metadata}${context}` };
      if (nextLink) body['@odata.nextLink'] = nextLink.replace(url.origin, origin);
      body.value = page;
      return c.json(body);
    };

    if (expand !== undefined && expand.toLowerCase() !== 'issues') {
      throw new ODataError(`Parsing OData Select and Expand failed: Could not find a property named '${expand}' on type 'microsoft.graph.serviceHealth'.`);
    }
    if (expand !== undefined && route.kind !== 'healthList' && route.kind !== 'health') {
      throw new ODataError(`Parsing OData Select and Expand failed: Could not find a property named '${expand}'.`);
    }

    switch (route.kind) {
      case 'healthList': {
        const health = world.healthOf(tenant, now).map(({ issues, ...h }) => (expand ? { ...h, issues } : h));
        return collection(health, HEALTH_FIELDS, expand ? 'admin/serviceAnnouncement/healthOverviews(issues())' : 'admin/serviceAnnouncement/healthOverviews');
      }
      case 'health': {
        const found = world.healthOf(tenant, now).find((h) => h.service.toLowerCase() === route.name.toLowerCase());
        if (!found) return notFound(`The service '${route.name}' was not found. Use the service name, for example 'Exchange Online'.`);
        const { issues, ...h } = found;
        return c.json({
          '@odata.context': `${metadata}admin/serviceAnnouncement/healthOverviews${expand ? '(issues())' : ''}/$entity`,
          ...h,
          ...(expand ? { issues } : {}),
        });
      }
      case 'issueList':
        return collection(world.issuesOf(tenant, now), ISSUE_FIELDS, 'admin/serviceAnnouncement/issues');
      case 'issue': {
        const issue = world.issuesOf(tenant, now).find((i) => i.id.toLowerCase() === route.id.toLowerCase());
        if (!issue) return notFound(`The issue '${route.id}' was not found.`);
        return c.json({ '@odata.context': `${metadata}admin/serviceAnnouncement/issues/$entity`, ...issue });
      }
      case 'messageList':
        return collection(world.messagesOf(tenant, now), MESSAGE_FIELDS, 'admin/serviceAnnouncement/messages');
      case 'message': {
        const message = world.messagesOf(tenant, now).find((m) => m.id.toLowerCase() === route.id.toLowerCase());
        if (!message) return notFound(`The message '${route.id}' was not found.`);
        return c.json({ '@odata.context': `${metadata}admin/serviceAnnouncement/messages/$entity`, ...message });
      }
      case 'organizationList':
        return c.json({ '@odata.context': `${metadata}organization`, value: [organizationOf(tenant)] });
      case 'organization': {
        if (route.id.toLowerCase() !== tenant.def.tenantId) return notFound(`Resource '${route.id}' does not exist or one of its queried reference-property objects are not present.`);
        return c.json({ '@odata.context': `${metadata}organization/$entity`, ...organizationOf(tenant) });
      }
    }
  };

  app.all('/v1.0', handler);
  app.all('/v1.0/*', handler);
  app.all('/beta/*', handler);
}
