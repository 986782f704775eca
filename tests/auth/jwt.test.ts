/**
 * JWT authentication over HTTP (SPEC §8), embedded mode: every malformed, forged, stale or
 * incomplete token is refused with UNAUTHENTICATED (HTTP 401), changes nothing, and a valid one
 * is accepted. The app runs with a non-default issuer and audience so those checks are real.
 */
import { UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne, ListEvents, Me } from '../support/operations.js';
import { claims, errorCodes, eventCount, newMerchant, nowSeconds, signJwt, type TestMerchant } from './helpers.js';

const ISSUER = 'https://id.paypulse.test/';
const AUDIENCE = 'paypulse-api';

describe('JWT over HTTP (embedded)', () => {
  let t: TestApp;
  let m: TestMerchant;
  const valid = (overrides: Record<string, unknown> = {}) => claims(t.config.auth, { merchant_id: m.id, ...overrides });

  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE } });
    m = await newMerchant(t);
  });
  afterAll(() => t?.stop());

  /** Sends a protected query with `token` and expects a 401 UNAUTHENTICATED with no data. */
  async function expectRefused(token: string | undefined, headers: Record<string, string> = {}) {
    const res = await t.post({ query: 'query { me { subject role merchantId } }' }, { ...(token === undefined ? {} : { token }), headers });
    expect(errorCodes(res.json), res.text).toEqual(['UNAUTHENTICATED']);
    expect(res.json.data ?? null).toBeNull();
    expect(res.status).toBe(401);
  }

  it('accepts a token signed with the secret, issuer and audience it is configured with', async () => {
    expect(t.config.auth).toMatchObject({ issuer: ISSUER, audience: AUDIENCE });
    const token = await signJwt(valid({ sub: 'alice' }));
    const res = await t.gql(Me, {}, { token });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data?.me).toMatchObject({ subject: 'alice', kind: 'USER', role: 'MERCHANT', merchantId: m.id });
  });

  it('refuses a protected query without credentials with UNAUTHENTICATED and HTTP 401', async () => {
    const res = await t.gql(ListEvents, {});
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.data ?? null).toBeNull();
    expect(res.status).toBe(401);
  });

  it('refuses `me` without credentials with UNAUTHENTICATED', async () => {
    await expectRefused(undefined);
  });

  it('refuses a token that is not a JWT', async () => {
    await expectRefused('not-a-jwt');
    await expectRefused('a.b.c');
  });

  it('refuses an Authorization header that is not "Bearer <token>"', async () => {
    const token = await signJwt(valid());
    await expectRefused(undefined, { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` });
    await expectRefused(undefined, { authorization: `Token ${token}` });
    await expectRefused(undefined, { authorization: 'Bearer' });
    await expectRefused(undefined, { authorization: `Bearer ${token} extra` });
  });

  it('refuses a token signed with another secret', async () => {
    await expectRefused(await signJwt(valid(), { key: `${TEST_JWT_SECRET}-but-not-quite` }));
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const token = await signJwt(valid({ role: 'merchant' }));
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify(valid({ role: 'admin' }))).toString('base64url');
    await expectRefused(`${header}.${forged}.${signature}`);
  });

  it('refuses an unsigned token (alg "none")', async () => {
    const unsigned = new UnsecuredJWT(valid({ role: 'admin' })).encode();
    await expectRefused(unsigned);
  });

  it('refuses an expired token', async () => {
    await expectRefused(await signJwt(valid({ iat: nowSeconds() - 7200, exp: nowSeconds() - 60 })));
  });

  it('refuses a token that is not valid yet (nbf in the future)', async () => {
    await expectRefused(await signJwt(valid({ nbf: nowSeconds() + 600 })));
  });

  it('refuses a token without exp (tokens must expire)', async () => {
    await expectRefused(await signJwt(valid({ exp: undefined })));
  });

  it('refuses a token without sub', async () => {
    await expectRefused(await signJwt(valid({ sub: undefined })));
  });

  it('refuses a token for another audience, or with none', async () => {
    await expectRefused(await signJwt(valid({ aud: 'someone-else' })));
    await expectRefused(await signJwt(valid({ aud: undefined })));
  });

  it('refuses a token from another issuer, or with none', async () => {
    await expectRefused(await signJwt(valid({ iss: 'https://evil.test/' })));
    await expectRefused(await signJwt(valid({ iss: undefined })));
  });

  it('refuses a token that uses the default development issuer/audience when others are configured', async () => {
    await expectRefused(await signJwt(valid({ iss: 'paypulse-dev', aud: 'paypulse' })));
  });

  it('refuses a token without a role claim', async () => {
    await expectRefused(await signJwt(valid({ role: undefined })));
  });

  it('refuses a token with an unknown role', async () => {
    await expectRefused(await signJwt(valid({ role: 'superuser' })));
    await expectRefused(await signJwt(valid({ role: 'ADMIN' })));
    await expectRefused(await signJwt(valid({ role: ['admin'] })));
  });

  it('refuses a merchant token without a merchant_id claim', async () => {
    await expectRefused(await signJwt(valid({ merchant_id: undefined })));
    await expectRefused(await signJwt(valid({ merchant_id: '' })));
  });

  it('refuses a vendor token without a merchant_id claim', async () => {
    await expectRefused(await signJwt(valid({ role: 'vendor', merchant_id: undefined })));
  });

  it('ignores a merchant_id claim on an admin token (admins belong to no merchant)', async () => {
    const res = await t.gql(Me, {}, { token: await signJwt(valid({ role: 'admin', merchant_id: m.id })) });
    expect(res.errors).toBeUndefined();
    expect(res.data?.me).toMatchObject({ role: 'ADMIN', merchantId: null });
  });

  it('stores nothing when an ingest carries a bad token', async () => {
    const before = await eventCount(t, m.id);
    const expired = await signJwt(valid({ iat: nowSeconds() - 7200, exp: nowSeconds() - 60 }));
    const forged = await signJwt(valid(), { key: 'another-secret-that-is-long-enough-0123456789' });
    for (const token of [expired, forged]) {
      const res = await t.gql(IngestOne, { event: eventInput() }, { token });
      expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
      expect(res.status).toBe(401);
    }
    const anonymous = await t.gql(IngestOne, { event: eventInput({ merchantId: m.id }) });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(await eventCount(t, m.id)).toBe(before);
  });

  it('does not fall back to an API key when the bearer token is bad', async () => {
    const { secret } = await t.domain.apiKeys.create({ merchantId: m.id, name: 'fallback' });
    const res = await t.post({ query: 'query { me { kind } }' }, { token: 'garbage', apiKey: secret });
    expect(errorCodes(res.json)).toEqual(['UNAUTHENTICATED']);
    expect(res.status).toBe(401);
  });
});
