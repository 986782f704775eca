/** Helpers shared by the auth tests (not a test file itself): token forging, tenants, row counts, error codes. */
import { createHash } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { SignJWT, type JWTPayload } from 'jose';
import { TEST_JWT_SECRET, type TestApp } from '../support/app.js';

export { subscriptionErrorCodes } from '../support/subscriptions.js';

export { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';

/** Generous: a 2-core machine shared with other test runs. */
export const WAIT_MS = 30_000;
/** The "nothing else arrived" window after the expected results are in. */
export const QUIET_MS = 400;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const nowSeconds = () => Math.floor(Date.now() / 1000);
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export function eventCount(t: TestApp, merchantId?: string): Promise<number> {
  return t.db.prisma.paymentEvent.count(merchantId ? { where: { merchantId } } : undefined);
}

export function keyCount(t: TestApp, merchantId?: string): Promise<number> {
  return t.db.prisma.apiKey.count(merchantId ? { where: { merchantId } } : undefined);
}

type ErrorLike = { extensions?: Record<string, unknown> | undefined };

/** The `extensions.code` of every GraphQL error in a response body. */
export function errorCodes(body: { errors?: ReadonlyArray<ErrorLike> | undefined } | undefined): unknown[] {
  return (body?.errors ?? []).map((e) => e.extensions?.code);
}

/**
 * Claims of a valid token for `t` (its issuer and audience, one hour of life). An override whose
 * value is `undefined` removes that claim.
 */
export function claims(auth: { issuer: string; audience: string }, overrides: Record<string, unknown> = {}): JWTPayload {
  const now = nowSeconds();
  const base: Record<string, unknown> = {
    sub: 'user-1',
    role: 'merchant',
    merchant_id: 'm_nobody',
    iss: auth.issuer,
    aud: auth.audience,
    iat: now,
    exp: now + 3600,
    ...overrides,
  };
  for (const [k, v] of Object.entries(base)) if (v === undefined) delete base[k];
  return base as JWTPayload;
}

export interface SignOptions {
  /** @default the test app's HS256 secret */
  key?: CryptoKey | Uint8Array | string;
  /** @default 'HS256' */
  alg?: string;
  kid?: string;
}

/** Signs exactly the given payload (no claims added), so tests can forge any shape of token. */
export async function signJwt(payload: JWTPayload, options: SignOptions = {}): Promise<string> {
  const key = options.key ?? TEST_JWT_SECRET;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT', ...(options.kid ? { kid: options.kid } : {}) })
    .sign(typeof key === 'string' ? new TextEncoder().encode(key) : key);
}


/** Waits until `client` has an acknowledged connection. */
export function connected(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const off = client.on('connected', () => {
      off();
      resolve();
    });
  });
}

/** Rejects if `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms))),
  ]);
}
