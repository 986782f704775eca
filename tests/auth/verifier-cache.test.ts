/**
 * The token verifier keeps verified tokens: a repeated token skips the signature check, but its
 * times (exp, nbf, iat) are judged again at every use, and a forged or different token is
 * verified in full. The clock is injected; signature checks are counted on WebCrypto.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier, signToken } from '../../src/auth/jwt.js';
import { SignJWT } from 'jose';

const auth = { secret: 'verifier-cache-secret-0123456789abcdef', issuer: 'paypulse', audience: 'paypulse', jwksUrl: undefined };

function clockAt(ms: number) {
  let now = ms;
  return { now: () => new Date(now), set: (to: number) => void (now = to) };
}

const signChecks = () => vi.spyOn(globalThis.crypto.subtle, 'verify');

describe('token verifier cache', () => {
  afterEach(() => vi.restoreAllMocks());

  it('checks a repeated token’s signature once, and still refuses it once it has expired', async () => {
    const token = await signToken(auth, { sub: 'alice', role: 'merchant', merchantId: 'm1', expiresInSeconds: 120 });
    const issued = Date.now();
    const clock = clockAt(issued);
    const verifier = createTokenVerifier(auth, { now: clock.now });
    const checks = signChecks();
    for (let i = 0; i < 5; i++) expect(await verifier.verify(token)).toMatchObject({ subject: 'alice', merchantId: 'm1' });
    expect(checks).toHaveBeenCalledTimes(1);
    clock.set(issued + 121_000);
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'token expired' });
  });

  it('verifies a token again after the kept verdict’s minute, and never keeps a forged one', async () => {
    const token = await signToken(auth, { sub: 'bob', role: 'admin', expiresInSeconds: 3600 });
    const clock = clockAt(Date.now());
    const verifier = createTokenVerifier(auth, { now: clock.now });
    const checks = signChecks();
    await verifier.verify(token);
    clock.set(Date.now() + 61_000);
    await verifier.verify(token);
    expect(checks).toHaveBeenCalledTimes(2);

    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
    for (let i = 0; i < 3; i++) await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(checks).toHaveBeenCalledTimes(5);
  });

  it('judges nbf and iat against the clock at each use, not at the first', async () => {
    const now = Date.now();
    const secret = new TextEncoder().encode(auth.secret);
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('carol')
      .setIssuer(auth.issuer)
      .setAudience(auth.audience)
      .setIssuedAt(Math.floor(now / 1000))
      .setNotBefore(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + 3600)
      .sign(secret);
    const clock = clockAt(now);
    const verifier = createTokenVerifier({ ...auth, clockSkewSeconds: 60 }, { now: clock.now });
    await verifier.verify(token);
    // A clock set back by more than the skew (an injected clock can): the kept verdict does not help.
    clock.set(now - 120_000);
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'token is not valid yet (nbf)' });
  });
});
