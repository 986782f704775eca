/**
 * JWT verification with jose: HS256 with a shared secret (development, or a simple deployment),
 * or a JWKS URL with issuer and audience (production identity providers). Claims paypulse reads:
 * `sub`, `role` (customer | vendor | merchant | admin) and `merchant_id` (required for vendor and
 * merchant).
 */
import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config.js';
import { AuthError, ROLES, type Principal, type Role } from './principal.js';
import { ErrorCode } from '../lib/error-codes.js';

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

/**
 * Besides signature, `iss`, `aud` and `exp` (strict): a token whose `nbf` is still ahead, or whose
 * `iat` lies in the future, by more than `auth.clockSkewSeconds` is refused (the issuer's clock
 * and ours may differ a little, not by a year). `now` is injectable for tests.
 */
export function createTokenVerifier(auth: Pick<Config['auth'], 'secret' | 'jwksUrl' | 'issuer' | 'audience'> & { clockSkewSeconds?: number }, deps: { now?: () => Date } = {}): TokenVerifier {
  const skew = auth.clockSkewSeconds ?? 60;
  const options = { issuer: auth.issuer, audience: auth.audience, clockTolerance: skew };
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (auth.jwksUrl) {
    key = createRemoteJWKSet(new URL(auth.jwksUrl));
    algorithms = ['RS256', 'ES256', 'PS256', 'EdDSA'];
  } else if (auth.secret) {
    key = new TextEncoder().encode(auth.secret);
    algorithms = ['HS256'];
  } else {
    throw new Error('auth config needs a secret or a JWKS URL');
  }

  // A token's signature, issuer and audience never change their verdict, so a verified token is
  // kept (by its exact text, for at most VERIFIED_TTL_MS) and only its times are checked again:
  // WebCrypto's HMAC is most of an authenticated request's CPU. Only verified tokens are kept, so
  // forged ones cannot fill it.
  const verified = new Map<string, Verified>();

  return {
    async verify(token) {
      const currentDate = deps.now?.();
      const now = (currentDate ?? new Date()).getTime();
      const kept = verified.get(token);
      let payload = kept && kept.until > now ? kept.payload : undefined;
      if (!payload) {
        try {
          ({ payload } = await jwtVerify(token, key as Uint8Array, { ...options, algorithms, requiredClaims: ['sub', 'exp'], ...(currentDate ? { currentDate } : {}) }));
        } catch (error) {
          throw new AuthError(ErrorCode.Unauthenticated, describeJoseError(error));
        }
        if (token.length <= MAX_KEPT_TOKEN_LENGTH) keep(verified, token, { payload, until: now + VERIFIED_TTL_MS });
      }
      const nowSeconds = Math.floor(now / 1000);
      // The skew is for a clock running behind the issuer's (nbf, iat), never for `exp`: an
      // expired token stays expired, as the socket that closes at `exp` assumes.
      if (typeof payload.exp === 'number' && payload.exp <= nowSeconds) throw new AuthError(ErrorCode.Unauthenticated, 'token expired');
      if (typeof payload.nbf === 'number' && payload.nbf > nowSeconds + skew) throw new AuthError(ErrorCode.Unauthenticated, 'token is not valid yet (nbf)');
      // jose checks a future `iat` only together with a maximum token age; we check it always.
      if (typeof payload.iat === 'number' && payload.iat > nowSeconds + skew) throw new AuthError(ErrorCode.Unauthenticated, 'token claim iat is in the future');
      return toPrincipal(payload);
    },
  };
}

/** How long a verified token skips signature verification (a JWKS key removed is honoured within it, as jose's own JWKS cache allows). */
const VERIFIED_TTL_MS = 60_000;
const MAX_VERIFIED_TOKENS = 10_000;
const MAX_KEPT_TOKEN_LENGTH = 2048;

/** A verified token's claims and when its verdict must be taken again. */
type Verified = { payload: JWTPayload; until: number };

function keep(cache: Map<string, Verified>, token: string, entry: Verified): void {
  // Oldest first: a Map iterates in insertion order.
  if (cache.size >= MAX_VERIFIED_TOKENS) cache.delete(cache.keys().next().value!);
  cache.set(token, entry);
}

function toPrincipal(payload: JWTPayload): Principal {
  const role = payload.role;
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new AuthError(ErrorCode.Unauthenticated, 'token has no valid role claim');
  }
  const merchantId = typeof payload.merchant_id === 'string' && payload.merchant_id !== '' ? payload.merchant_id : null;
  if ((role === 'merchant' || role === 'vendor') && !merchantId) {
    throw new AuthError(ErrorCode.Unauthenticated, `a ${role} token needs a merchant_id claim`);
  }
  return {
    kind: 'user',
    subject: String(payload.sub),
    role: role as Role,
    merchantId: role === 'admin' ? null : merchantId,
    expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null,
    issuedAt: typeof payload.iat === 'number' ? payload.iat * 1000 : null,
  };
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return error.claim === 'nbf' ? 'token is not valid yet (nbf)' : `token claim ${error.claim} is invalid`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not allowed';
  return 'token is invalid';
}

export interface DevTokenClaims {
  sub: string;
  role: Role;
  merchantId?: string | undefined;
  /** Lifetime in seconds. @default 3600 */
  expiresInSeconds?: number;
}

/** Signs an HS256 token (development and tests; production tokens come from the identity provider). */
export async function signToken(auth: Pick<Config['auth'], 'secret' | 'issuer' | 'audience'>, claims: DevTokenClaims): Promise<string> {
  if (!auth.secret) throw new Error('signing tokens needs JWT_SECRET (HS256)');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: claims.role, ...(claims.merchantId ? { merchant_id: claims.merchantId } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(auth.issuer)
    .setAudience(auth.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.expiresInSeconds ?? 3600))
    .sign(new TextEncoder().encode(auth.secret));
}
