/**
 * The real o365-health server of the integration group, started by the test run in simulator
 * mode (test/widgets/support/integration-server.mjs) and described by `/integration-config`.
 */
import type { HealthResponse, IssueDetail, IssuesResponse, TenantsResponse } from '../../../widgets/api/types.js';

export interface SimTenant {
  tenantId: string;
  domain: string;
  displayName: string;
  admins: Array<{ oid: string; upn: string; name: string }>;
}

export interface IntegrationConfig {
  /** The server's public origin (http://localhost:PORT), another origin than this page's. */
  apiBase: string;
  serverUrl: string;
  simulatorUrl: string;
  /** The demo org's admin key (from `<server>/demo/config.js`). */
  apiKey: string;
  /** The simulated tenants (contoso.com, pre-authorized for the demo org; fabrikam.com; …). */
  tenants: SimTenant[];
  /** `<server>/widgets/o365-health.js`, the bundle a page loads with one script tag. */
  bundleUrl: string;
}

let config: Promise<IntegrationConfig> | undefined;

/** The server's URLs and key; waits for the server to be up (it boots while other tests run). */
export function integrationConfig(): Promise<IntegrationConfig> {
  return (config ??= fetch('/integration-config').then(async (res) => {
    const body = await res.json();
    if (!res.ok) throw new Error(`The integration server did not start: ${body.error}`);
    return body as IntegrationConfig;
  }));
}

/** `GET` on the real JSON API with the demo key, from this page (CORS: this origin is allowed). */
export async function api<T>(path: string): Promise<T> {
  const { apiBase, apiKey } = await integrationConfig();
  const res = await fetch(`${apiBase}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export const tenants = () => api<TenantsResponse>('/api/tenants');
export const health = (tenantId: string) => api<HealthResponse>(`/api/tenants/${tenantId}/health`);
export const issues = (tenantId: string, query: string) => api<IssuesResponse>(`/api/tenants/${tenantId}/issues?${query}`);
export const issue = (tenantId: string, id: string) => api<IssueDetail>(`/api/tenants/${tenantId}/issues/${encodeURIComponent(id)}`);

export async function tenantByDomain(domain: string): Promise<SimTenant> {
  const t = (await integrationConfig()).tenants.find((x) => x.domain === domain);
  if (!t) throw new Error(`The simulator has no tenant ${domain}`);
  return t;
}

/** Waits for `condition` (polling), with a message that says what never happened. */
export async function eventually<T>(condition: () => T | Promise<T>, message: string, timeout = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error(`Timed out after ${timeout} ms: ${message}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
