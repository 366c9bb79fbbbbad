/**
 * Authorizations and the OAuth consent flow as a state machine, with no HTTP in it:
 *
 *   begin ──► pending ──complete(code)──► active ──(grant gone)──► reauth_required
 *                 │                                                    │
 *                 ├─complete(error) / expired / replayed ──► failed    └─ begin again (re-authorize)
 *                 └─complete(access_denied) / cancel ──► (removed: a cancelled consent adds nothing)
 *
 * `begin` stores a pending row with a single-use OAuth request (random `state` kept only as a
 * hash, PKCE S256 verifier and OIDC nonce sealed, 10 minutes of life) and returns msal's
 * authorize URL with `prompt=consent`. `complete` redeems the code with the verifier and nonce,
 * takes the tenant only from the redeemed token, keeps the token cache sealed, and tells the edge
 * what to show. Routes only validate input and turn these results into HTTP.
 */
import { randomToken, type SecretBox } from '../crypto.js';
import type { AuthorizationApi } from '../db/schema.js';
import { describeAuthorizeError, TokenError, type IdentityClient } from '../microsoft/identity.js';
import type { AuthorizationJson } from '../store/authorizations.js';
import type { AuthorizationsStore } from '../store/index.js';
import type { Principal } from '../store/keys.js';
import type { AuthorizationMessage } from '../../widgets/api/types.js';

export type { AuthorizationJson } from '../store/authorizations.js';

/** The message a popup posts to its opener when the consent flow ends (the widgets' contract). */
export type { AuthorizationMessage } from '../../widgets/api/types.js';

/** The sign-in response of Microsoft's redirect, as received (untrusted). */
export interface CallbackQuery {
  state?: string;
  code?: string;
  error?: string;
  error_description?: string;
}

/** How the flow ended, for the edge to show. */
export type Completion =
  /** Not a response to a flow started here (no, unknown or oversized `state`). */
  | { kind: 'invalid'; title: string; text: string }
  | {
      kind: 'finished';
      status: 'active' | 'failed';
      /** 400 for a response that cannot be used (replayed, expired, no code); else 200. */
      httpStatus: 200 | 400;
      message: AuthorizationMessage;
      /** Full-page flow: where to send the browser. */
      returnTo: string | null;
      /** Popup flow: the only origin the result may be posted to. */
      openerOrigin: string;
    };

export interface AuthorizationsCore {
  /** Starts a consent: a pending authorization and the URL to send the admin's browser to. */
  begin(principal: Principal, p: { label: string; api: AuthorizationApi; returnTo: string | null; origin: string | null }): Promise<{ authorization: AuthorizationJson; authorizeUrl: string }>;
  /** Completes (or records the failure of) a consent from Microsoft's redirect. */
  complete(query: CallbackQuery): Promise<Completion>;
  list(orgId: string): Promise<AuthorizationJson[]>;
  get(orgId: string, id: string): Promise<AuthorizationJson | null>;
  /** Deletes; with the last authorization of a tenant its data goes too. Null when not the org's. */
  delete(orgId: string, id: string): Promise<{ purgedTenant: string | null } | null>;
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** When the label looks like a domain, it is the tenant hint for Microsoft's sign-in page. */
export function domainHintFromLabel(value: string): string | null {
  return DOMAIN.test(value) ? value.toLowerCase() : null;
}

/** True when `url` is an absolute http(s) URL on one of the allowed origins. */
export function isAllowedReturnTo(url: string, allowedOrigins: readonly string[]): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && allowedOrigins.includes(u.origin);
  } catch {
    return false;
  }
}

export interface AuthorizationsDeps {
  store: AuthorizationsStore;
  box: SecretBox;
  identity: IdentityClient;
  config: { allowedOrigins: readonly string[]; publicUrl: string };
  now: () => Date;
  log: (line: string) => void;
  /** Called when a tenant gets an active authorization (its first sync starts at once). */
  onActivated: (tenantId: string) => void;
}

export function createAuthorizationsCore(deps: AuthorizationsDeps): AuthorizationsCore {
  const { store, box, identity, config, now, log } = deps;
  const ownOrigin = new URL(config.publicUrl).origin;
  const list = async (orgId: string) => store.authorizationsJson(await store.listAuthorizations(orgId, now()));

  return {
    async begin(principal, p) {
      const state = randomToken();
      const nonce = randomToken();
      const pkce = await identity.generatePkce();
      // The result is posted only to the page's own origin when it is allowed, else to ours.
      const openerOrigin = p.origin && config.allowedOrigins.includes(p.origin) ? p.origin : ownOrigin;
      if (p.returnTo !== null && !isAllowedReturnTo(p.returnTo, config.allowedOrigins)) {
        throw new RangeError('returnTo must be an http(s) URL on an allowed origin');
      }
      const authorizeUrl = await identity.authorizeUrl({ state, nonce, codeChallenge: pkce.challenge, domainHint: domainHintFromLabel(p.label) });
      const row = await store.beginAuthorization(box, {
        orgId: principal.orgId,
        createdBy: principal.userName ?? `API key ${principal.keyId.slice(0, 8)}`,
        label: p.label,
        api: p.api,
        state,
        codeVerifier: pkce.verifier,
        nonce,
        returnTo: p.returnTo,
        openerOrigin,
        now: now(),
      });
      return { authorization: (await store.authorizationsJson([row]))[0]!, authorizeUrl };
    },

    async complete(q) {
      const state = q.state ?? '';
      if (!state || state.length > 200) {
        return { kind: 'invalid', title: 'This sign-in response is not valid', text: 'It carries no authorization request. Start again from the settings page.' };
      }
      const request = await store.consumeOAuthRequest(box, state, now());
      if (request.status === 'unknown') {
        return { kind: 'invalid', title: 'This sign-in response is not valid', text: 'It does not belong to an authorization started here. Start again from the settings page.' };
      }
      const finish = (status: 'active' | 'failed', error: string | null, httpStatus: 200 | 400 = 200): Completion => ({
        kind: 'finished',
        status,
        httpStatus,
        message: { type: 'o365-health:authorization', status, authorizationId: request.authorizationId, error },
        returnTo: request.returnTo,
        openerOrigin: request.openerOrigin ?? ownOrigin,
      });
      if (request.status !== 'ok') {
        const why =
          request.status === 'used'
            ? 'This sign-in response was already used. Start the authorization again.'
            : 'The authorization request expired (it is valid for 10 minutes). Start it again.';
        const auth = await store.getAuthorization(request.authorizationId);
        if (auth?.status === 'pending') await store.setAuthorizationStatus(auth.id, 'failed', why, now());
        return finish('failed', why, 400);
      }
      if (q.error) {
        const reason = describeAuthorizeError(q.error.slice(0, 100), (q.error_description ?? '').slice(0, 1000));
        // A cancelled or declined consent adds nothing: the pending row goes. Other errors stay
        // listed as failed with the reason, so an admin can see what to fix.
        if (q.error === 'access_denied') await store.discardPendingAuthorization(request.authorizationId);
        else await store.setAuthorizationStatus(request.authorizationId, 'failed', reason, now());
        return finish('failed', reason);
      }
      if (!q.code || q.code.length > 4000) {
        const reason = 'Microsoft returned no authorization code.';
        await store.setAuthorizationStatus(request.authorizationId, 'failed', reason, now());
        return finish('failed', reason, 400);
      }
      try {
        const cache = store.tokenCache(box, request.authorizationId, now);
        const redeemed = await identity.redeemCode({ code: q.code, codeVerifier: request.codeVerifier, nonce: request.nonce, state }, cache);
        await store.activateAuthorization(request.authorizationId, {
          tenantId: redeemed.tenantId,
          homeAccountId: redeemed.homeAccountId,
          consentedBy: redeemed.username,
          now: now(),
        });
        log(`authorization ${request.authorizationId}: active for tenant ${redeemed.tenantId} (consented by ${redeemed.username})`);
        deps.onActivated(redeemed.tenantId);
        return finish('active', null);
      } catch (err) {
        const reason = err instanceof TokenError ? err.message : 'The authorization could not be completed; try again.';
        if (!(err instanceof TokenError)) log(`authorization ${request.authorizationId}: callback failed: ${(err as Error).stack ?? err}`);
        await store.setAuthorizationStatus(request.authorizationId, 'failed', reason, now());
        return finish('failed', reason);
      }
    },

    list,
    get: async (orgId, id) => (await list(orgId)).find((a) => a.id === id) ?? null,
    async delete(orgId, id) {
      const result = await store.deleteAuthorization(orgId, id);
      if (result?.purgedTenant) log(`tenant ${result.purgedTenant}: last authorization deleted; polling stopped and data purged`);
      return result;
    },
  };
}
