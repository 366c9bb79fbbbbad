/**
 * Every JSON fixture of an endpoint the simulator serves has the same shape as the simulator's
 * answer: same property names, same JSON types, enum values from the same sets (any case).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CryptoProvider } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_APP, type RunningSimulator } from '../../demo/simulator/index.js';
import { SERVICE_HEALTH_STATUSES } from '../../demo/simulator/scenario.js';
import { GRAPH, appToken, control, graphGet, registerTestApp, signInAndConsent, startTestSimulator } from './helpers.js';

/** Microsoft's payloads, copied unedited into test/fixtures (see its README). */
const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const lower = (values: readonly string[]) => new Set(values.map((v) => v.toLowerCase()));
const ENUMS: Record<string, Set<string>> = {
  status: lower(SERVICE_HEALTH_STATUSES),
  classification: lower(['advisory', 'incident', 'unknownFutureValue']),
  origin: lower(['microsoft', 'thirdParty', 'customer', 'unknownFutureValue']),
  postType: lower(['regular', 'quick', 'strategic', 'unknownFutureValue']),
  contentType: lower(['text', 'html']),
  category: lower(['preventOrFixIssue', 'planForChange', 'stayInformed', 'unknownFutureValue']),
  severity: lower(['normal', 'high', 'critical', 'unknownFutureValue']),
};
/** Properties the simulator may send although a fixture lacks them (documented in the fixtures' README). */
const ALLOWED_EXTRA = new Set(['highImpact', 'expiryDateTime', '@odata.context', 'client-request-id', 'suberror', 'error_uri', 'ext_expires_in', 'client_info']);
/** Properties Graph's schema declares nullable although the fixture happens to carry a value. */
const NULLABLE = new Set(['endDateTime', 'partnerTenantType', 'actionRequiredByDateTime', 'expiryDateTime']);
/** Properties of a fixture the simulator may leave out (they depend on paging or the request). */
const OPTIONAL = new Set(['@odata.nextLink', 'error_uri', 'refresh_token', 'id_token']);

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Lists shape differences between a fixture value and an actual value. */
function shapeDiff(expected: unknown, actual: unknown, path = '$', key = ''): string[] {
  const et = typeOf(expected);
  const at = typeOf(actual);
  // A null in a fixture is a nullable property: null or any value is fine.
  if (et === 'null' || (at === 'null' && NULLABLE.has(key))) return [];
  if (et !== at) return [`${path}: expected ${et}, got ${at}`];
  if (et === 'string' && ENUMS[key]) {
    const problems: string[] = [];
    if (!ENUMS[key].has(String(expected).toLowerCase())) problems.push(`${path}: fixture enum value ${String(expected)} not in the known set`);
    if (!ENUMS[key].has(String(actual).toLowerCase())) problems.push(`${path}: enum value ${String(actual)} not in the set of ${key}`);
    return problems;
  }
  if (et === 'array') {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (e.length === 0) return [];
    return a.flatMap((item, i) => shapeDiff(e[0], item, `${path}[${i}]`, key));
  }
  if (et === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const problems: string[] = [];
    for (const k of Object.keys(e)) {
      if (!(k in a)) {
        if (!OPTIONAL.has(k)) problems.push(`${path}.${k}: missing`);
      } else problems.push(...shapeDiff(e[k], a[k], `${path}.${k}`, k));
    }
    for (const k of Object.keys(a)) if (!(k in e) && !ALLOWED_EXTRA.has(k)) problems.push(`${path}.${k}: not in the fixture`);
    return problems;
  }
  return [];
}

let sim: RunningSimulator;
let token: string;
let tenantId: string;
const answers = new Map<string, unknown>();

/** Fixtures of endpoints the simulator does not serve (attachments, message actions, other APIs). */
const NOT_SERVED = new Set([
  'graph/serviceannouncementattachment-get-content.json',
  'graph/serviceannouncementattachment-get.json',
  'graph/servicehealthissue-incidentreport.json',
  'graph/serviceupdatemessage-action-request.json',
  'graph/serviceupdatemessage-archive.json',
  'graph/serviceupdatemessage-favorite.json',
  'graph/serviceupdatemessage-list-attachments-attachmentsarchive.json',
  'graph/serviceupdatemessage-list-attachments.json',
  'graph/serviceupdatemessage-markread.json',
  'graph/serviceupdatemessage-markunread.json',
  'graph/serviceupdatemessage-unarchive.json',
  'graph/serviceupdatemessage-unfavorite.json',
  'graph/tenantrelationship-findtenantinformationbytenantid.json',
  'identity/openid-configuration-doc-sample.json',
  'identity/token-error-sample-with-error-uri.json',
  'identity/token-error-invalid-scope.json',
]);

const json = async (res: Response) => res.json() as Promise<unknown>;

beforeAll(async () => {
  const started = await startTestSimulator();
  sim = started.sim;
  tenantId = sim.tenants[0].tenantId;
  token = await appToken(sim, tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
  const get = async (path: string, headers: Record<string, string> = {}) => json(await graphGet(sim, path, token, headers));

  const issues = (await get(`${GRAPH}/issues`)) as { value: Array<{ id: string }> };
  const messages = (await get(`${GRAPH}/messages`)) as { value: Array<{ id: string }> };
  answers.set('graph/serviceannouncement-list-healthoverviews.json', await get(`${GRAPH}/healthOverviews`));
  answers.set('graph/serviceannouncement-list-healthoverviews-expand-issues.json', await get(`${GRAPH}/healthOverviews?$expand=issues`));
  answers.set('graph/servicehealth-get.json', await get(`${GRAPH}/healthOverviews/Microsoft%20365%20suite`));
  answers.set('graph/servicehealth-get-expand-issues.json', await get(`${GRAPH}/healthOverviews/Microsoft%20365%20suite?$expand=issues`));
  answers.set('graph/cli-microsoft365-serviceannouncement-health-get-issues.json', await get(`${GRAPH}/healthOverviews/Exchange%20Online?$expand=issues`));
  answers.set('graph/serviceannouncement-list-issues.json', await get(`${GRAPH}/issues`, { Prefer: 'odata.maxpagesize=5' }));
  answers.set('graph/cli-microsoft365-serviceannouncement-healthissue-list.json', issues.value);
  answers.set('graph/servicehealthissue-get.json', await get(`${GRAPH}/issues/${issues.value[0].id}`));
  answers.set('graph/serviceannouncement-list-messages.json', await get(`${GRAPH}/messages`, { Prefer: 'odata.maxpagesize=3' }));
  answers.set('graph/serviceupdatemessage-get.json', await get(`${GRAPH}/messages/${messages.value[0].id}`));
  answers.set('graph/organization-get.json', await get(`/v1.0/organization/${tenantId}`));
  answers.set('graph/errors-example-error-response.json', await json(await graphGet(sim, `${GRAPH}/issues/EX000001`, token)));
  await control(sim, 'POST', `/tenants/${tenantId}/faults`, { kind: 'expire-tokens' });
  answers.set('graph/error-401-expired-token-observed.json', await json(await graphGet(sim, `${GRAPH}/issues`, token)));

  const tokenPost = async (tenant: string, form: Record<string, string>) =>
    json(await fetch(`${sim.url}/${tenant}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(form) }));
  const cc = await tokenPost(tenantId, { grant_type: 'client_credentials', client_id: BUILT_IN_APP.clientId, client_secret: BUILT_IN_APP.clientSecret, scope: 'https://graph.microsoft.com/.default' });
  answers.set('identity/token-response-client-credentials.json', cc);
  answers.set('identity/token-response-client-credentials-recorded.json', cc);
  answers.set('identity/token-error-invalid-scope-client-credentials.json', await tokenPost(tenantId, { grant_type: 'client_credentials', client_id: BUILT_IN_APP.clientId, client_secret: BUILT_IN_APP.clientSecret, scope: 'https://foo.microsoft.com/.default' }));
  answers.set('identity/token-error-700016-observed.json', await tokenPost(tenantId, { grant_type: 'client_credentials', client_id: '11111111-2222-3333-4444-555555555555', client_secret: 'x', scope: 'https://graph.microsoft.com/.default' }));

  const app = registerTestApp(sim);
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const redirectUri = 'http://localhost:3000/oauth/callback';
  const back = await signInAndConsent(
    `${sim.url}/organizations/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: app.clientId, response_type: 'code', redirect_uri: redirectUri, scope: 'openid profile offline_access https://graph.microsoft.com/.default', code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n' })}`,
    sim.tenants[1].admins[0].upn,
  );
  const codeResponse = (await tokenPost('organizations', { grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code: back.searchParams.get('code') ?? '', code_verifier: verifier, redirect_uri: redirectUri })) as { refresh_token: string };
  answers.set('identity/token-response-authorization-code.json', codeResponse);
  answers.set('identity/token-response-refresh-token.json', await tokenPost('organizations', { grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret, refresh_token: codeResponse.refresh_token }));
  await control(sim, 'POST', `/tenants/${sim.tenants[1].tenantId}/revoke-consent`, {});
  answers.set('identity/token-error-65001-consent-required-observed.json', await tokenPost('organizations', { grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret, refresh_token: ((answers.get('identity/token-response-refresh-token.json') as { refresh_token: string }).refresh_token) }));
  answers.set('identity/openid-configuration-recorded.json', await json(await fetch(`${sim.url}/${tenantId}/v2.0/.well-known/openid-configuration`)));
  answers.set('identity/instance-discovery-recorded.json', await json(await fetch(`${sim.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${sim.url}/${tenantId}/oauth2/v2.0/authorize`)}`)));
});
afterAll(() => sim.close());

const fixtureFiles = ['graph', 'identity'].flatMap((dir) => readdirSync(join(FIXTURES, dir)).filter((f) => f.endsWith('.json')).map((f) => `${dir}/${f}`));

describe('fixture shapes', () => {
  it('maps every fixture to a simulator answer or lists it as not served', () => {
    const unmapped = fixtureFiles.filter((f) => !answers.has(f) && !NOT_SERVED.has(f));
    expect(unmapped).toEqual([]);
    expect(answers.size).toBeGreaterThanOrEqual(20);
  });

  for (const file of fixtureFiles.filter((f) => !NOT_SERVED.has(f))) {
    it(`answers like ${file}`, () => {
      const fixture = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as unknown;
      const actual = answers.get(file);
      expect(actual).toBeDefined();
      expect(shapeDiff(fixture, actual)).toEqual([]);
    });
  }

  it('sends camelCase enums, absolute nextLinks on the simulator and highImpact on issues', () => {
    const list = answers.get('graph/serviceannouncement-list-issues.json') as { '@odata.nextLink': string; value: Array<Record<string, unknown>> };
    expect(list['@odata.nextLink'].startsWith(`${sim.url}${GRAPH}/issues?`)).toBe(true);
    for (const issue of list.value) {
      expect(issue).toHaveProperty('highImpact');
      expect(issue.classification).toMatch(/^(incident|advisory)$/);
      expect(String(issue.status)).toMatch(/^[a-z]/);
    }
  });

  it('detects a shape difference (the checker itself can fail)', () => {
    expect(shapeDiff({ a: 1, status: 'serviceOperational' }, { a: '1', status: 'Bogus', b: 2 })).toEqual([
      '$.a: expected number, got string',
      '$.status: enum value Bogus not in the set of status',
      '$.b: not in the fixture',
    ]);
  });
});
