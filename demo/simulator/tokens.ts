/**
 * RS256 JWTs for the simulator: id_tokens for the app, access tokens for Graph. The key pair is
 * generated at the first start (or restored from the state file, so the JWKS, and every token
 * issued before a restart, stay valid); its public half is served as the JWKS.
 */
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, errors, type JWK, type JWTPayload, type CryptoKey } from 'jose';

/** Audience of Graph access tokens. */
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
/** Lifetime of access and id tokens, in seconds (what Microsoft reports as `expires_in`). */
export const TOKEN_LIFETIME_S = 3599;

/** Claims the simulator puts in Graph access tokens. */
export interface AccessTokenClaims extends JWTPayload {
  tid: string;
  appid: string;
  scp?: string;
  roles?: string[];
  oid?: string;
  /** Token generation of the tenant when issued; `expire-tokens` faults bump it. */
  sim_gen: number;
}

/** Result of checking a bearer token. */
export type TokenCheck =
  | { ok: true; claims: AccessTokenClaims }
  | { ok: false; reason: 'expired' | 'invalid' | 'audience' };

/** The signing key and the operations on it. */
export class TokenSigner {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly jwk: JWK,
    /** The private key as a JWK (`kty`, `n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi`), for the state file. */
    readonly privateJwk: JWK,
  ) {}

  /**
   * Generates a fresh RSA key pair, or restores the one given (a private RSA JWK as
   * {@link privateJwk} gives it). The `kid` is derived from the modulus, so it is stable too.
   */
  static async create(privateJwk?: JWK): Promise<TokenSigner> {
    let privateKey: CryptoKey;
    let publicKey: CryptoKey;
    if (privateJwk) {
      if (privateJwk.kty !== 'RSA' || !privateJwk.n || !privateJwk.e || !privateJwk.d) throw new TypeError('the signing key must be a private RSA JWK');
      privateKey = (await importJWK({ ...privateJwk, alg: 'RS256' }, 'RS256', { extractable: true })) as CryptoKey;
      publicKey = (await importJWK({ kty: 'RSA', n: privateJwk.n, e: privateJwk.e, alg: 'RS256' }, 'RS256')) as CryptoKey;
    } else {
      ({ privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true }));
    }
    const jwk = await exportJWK(publicKey);
    const { kty, n, e, d, p, q, dp, dq, qi } = await exportJWK(privateKey);
    const kid = createHash('sha256').update(jwk.n ?? '').digest('base64url').slice(0, 27);
    return new TokenSigner(privateKey, publicKey, { kty: jwk.kty, n: jwk.n, e: jwk.e, kid, use: 'sig', alg: 'RS256' }, { kty, n, e, d, p, q, dp, dq, qi });
  }

  /** The JWKS document (`/discovery/v2.0/keys`). */
  jwks(issuer: string): { keys: Array<JWK & { issuer: string }> } {
    return { keys: [{ ...this.jwk, issuer }] };
  }

  /** Signs claims with `iat`/`nbf`/`exp` taken from the simulator clock. */
  async sign(claims: JWTPayload, nowMs: number, lifetimeS = TOKEN_LIFETIME_S): Promise<string> {
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT({ ...claims, iat, nbf: iat, exp: iat + lifetimeS, uti: randomUUID().replace(/-/g, '').slice(0, 22) })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.jwk.kid })
      .sign(this.privateKey);
  }

  /** Verifies a Graph access token against the key, audience and the simulator clock. */
  async verifyAccessToken(token: string, nowMs: number): Promise<TokenCheck> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { currentDate: new Date(nowMs), algorithms: ['RS256'] });
      if (payload.aud !== GRAPH_AUDIENCE && payload.aud !== '00000003-0000-0000-c000-000000000000') {
        return { ok: false, reason: 'audience' };
      }
      if (typeof payload.tid !== 'string' || typeof payload.appid !== 'string') return { ok: false, reason: 'invalid' };
      return { ok: true, claims: payload as AccessTokenClaims };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') return { ok: false, reason: 'expired' };
      return { ok: false, reason: 'invalid' };
    }
  }
}

/** base64url(sha256(verifier)), the PKCE S256 transform (RFC 7636 §4.6). */
export function pkceS256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}
