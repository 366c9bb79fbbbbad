/**
 * The simulated Microsoft identity platform (v2.0 endpoints): authorize with sign-in and consent
 * pages, admin consent, token endpoint, discovery documents and JWKS.
 * Protocol reference: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 */
import { createHash, randomUUID } from 'node:crypto';
import { aadError, aadTimestamp } from './errors.js';
import { originOf, type SimApp, type SimContext, type SimDeps } from './context.js';
import { consentPage, errorPage, escapeHtml, formPostPage, signInPage, type AccountChoice } from './pages.js';
import type { SimTenant } from './scenario.js';
import { redirectUriMatches, type AppRegistration, type Interaction } from './state.js';
import { GRAPH_AUDIENCE, TOKEN_LIFETIME_S, pkceS256 } from './tokens.js';

const MULTI_TENANT = new Set(['common', 'organizations']);
const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

type PathTenant = { kind: 'multi'; name: string } | { kind: 'tenant'; tenant: SimTenant } | { kind: 'unknown'; name: string };

/** Reads a form-encoded body (token endpoint and page forms). */
async function readForm(c: SimContext): Promise<URLSearchParams> {
  try {
    return new URLSearchParams(await c.req.text());
  } catch {
    return new URLSearchParams();
  }
}

/** Mounts the identity platform routes on the app. */
export function mountIdentity(app: SimApp, deps: SimDeps): void {
  const { state, world, signer, clock } = deps;

  const resolveTenant = (name: string): PathTenant => {
    if (MULTI_TENANT.has(name.toLowerCase())) return { kind: 'multi', name: name.toLowerCase() };
    const tenant = world.findTenant(name);
    return tenant ? { kind: 'tenant', tenant } : { kind: 'unknown', name };
  };

  const tokenError = (
    c: SimContext,
    status: 400 | 401,
    error: string,
    code: number,
    message: string,
    suberror?: string,
  ) =>
    c.json(
      aadError({ error, code, message, suberror, correlationId: c.req.header('client-request-id'), now: clock.now(), origin: originOf(c) }),
      status,
      { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' },
    );

  const errorHtml = (c: SimContext, code: number, message: string, status: 400 | 404 = 400) =>
    c.html(
      errorPage(code, message, { traceId: randomUUID(), correlationId: c.req.header('client-request-id') ?? randomUUID(), timestamp: aadTimestamp(clock.now()) }),
      status,
    );

  const tenantNotFound = (name: string) =>
    `Tenant '${name}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`;

  const appNotFound = (clientId: string, directory: string) =>
    `Application with identifier '${clientId}' was not found in the directory '${directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`;

  const redirectMismatch = (uri: string, clientId: string) =>
    `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`;

  const consentRequired = (appReg: AppRegistration) =>
    `The user or administrator has not consented to use the application with ID '${appReg.clientId}' named '${appReg.displayName}'. Send an interactive authorization request for this user and resource.`;

  /** Sends the browser back to the app with the result (query string or form_post). */
  const returnToApp = (c: SimContext, interaction: Pick<Interaction, 'redirectUri' | 'responseMode'>, params: Record<string, string>) => {
    if (interaction.responseMode === 'form_post') return c.html(formPostPage(interaction.redirectUri, params));
    const target = new URL(interaction.redirectUri);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    return c.redirect(target.toString(), 302);
  };

  const redirectError = (c: SimContext, interaction: Pick<Interaction, 'redirectUri' | 'responseMode' | 'state'>, error: string, description: string) => {
    const params: Record<string, string> = { error, error_description: description };
    if (interaction.state !== null) params.state = interaction.state;
    return returnToApp(c, interaction, params);
  };

  // --- Discovery -------------------------------------------------------------------------------

  app.get('/common/discovery/instance', (c) => {
    const origin = originOf(c);
    const host = new URL(origin).host;
    const authEndpoint = c.req.query('authorization_endpoint');
    let tenant = 'common';
    if (authEndpoint) {
      try {
        tenant = new URL(authEndpoint).pathname.split('/').filter(Boolean)[0] ?? 'common';
      } catch {
        /* keep common */
      }
    }
    return c.json({
      tenant_discovery_endpoint: `${origin}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  });

  app.get('/:tenant/v2.0/.well-known/openid-configuration', (c) => {
    const resolved = resolveTenant(c.req.param('tenant'));
    if (resolved.kind === 'unknown') {
      return tokenError(c, 400, 'invalid_tenant', 90002, tenantNotFound(resolved.name));
    }
    const origin = originOf(c);
    const seg = resolved.kind === 'tenant' ? resolved.tenant.def.tenantId : resolved.name;
    const issuerTenant = resolved.kind === 'tenant' ? resolved.tenant.def.tenantId : '{tenantid}';
    return c.json({
      token_endpoint: `${origin}/${seg}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${origin}/${seg}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${origin}/${issuerTenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${origin}/oidc/userinfo`,
      authorization_endpoint: `${origin}/${seg}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${origin}/${seg}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${origin}/${seg}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${origin}/${seg}/kerberos`,
      tenant_region_scope: 'WW',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: new URL(origin).host,
      rbac_url: 'https://pas.windows.net',
    });
  });

  app.get('/:tenant/discovery/v2.0/keys', (c) => {
    const resolved = resolveTenant(c.req.param('tenant'));
    if (resolved.kind === 'unknown') return tokenError(c, 400, 'invalid_tenant', 90002, tenantNotFound(resolved.name));
    return c.json(signer.jwks(`${originOf(c)}/{tenantid}/v2.0`));
  });

  app.get('/error', (c) => {
    const code = c.req.query('code') ?? '';
    return c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error AADSTS${escapeHtml(code)}</title></head><body><main><h1>Error AADSTS${escapeHtml(code)}</h1><p>This error was produced by the Microsoft 365 simulator. See https://login.microsoftonline.com/error?code=${escapeHtml(code)} for Microsoft's explanation.</p></main></body></html>`,
    );
  });

  // --- Authorize, sign-in and consent pages ----------------------------------------------------

  /** Checks client and redirect URI; on failure returns the error page (never a redirect). */
  const checkClientAndRedirect = (
    c: SimContext,
    resolved: PathTenant,
    clientId: string | undefined,
    redirectUri: string | undefined,
  ): { page: Response | Promise<Response> } | { appReg: AppRegistration } => {
    if (resolved.kind === 'unknown') return { page: errorHtml(c, 90002, tenantNotFound(resolved.name)) };
    if (!clientId) return { page: errorHtml(c, 900144, "The request body must contain the following parameter: 'client_id'.") };
    const appReg = state.apps.get(clientId);
    if (!appReg) {
      const directory = resolved.kind === 'tenant' ? resolved.tenant.def.displayName : 'Microsoft Accounts';
      return { page: errorHtml(c, 700016, appNotFound(clientId, directory)) };
    }
    if (!redirectUri) return { page: errorHtml(c, 900144, "The request body must contain the following parameter: 'redirect_uri'.") };
    if (!appReg.redirectUris.some((r) => redirectUriMatches(r, redirectUri))) {
      return { page: errorHtml(c, 50011, redirectMismatch(redirectUri, clientId)) };
    }
    return { appReg };
  };

  const accountsFor = (interaction: Interaction): AccountChoice[] => {
    const own = world.findTenant(interaction.pathTenant);
    const tenants = MULTI_TENANT.has(interaction.pathTenant)
      ? world.signInTenants(interaction.loginHint, interaction.domainHint)
      : own && own.def.tenantId === interaction.pathTenant
        ? [own]
        : [];
    const accounts = tenants.flatMap((t) =>
      t.def.admins.map((a) => ({ tenantId: t.def.tenantId, tenantName: t.def.displayName, oid: a.oid, upn: a.upn, name: a.name })),
    );
    const hint = interaction.loginHint?.toLowerCase();
    const domain = interaction.domainHint?.toLowerCase();
    const score = (a: AccountChoice) => {
      if (hint && a.upn.toLowerCase() === hint) return 0;
      const t = world.findTenant(a.tenantId);
      if (domain && t && (t.def.domain === domain || t.def.initialDomain === domain || t.def.tenantId === domain)) return 1;
      return 2;
    };
    return accounts.map((a, i) => ({ a, i })).sort((x, y) => score(x.a) - score(y.a) || x.i - y.i).map((x) => x.a);
  };

  const startInteraction = (c: SimContext, kind: Interaction['kind']): Response | Promise<Response> => {
    const q = c.req.query();
    const resolved = resolveTenant(c.req.param('tenant') ?? '');
    const checked = checkClientAndRedirect(c, resolved, q.client_id, q.redirect_uri);
    if ('page' in checked) return checked.page;
    const appReg = checked.appReg;
    const responseMode = q.response_mode === 'form_post' ? 'form_post' : 'query';
    const base = { redirectUri: q.redirect_uri as string, responseMode, state: q.state ?? null } as const;
    const now = clock.now();
    const trace = () => `\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${aadTimestamp(now)}`;
    if (kind === 'authorize') {
      if (q.response_type !== 'code') {
        return redirectError(c, base, 'unsupported_response_type', `AADSTS700054: response_type '${q.response_type ?? ''}' is not enabled for the application.${trace()}`);
      }
      if (!q.code_challenge) {
        return redirectError(c, base, 'invalid_request', `AADSTS900144: The request body must contain the following parameter: 'code_challenge'.${trace()}`);
      }
      if ((q.code_challenge_method ?? 'plain') !== 'S256') {
        return redirectError(c, base, 'invalid_request', `AADSTS501491: Invalid size of Code_Challenge parameter or code_challenge_method is not 'S256'.${trace()}`);
      }
    }
    const interaction = state.createInteraction({
      kind,
      pathTenant: resolved.kind === 'tenant' ? resolved.tenant.def.tenantId : (resolved as { name: string }).name.toLowerCase(),
      clientId: appReg.clientId,
      redirectUri: q.redirect_uri as string,
      state: q.state ?? null,
      nonce: q.nonce ?? null,
      scope: q.scope ?? 'https://graph.microsoft.com/.default',
      codeChallenge: q.code_challenge ?? null,
      responseMode,
      loginHint: q.login_hint ?? null,
      domainHint: q.domain_hint ?? null,
      createdAt: now,
    });
    return c.html(signInPage(`/${c.req.param('tenant')}/oauth2/v2.0/authorize/account`, interaction.id, accountsFor(interaction), appReg.displayName));
  };

  app.get('/:tenant/oauth2/v2.0/authorize', (c) => startInteraction(c, 'authorize'));
  app.get('/:tenant/v2.0/adminconsent', (c) => startInteraction(c, 'adminconsent'));
  app.get('/:tenant/adminconsent', (c) => startInteraction(c, 'adminconsent'));

  app.post('/:tenant/oauth2/v2.0/authorize/account', async (c) => {
    const form = await readForm(c);
    const interaction = state.getInteraction(form.get('interaction') ?? '', clock.now());
    if (!interaction) return errorHtml(c, 90014, 'The sign-in session is unknown or has expired. Start the sign-in again from the application.');
    const [tenantId, oid] = (form.get('account') ?? '').split(':');
    const account = accountsFor(interaction).find((a) => a.tenantId === tenantId && a.oid === oid);
    if (!account) return errorHtml(c, 50034, 'The user account does not exist in this directory. Pick one of the accounts offered.');
    interaction.account = { tenantId, oid };
    return c.redirect(`/${c.req.param('tenant')}/oauth2/v2.0/consent?interaction=${encodeURIComponent(interaction.id)}`, 303);
  });

  app.get('/:tenant/oauth2/v2.0/consent', (c) => {
    const interaction = state.getInteraction(c.req.query('interaction') ?? '', clock.now());
    const appReg = interaction && state.apps.get(interaction.clientId);
    if (!interaction?.account || !appReg) return errorHtml(c, 90014, 'The sign-in session is unknown or has expired. Start the sign-in again from the application.');
    const tenant = world.findTenant(interaction.account.tenantId) as SimTenant;
    const admin = tenant.def.admins.find((a) => a.oid === interaction.account?.oid);
    return c.html(consentPage(`/${c.req.param('tenant')}/oauth2/v2.0/consent`, interaction.id, appReg, { upn: admin?.upn ?? '', tenantName: tenant.def.displayName }));
  });

  app.post('/:tenant/oauth2/v2.0/consent', async (c) => {
    const form = await readForm(c);
    const now = clock.now();
    const interaction = state.getInteraction(form.get('interaction') ?? '', now);
    if (!interaction?.account) return errorHtml(c, 90014, 'The sign-in session is unknown or has expired. Start the sign-in again from the application.');
    state.interactions.delete(interaction.id);
    const decision = form.get('decision');
    if (decision !== 'accept') {
      return redirectError(c, interaction, 'access_denied', 'AADSTS65004: User declined to consent to access the app.');
    }
    const { tenantId, oid } = interaction.account;
    state.grantConsent(tenantId, interaction.clientId);
    if (interaction.kind === 'adminconsent') {
      const params: Record<string, string> = { admin_consent: 'True', tenant: tenantId, scope: 'https://graph.microsoft.com/.default' };
      if (interaction.state !== null) params.state = interaction.state;
      return returnToApp(c, interaction, params);
    }
    const code = state.issueCode(
      { clientId: interaction.clientId, redirectUri: interaction.redirectUri, codeChallenge: interaction.codeChallenge, nonce: interaction.nonce, scope: interaction.scope, tenantId, oid },
      now,
    );
    const params: Record<string, string> = { code };
    if (interaction.state !== null) params.state = interaction.state;
    params.session_state = randomUUID();
    return returnToApp(c, interaction, params);
  });

  // --- Token endpoint ---------------------------------------------------------------------------

  /** Scopes granted in a token response: the app's Graph permissions plus requested OIDC scopes. */
  const grantedScope = (appReg: AppRegistration, requested: string) => {
    const asked = requested.split(/\s+/).filter(Boolean);
    const oidc = OIDC_SCOPES.filter((s) => asked.includes(s));
    return [...oidc, ...appReg.permissions.map((p) => `${GRAPH_AUDIENCE}/${p}`)].join(' ');
  };

  const userTokens = async (c: SimContext, appReg: AppRegistration, grant: { tenantId: string; oid: string; scope: string; nonce: string | null; consentId: string }) => {
    const now = clock.now();
    const origin = originOf(c);
    const tenant = world.findTenant(grant.tenantId) as SimTenant;
    const admin = tenant.def.admins.find((a) => a.oid === grant.oid) ?? tenant.def.admins[0];
    const asked = grant.scope.split(/\s+/);
    const accessToken = await signer.sign(
      {
        aud: GRAPH_AUDIENCE,
        iss: `https://sts.windows.net/${grant.tenantId}/`,
        tid: grant.tenantId,
        oid: admin.oid,
        sub: createHash('sha256').update(`${admin.oid}|graph`).digest('base64url').slice(0, 43),
        upn: admin.upn,
        name: admin.name,
        appid: appReg.clientId,
        app_displayname: appReg.displayName,
        scp: appReg.permissions.join(' '),
        idtyp: 'user',
        ver: '1.0',
        sim_gen: state.tokenGeneration(grant.tenantId),
      },
      now,
    );
    const body: Record<string, string | number> = {
      token_type: 'Bearer',
      scope: grantedScope(appReg, grant.scope),
      expires_in: TOKEN_LIFETIME_S,
      ext_expires_in: TOKEN_LIFETIME_S,
      access_token: accessToken,
    };
    if (asked.includes('offline_access')) {
      body.refresh_token = state.issueRefreshToken({ clientId: appReg.clientId, tenantId: grant.tenantId, oid: admin.oid, scope: grant.scope, consentId: grant.consentId }, now);
    }
    if (asked.includes('openid')) {
      const claims: Record<string, unknown> = {
        aud: appReg.clientId,
        iss: `${origin}/${grant.tenantId}/v2.0`,
        sub: createHash('sha256').update(`${admin.oid}|${appReg.clientId}`).digest('base64url').slice(0, 43),
        oid: admin.oid,
        tid: grant.tenantId,
        name: admin.name,
        preferred_username: admin.upn,
        ver: '2.0',
      };
      if (grant.nonce) claims.nonce = grant.nonce;
      body.id_token = await signer.sign(claims, now);
    }
    body.client_info = Buffer.from(JSON.stringify({ uid: admin.oid, utid: grant.tenantId })).toString('base64url');
    return c.json(body, 200, { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' });
  };

  app.post('/:tenant/oauth2/v2.0/token', async (c) => {
    const meta = c.get('meta');
    meta.logged = true;
    const form = await readForm(c);
    const now = clock.now();
    const resolved = resolveTenant(c.req.param('tenant'));
    if (resolved.kind === 'tenant') meta.tenantId = resolved.tenant.def.tenantId;

    // Client authentication: HTTP Basic (RFC 6749 §2.3.1) or the body.
    let clientId = form.get('client_id') ?? undefined;
    let clientSecret = form.get('client_secret') ?? undefined;
    const authz = c.req.header('authorization');
    if (authz?.toLowerCase().startsWith('basic ')) {
      const decoded = Buffer.from(authz.slice(6).trim(), 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep > 0) {
        clientId = decodeURIComponent(decoded.slice(0, sep));
        clientSecret = decodeURIComponent(decoded.slice(sep + 1));
      }
    }
    const grantType = form.get('grant_type');
    if (!grantType) return tokenError(c, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    if (resolved.kind === 'unknown') return tokenError(c, 400, 'invalid_request', 90002, tenantNotFound(resolved.name));
    if (!clientId) return tokenError(c, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    const appReg = state.apps.get(clientId);
    if (!appReg) {
      const directory = resolved.kind === 'tenant' ? resolved.tenant.def.displayName : 'Microsoft Accounts';
      return tokenError(c, 400, 'unauthorized_client', 700016, appNotFound(clientId, directory));
    }
    if (!clientSecret) {
      return tokenError(c, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    if (clientSecret !== appReg.clientSecret) {
      return tokenError(c, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    }

    if (grantType === 'authorization_code') {
      const codeValue = form.get('code');
      if (!codeValue) return tokenError(c, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'code'.");
      const code = state.codes.get(codeValue);
      if (!code) return tokenError(c, 400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
      meta.tenantId = code.tenantId;
      if (code.redeemed) {
        return tokenError(c, 400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
      }
      if (now > code.expiresAt) {
        return tokenError(c, 400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
      }
      if (code.clientId !== clientId) return tokenError(c, 400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed. The authorization code was issued to another application.');
      if (resolved.kind === 'tenant' && resolved.tenant.def.tenantId !== code.tenantId) {
        return tokenError(c, 400, 'invalid_grant', 700005, 'Provided Authorization Code is intended to use against other tenant, thus rejected.');
      }
      const redirectUri = form.get('redirect_uri') ?? '';
      if (redirectUri !== code.redirectUri) return tokenError(c, 400, 'invalid_request', 50011, redirectMismatch(redirectUri, clientId));
      if (code.codeChallenge && pkceS256(form.get('code_verifier') ?? '') !== code.codeChallenge) {
        return tokenError(c, 400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      }
      const consentId = state.consentOf(code.tenantId, clientId);
      if (!consentId) return tokenError(c, 400, 'invalid_grant', 65001, consentRequired(appReg), 'consent_required');
      code.redeemed = true;
      const scope = [code.scope, form.get('scope') ?? ''].join(' ');
      return userTokens(c, appReg, { tenantId: code.tenantId, oid: code.oid, scope, nonce: code.nonce, consentId });
    }

    if (grantType === 'refresh_token') {
      const value = form.get('refresh_token');
      if (!value) return tokenError(c, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'refresh_token'.");
      const grant = state.findRefreshToken(value);
      if (!grant) return tokenError(c, 400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
      meta.tenantId = grant.tenantId;
      if (!grant.active) {
        return tokenError(c, 400, 'invalid_grant', 70000, "The provided value for the 'refresh_token' is not valid. The refresh token was already used to redeem a new one (it was rotated).");
      }
      if (grant.clientId !== clientId) return tokenError(c, 400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed. The refresh token was issued to another application.');
      if (resolved.kind === 'tenant' && resolved.tenant.def.tenantId !== grant.tenantId) {
        return tokenError(c, 400, 'invalid_grant', 700005, 'Provided refresh token is intended to use against other tenant, thus rejected.');
      }
      if (state.consentOf(grant.tenantId, clientId) !== grant.consentId) {
        return tokenError(c, 400, 'invalid_grant', 65001, consentRequired(appReg), 'consent_required');
      }
      state.rotateRefreshToken(grant, now);
      const scope = form.get('scope') || grant.scope;
      return userTokens(c, appReg, { tenantId: grant.tenantId, oid: grant.oid, scope: `${scope} offline_access`, nonce: null, consentId: grant.consentId });
    }

    if (grantType === 'client_credentials') {
      if (resolved.kind !== 'tenant') {
        return tokenError(c, 400, 'invalid_request', 50059, 'No tenant-identifying information found in either the request or implied by any provided credentials.');
      }
      const tenant = resolved.tenant;
      const scope = form.get('scope');
      if (!scope) return tokenError(c, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
      if (!scope.trim().endsWith('/.default') || scope.trim().includes(' ')) {
        return tokenError(c, 400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
      }
      if (scope.trim() !== `${GRAPH_AUDIENCE}/.default`) {
        return tokenError(c, 400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`);
      }
      if (!state.consentOf(tenant.def.tenantId, clientId)) {
        return tokenError(c, 400, 'unauthorized_client', 700016, appNotFound(clientId, tenant.def.displayName));
      }
      const accessToken = await signer.sign(
        {
          aud: GRAPH_AUDIENCE,
          iss: `https://sts.windows.net/${tenant.def.tenantId}/`,
          tid: tenant.def.tenantId,
          oid: createHash('sha256').update(`${tenant.def.tenantId}|${clientId}`).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/, '$1-$2-$3-$4-$5'),
          sub: clientId,
          appid: clientId,
          app_displayname: appReg.displayName,
          roles: [...appReg.permissions],
          idtyp: 'app',
          ver: '1.0',
          sim_gen: state.tokenGeneration(tenant.def.tenantId),
        },
        now,
      );
      return c.json(
        { token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S, ext_expires_in: TOKEN_LIFETIME_S, access_token: accessToken },
        200,
        { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' },
      );
    }

    return tokenError(c, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
  });
}
