/**
 * The mutable state of a running simulator besides the tenants' data: app registrations,
 * consents, pending sign-ins, authorization codes, refresh tokens, faults and the request log.
 *
 * Durable parts (apps, consents, refresh grants, token generations) call {@link SimulatorState.onChange}
 * when they change, so a state file (see `persist.ts`) can be written; the others are per process.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** The Graph permissions the simulator knows. */
export const PERMISSIONS = ['ServiceHealth.Read.All', 'ServiceMessage.Read.All'] as const;
/** A Graph permission name. */
export type Permission = (typeof PERMISSIONS)[number];

/** An app registration (multi-tenant, as the product's app is). */
export interface AppRegistration {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  displayName: string;
  /** Graph permissions the app requests (delegated `scp` and application `roles`). */
  permissions: Permission[];
}

/** The app the server uses in simulator mode. */
export const BUILT_IN_APP = {
  clientId: 'b7a3c1d9-5e2f-4a8b-9c6d-0e1f2a3b4c5d',
  clientSecret: 'sim~o365-health~demo-secret',
  displayName: 'O365 Health (simulator)',
} as const;

/** Redirect URIs registered for the built-in app. */
export const BUILT_IN_REDIRECT_URIS = ['http://localhost/oauth/callback'];

/**
 * Whether a redirect URI matches a registered one. Like Microsoft, a registered `localhost`
 * URI matches any port, and `127.0.0.1` is accepted for it
 * (https://learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions).
 */
export function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  let a: URL;
  let b: URL;
  try {
    a = new URL(registered);
    b = new URL(requested);
  } catch {
    return false;
  }
  const loopback = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
  return (
    loopback(a.hostname) &&
    loopback(b.hostname) &&
    a.protocol === b.protocol &&
    a.pathname === b.pathname &&
    a.search === b.search
  );
}

/** A sign-in in progress, kept server-side under a random id. */
export interface Interaction {
  id: string;
  kind: 'authorize' | 'adminconsent';
  pathTenant: string;
  clientId: string;
  redirectUri: string;
  state: string | null;
  nonce: string | null;
  scope: string;
  codeChallenge: string | null;
  responseMode: 'query' | 'form_post';
  loginHint: string | null;
  domainHint: string | null;
  createdAt: number;
  /** Chosen account, once the user picked one. */
  account?: { tenantId: string; oid: string };
}

/** An issued authorization code. */
export interface AuthCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string | null;
  nonce: string | null;
  scope: string;
  tenantId: string;
  oid: string;
  expiresAt: number;
  redeemed: boolean;
}

/** An issued refresh token. */
export interface RefreshGrant {
  clientId: string;
  tenantId: string;
  oid: string;
  scope: string;
  /** The consent it was issued under; a revoked consent makes the token fail. */
  consentId: string;
  /** False once rotated. */
  active: boolean;
  /** When it was issued (simulator clock, ms). */
  issuedAt: number;
  /** When it was redeemed for a new one; rotated grants are forgotten a day later. */
  rotatedAt?: number;
}

/** Fault kinds that apply to Graph requests (`expire-tokens` acts at once and is not queued). */
export const GRAPH_FAULT_KINDS = ['throttle', 'error', 'delay', 'hang', 'hold'] as const;

/** An injected Graph fault. */
export interface Fault {
  kind: (typeof GRAPH_FAULT_KINDS)[number];
  /** How many more Graph requests it applies to. */
  remaining: number;
  retryAfter: number;
  status: number;
  delayMs: number;
  /** Only Graph requests whose path starts with this (case-insensitive), e.g. `/v1.0/admin/serviceAnnouncement/messages`. */
  path?: string;
}

/** One entry of the request log. */
export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  query: string;
  tenantId: string | null;
  status: number;
}

const CODE_LIFETIME_MS = 10 * 60_000;
/** How long a rotated refresh token is remembered (to answer "already rotated" rather than "unknown"). */
const ROTATED_MEMORY_MS = 24 * 60 * 60_000;
const INTERACTION_LIFETIME_MS = 60 * 60_000;
const LOG_LIMIT = 5000;

/** Random opaque token text in Microsoft's style. */
export function opaqueToken(prefix: string, bytes = 48): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

/**
 * The key a refresh token is kept under: its SHA-256, so neither memory dumps of the map nor the
 * state file hold a usable token.
 */
export function refreshTokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** All mutable state of one simulator. */
export class SimulatorState {
  readonly apps = new Map<string, AppRegistration>();
  /** tenantId → clientId → consent id. */
  readonly consents = new Map<string, Map<string, string>>();
  readonly interactions = new Map<string, Interaction>();
  readonly codes = new Map<string, AuthCode>();
  /** {@link refreshTokenKey} of the token → grant. */
  readonly refreshTokens = new Map<string, RefreshGrant>();
  /** Called after every change of durable state (apps, consents, refresh grants, token generations). */
  onChange: () => void = () => {};
  /** tenantId → faults in the order they were added. */
  readonly faults = new Map<string, Fault[]>();
  /** tenantId → token generation; access tokens of older generations are expired. */
  readonly tokenGenerations = new Map<string, number>();
  readonly requests: RequestLogEntry[] = [];

  constructor() {
    this.registerApp({ ...BUILT_IN_APP, redirectUris: BUILT_IN_REDIRECT_URIS, permissions: [...PERMISSIONS] });
  }

  /** Adds or replaces an app registration. */
  registerApp(app: { clientId: string; clientSecret: string; redirectUris: string[]; displayName?: string; permissions?: Permission[] }): AppRegistration {
    const registration: AppRegistration = {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      redirectUris: [...app.redirectUris],
      displayName: app.displayName ?? `App ${app.clientId.slice(0, 8)}`,
      permissions: app.permissions ? [...app.permissions] : [...PERMISSIONS],
    };
    this.apps.set(app.clientId, registration);
    this.onChange();
    return registration;
  }

  /** Records that a tenant's admin consented to an app; returns the consent id. */
  grantConsent(tenantId: string, clientId: string): string {
    let byClient = this.consents.get(tenantId);
    if (!byClient) this.consents.set(tenantId, (byClient = new Map()));
    const existing = byClient.get(clientId);
    if (existing) return existing;
    const id = randomUUID();
    byClient.set(clientId, id);
    this.onChange();
    return id;
  }

  /** The current consent id, if the tenant consented to the app. */
  consentOf(tenantId: string, clientId: string): string | undefined {
    return this.consents.get(tenantId)?.get(clientId);
  }

  /** Removes a tenant's consent (for one app, or all); returns the client ids revoked. */
  revokeConsent(tenantId: string, clientId?: string): string[] {
    const byClient = this.consents.get(tenantId);
    if (!byClient) return [];
    const revoked = clientId ? (byClient.delete(clientId) ? [clientId] : []) : [...byClient.keys()];
    if (!clientId) byClient.clear();
    if (revoked.length) this.onChange();
    return revoked;
  }

  /** Starts a sign-in. */
  createInteraction(data: Omit<Interaction, 'id'>): Interaction {
    const interaction: Interaction = { ...data, id: randomUUID() };
    this.interactions.set(interaction.id, interaction);
    return interaction;
  }

  /** A pending sign-in, if it exists and is not too old. */
  getInteraction(id: string, now: number): Interaction | undefined {
    const interaction = this.interactions.get(id);
    if (!interaction || now - interaction.createdAt > INTERACTION_LIFETIME_MS) return undefined;
    return interaction;
  }

  /** Issues an authorization code (valid 10 minutes, single use). */
  issueCode(data: Omit<AuthCode, 'expiresAt' | 'redeemed'>, now: number): string {
    const code = opaqueToken('1.AXkA', 96);
    this.codes.set(code, { ...data, expiresAt: now + CODE_LIFETIME_MS, redeemed: false });
    return code;
  }

  /** Issues a refresh token. */
  issueRefreshToken(grant: Omit<RefreshGrant, 'active' | 'issuedAt' | 'rotatedAt'>, now: number): string {
    const token = opaqueToken('1.AXkA', 120);
    this.refreshTokens.set(refreshTokenKey(token), { ...grant, active: true, issuedAt: now });
    this.onChange();
    return token;
  }

  /** The grant of a refresh token, active or rotated, if the simulator knows it. */
  findRefreshToken(token: string): RefreshGrant | undefined {
    return this.refreshTokens.get(refreshTokenKey(token));
  }

  /** Marks a grant as redeemed (rotation); rotated grants older than a day are forgotten. */
  rotateRefreshToken(grant: RefreshGrant, now: number): void {
    grant.active = false;
    grant.rotatedAt = now;
    for (const [key, g] of this.refreshTokens) {
      if (!g.active && g.rotatedAt !== undefined && now - g.rotatedAt > ROTATED_MEMORY_MS) this.refreshTokens.delete(key);
    }
    this.onChange();
  }

  /** The tenant's current access-token generation. */
  tokenGeneration(tenantId: string): number {
    return this.tokenGenerations.get(tenantId) ?? 0;
  }

  /** Makes every access token issued so far for the tenant expired. */
  expireTokens(tenantId: string): void {
    this.tokenGenerations.set(tenantId, this.tokenGeneration(tenantId) + 1);
    this.onChange();
  }

  /** Takes the next applicable fault of a tenant, consuming one use of it. */
  takeFault(tenantId: string, path = ''): Fault | undefined {
    const list = this.faults.get(tenantId);
    if (!list?.length) return undefined;
    const lower = path.toLowerCase();
    const at = list.findIndex((f) => f.path === undefined || lower.startsWith(f.path.toLowerCase()));
    if (at < 0) return undefined;
    const fault = list[at];
    fault.remaining -= 1;
    if (fault.remaining <= 0) list.splice(at, 1);
    return { ...fault };
  }

  /** Appends to the request log (bounded). */
  logRequest(entry: RequestLogEntry): void {
    this.requests.push(entry);
    if (this.requests.length > LOG_LIMIT) this.requests.splice(0, this.requests.length - LOG_LIMIT);
  }
}
