/**
 * The Microsoft identity platform side, through the real `@azure/msal-node`.
 *
 * The authority is always Microsoft's (`https://login.microsoftonline.com/<tenant>`). When
 * MICROSOFT_LOGIN_URL is not the default, msal is given `authorityMetadata` whose endpoints are on
 * that URL (the simulator, or a sovereign cloud); the code path is otherwise identical.
 *
 * Token caches are per authorization: an {@link ICachePlugin} loads the row's sealed cache before
 * msal reads it and stores it back (sealed) when msal changed it.
 */
import {
  ConfidentialClientApplication,
  CryptoProvider,
  type AccountInfo,
  type AuthenticationResult,
  type ICachePlugin,
  type TokenCacheContext,
} from '@azure/msal-node';
import { DEFAULT_LOGIN_URL } from '../config.js';

/** Delegated permissions the product needs (Graph service health and Message center). */
export const GRAPH_SCOPES = [
  'https://graph.microsoft.com/ServiceHealth.Read.All',
  'https://graph.microsoft.com/ServiceMessage.Read.All',
];

/** The authority used to start a consent: any work or school account. */
export const CONSENT_AUTHORITY = 'organizations';

export interface IdentityOptions {
  clientId: string;
  clientSecret: string;
  /** Identity platform base URL (MICROSOFT_LOGIN_URL). */
  loginUrl: string;
  /** `$PUBLIC_URL/oauth/callback`. */
  redirectUri: string;
}

/** Where an authorization's sealed token cache lives. */
export interface TokenCacheStore {
  load(): Promise<string | null>;
  save(serialized: string): Promise<void>;
  /**
   * Runs a token request so that no other instance runs one for the same authorization at the
   * same time (PostgreSQL: the authorization's row lock), with `load` and `save` inside it. A
   * rotated refresh token is then never redeemed twice. Absent where one process owns the store.
   */
  exclusive?<T>(work: () => Promise<T>): Promise<T>;
}

/** What redeeming an authorization code yields. */
export interface Redemption {
  /** The tenant id from the redeemed id_token's `tid`: the only source of tenant identity. */
  tenantId: string;
  homeAccountId: string;
  username: string;
  name: string | null;
}

/** How a token failure should be treated. */
export type TokenFailureKind = 'reauth' | 'transient';

/** A token could not be had; `kind` says whether an admin must re-consent. */
export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    message: string,
    readonly kind: TokenFailureKind,
    readonly errorCode: string | null,
  ) {
    super(message);
  }
}

/** msal error codes that mean the grant is gone and only a new consent helps. */
const REAUTH_CODES = new Set([
  'invalid_grant',
  'consent_required',
  'interaction_required',
  'login_required',
  'unauthorized_client',
  'no_tokens_found',
  'no_account_found',
  'no_account_in_silent_request',
  'refresh_token_expired',
  'bad_token',
]);

/** Maps an msal error to a {@link TokenError} with words an admin understands. */
export function classifyMsalError(err: unknown): TokenError {
  const e = err as { errorCode?: string; subError?: string; errorMessage?: string; message?: string };
  const code = e?.errorCode ?? null;
  const sub = e?.subError ?? '';
  const detail = (e?.errorMessage ?? e?.message ?? String(err)).split(/\r?\n/)[0];
  if ((code && REAUTH_CODES.has(code)) || REAUTH_CODES.has(sub)) {
    return new TokenError(describeAadError(detail) ?? `Microsoft refused to renew access (${sub || code}): ${detail}`, 'reauth', code);
  }
  return new TokenError(`Could not get a token from Microsoft: ${detail}`, 'transient', code);
}

/** Plain-language explanations of the AADSTS errors admins meet. */
const AADSTS_HELP: Record<string, string> = {
  '65001': 'Consent for the app was revoked or never granted in this tenant. A tenant administrator must authorize it again.',
  '65004': 'The administrator declined to consent to the app.',
  '700016': 'The app is not registered or was removed from this tenant (enterprise application deleted). Authorize it again.',
  '700082': 'The sign-in expired after a long period of inactivity. Authorize again.',
  '50076': 'The tenant requires multi-factor authentication; authorize again interactively.',
  '50079': 'The tenant requires multi-factor authentication registration; authorize again interactively.',
  '50011': 'The redirect URI is not registered on the app. Check PUBLIC_URL and the app registration.',
  '7000215': 'The client secret is wrong or expired. Check MICROSOFT_CLIENT_SECRET.',
  '7000222': 'The client secret has expired. Create a new one and set MICROSOFT_CLIENT_SECRET.',
  '90094': 'Granting these permissions requires a tenant administrator. Sign in with an admin account.',
  '50105': 'The signed-in user is not assigned to the app in this tenant.',
  '9002313': 'Microsoft found the request malformed or invalid, usually a refresh token it no longer accepts (for example after the identity platform or the simulator lost its state). Authorize again.',
  '70000': 'Microsoft rejected the stored grant (invalid or already used refresh token, or scopes no longer consented). Authorize again.',
  '50173': 'The grant expired because the administrator\'s password changed or their sessions were revoked. Authorize again.',
  '53003': 'A Conditional Access policy in the tenant blocked the sign-in. Ask the tenant\'s administrators to allow this app, then authorize again.',
  '50020': 'The account that signed in does not belong to this tenant. Sign in with an administrator of the tenant you are adding.',
  '90072': 'The account that signed in does not exist in this tenant. Sign in with an administrator of the tenant you are adding.',
  '500011': 'Microsoft Graph is not available to the app in this tenant (service principal missing). A tenant administrator must consent again.',
  '70011': 'The requested permission scope is not valid for the app. Check the app registration\'s API permissions.',
};

/** Turns `AADSTSnnnn: …` text into an admin-friendly sentence, or null if no code is known. */
export function describeAadError(text: string | null | undefined): string | null {
  const m = /AADSTS(\d+)/.exec(text ?? '');
  if (!m) return null;
  const help = AADSTS_HELP[m[1]!];
  if (help) return `${help} (AADSTS${m[1]})`;
  // An unknown code: Microsoft's own sentence without the code, trace and correlation ids.
  const sentence = (text ?? '')
    .split(/\r?\n/)[0]!
    .replace(/^.*?AADSTS\d+:?\s*/, '')
    .replace(/\s*Trace ID:.*$/i, '')
    .trim();
  return `Microsoft refused the request${sentence ? `: ${sentence}` : ''} (AADSTS${m[1]}; see https://login.microsoftonline.com/error?code=${m[1]}).`;
}

/** Turns the `error` of an OAuth redirect into an admin-friendly sentence. */
export function describeAuthorizeError(error: string, description: string | null): string {
  const fromCode = describeAadError(description);
  if (fromCode) return fromCode;
  if (error === 'access_denied') return 'The sign-in or consent was cancelled at Microsoft, so nothing was authorized.';
  if (error === 'consent_required') return 'Consent is required: sign in with a tenant administrator account.';
  if (error === 'invalid_request' || error === 'unauthorized_client') return `Microsoft refused the request (${error}). Check the app registration.`;
  return `Microsoft returned an error: ${error}${description ? ` (${description.split(/\r?\n/)[0]})` : ''}`;
}

/** Wraps msal-node for the three things the server needs: start a consent, redeem it, get tokens later. */
export class IdentityClient {
  readonly #o: IdentityOptions;
  readonly #crypto = new CryptoProvider();

  constructor(options: IdentityOptions) {
    this.#o = { ...options, loginUrl: options.loginUrl.replace(/\/+$/, '') };
  }

  /** New PKCE verifier and S256 challenge. */
  generatePkce(): Promise<{ verifier: string; challenge: string }> {
    return this.#crypto.generatePkceCodes();
  }

  /** The URL to send the admin's browser to (consent prompt, PKCE S256, state and nonce). */
  async authorizeUrl(p: { state: string; nonce: string; codeChallenge: string; domainHint?: string | null }): Promise<string> {
    return this.#app(CONSENT_AUTHORITY).getAuthCodeUrl({
      scopes: GRAPH_SCOPES,
      redirectUri: this.#o.redirectUri,
      responseMode: 'query',
      prompt: 'consent',
      state: p.state,
      nonce: p.nonce,
      codeChallenge: p.codeChallenge,
      codeChallengeMethod: 'S256',
      ...(p.domainHint ? { domainHint: p.domainHint } : {}),
    });
  }

  /**
   * Redeems an authorization code. The tenant comes only from the redeemed token (`tid`), never
   * from the request. The resulting token cache is written to `store`.
   */
  async redeemCode(p: { code: string; codeVerifier: string; nonce: string; state: string }, store: TokenCacheStore): Promise<Redemption> {
    const app = this.#app(CONSENT_AUTHORITY, store);
    let result: AuthenticationResult;
    try {
      result = await app.acquireTokenByCode(
        { code: p.code, scopes: GRAPH_SCOPES, redirectUri: this.#o.redirectUri, codeVerifier: p.codeVerifier, nonce: p.nonce, state: p.state },
        { code: p.code, state: p.state },
      );
    } catch (err) {
      throw classifyMsalError(err);
    }
    const account = result.account;
    const tenantId = (result.idTokenClaims as { tid?: unknown })?.tid ?? account?.tenantId;
    if (!account || typeof tenantId !== 'string' || !/^[0-9a-f-]{36}$/i.test(tenantId)) {
      throw new TokenError('Microsoft did not return the tenant of the signed-in administrator.', 'transient', null);
    }
    return { tenantId: tenantId.toLowerCase(), homeAccountId: account.homeAccountId, username: account.username, name: account.name ?? null };
  }

  /** An access token for Graph in `tenantId`, from the cache or by refresh (`forceRefresh` skips the cache). */
  accessToken(p: { tenantId: string; homeAccountId: string; forceRefresh?: boolean }, store: TokenCacheStore): Promise<string> {
    return store.exclusive ? store.exclusive(() => this.#accessToken(p, store)) : this.#accessToken(p, store);
  }

  async #accessToken(p: { tenantId: string; homeAccountId: string; forceRefresh?: boolean }, store: TokenCacheStore): Promise<string> {
    const app = this.#app(p.tenantId, store);
    let account: AccountInfo | null;
    try {
      account = await app.getTokenCache().getAccountByHomeId(p.homeAccountId);
    } catch (err) {
      throw classifyMsalError(err);
    }
    if (!account) throw new TokenError('The stored sign-in is missing; authorize again.', 'reauth', 'no_account_found');
    try {
      const result = await app.acquireTokenSilent({ account, scopes: GRAPH_SCOPES, forceRefresh: p.forceRefresh ?? false });
      return result.accessToken;
    } catch (err) {
      throw classifyMsalError(err);
    }
  }

  #app(tenant: string, store?: TokenCacheStore): ConfidentialClientApplication {
    const authority = `${DEFAULT_LOGIN_URL}/${tenant}`;
    const custom = this.#o.loginUrl !== DEFAULT_LOGIN_URL;
    const base = `${this.#o.loginUrl}/${tenant}`;
    return new ConfidentialClientApplication({
      auth: {
        clientId: this.#o.clientId,
        clientSecret: this.#o.clientSecret,
        authority,
        ...(custom
          ? {
              authorityMetadata: JSON.stringify({
                authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
                token_endpoint: `${base}/oauth2/v2.0/token`,
                end_session_endpoint: `${base}/oauth2/v2.0/logout`,
                jwks_uri: `${base}/discovery/v2.0/keys`,
                issuer: `${base}/v2.0`,
              }),
            }
          : {}),
      },
      cache: store ? { cachePlugin: cachePlugin(store) } : {},
      system: { loggerOptions: { piiLoggingEnabled: false, loggerCallback: () => {} } },
    });
  }
}

function cachePlugin(store: TokenCacheStore): ICachePlugin {
  return {
    async beforeCacheAccess(ctx: TokenCacheContext) {
      const serialized = await store.load();
      if (serialized) ctx.tokenCache.deserialize(serialized);
    },
    async afterCacheAccess(ctx: TokenCacheContext) {
      if (ctx.cacheHasChanged) await store.save(ctx.tokenCache.serialize());
    },
  };
}
