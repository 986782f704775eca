/**
 * Production-style verification (SPEC §8): tokens checked against a JWKS URL with issuer and
 * audience, no shared secret. A local HTTP server plays the identity provider.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne, Me } from '../support/operations.js';
import { claims, errorCodes, eventCount, nowSeconds, signJwt } from './helpers.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'paypulse-prod';

describe('JWT verified against a JWKS URL (embedded)', () => {
  let idp: Server;
  let jwksUrl: string;
  let jwksRequests = 0;
  let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
  let stranger: { privateKey: CryptoKey; publicKey: CryptoKey };
  let t: TestApp;
  const merchantId = 'm_jwks';
  const valid = (overrides: Record<string, unknown> = {}) => claims({ issuer: ISSUER, audience: AUDIENCE }, { merchant_id: merchantId, ...overrides });

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    stranger = await generateKeyPair('RS256');
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    idp = createServer((req, res) => {
      if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
      jwksRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`;

    // startTestApp always sets JWT_SECRET; an empty value means "unset" to loadConfig.
    t = await startTestApp({ mode: 'embedded', env: { JWT_SECRET: '', JWKS_URL: jwksUrl, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE } });
    await t.createMerchant(merchantId);
  });
  afterAll(async () => {
    await t?.stop();
    await new Promise<void>((resolve) => (idp ? idp.close(() => resolve()) : resolve()));
  });

  async function expectRefused(token: string) {
    const res = await t.gql(Me, {}, { token });
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.data ?? null).toBeNull();
    expect(res.status).toBe(401);
  }

  it('runs without a shared secret when JWKS_URL is set', () => {
    expect(t.config.auth.secret).toBeUndefined();
    expect(t.config.auth).toMatchObject({ jwksUrl, issuer: ISSUER, audience: AUDIENCE, usingDevSecret: false });
  });

  it('accepts an RS256 token signed by a key the JWKS publishes', async () => {
    const token = await signJwt(valid({ sub: 'idp|rsa' }), { key: rsa.privateKey, alg: 'RS256', kid: 'rsa-1' });
    const res = await t.gql(Me, {}, { token });
    expect(res.errors).toBeUndefined();
    expect(res.data?.me).toMatchObject({ subject: 'idp|rsa', kind: 'USER', role: 'MERCHANT', merchantId });
    expect(jwksRequests).toBeGreaterThan(0);
  });

  it('accepts an ES256 token signed by a key the JWKS publishes, and lets it ingest', async () => {
    const token = await signJwt(valid({ sub: 'idp|ec' }), { key: ec.privateKey, alg: 'ES256', kid: 'ec-1' });
    const before = await eventCount(t, merchantId);
    const res = await t.gql(IngestOne, { event: eventInput() }, { token });
    expect(res.errors).toBeUndefined();
    expect(res.data?.ingestPaymentEvent).toMatchObject({ status: 'INGESTED', event: { merchantId } });
    expect(await eventCount(t, merchantId)).toBe(before + 1);
  });

  it('refuses a token signed by a key the JWKS does not publish (same kid)', async () => {
    await expectRefused(await signJwt(valid(), { key: stranger.privateKey, alg: 'RS256', kid: 'rsa-1' }));
  });

  it('refuses a token signed by a key the JWKS does not publish (unknown kid)', async () => {
    await expectRefused(await signJwt(valid(), { key: stranger.privateKey, alg: 'RS256', kid: 'stranger-1' }));
  });

  it('refuses an HS256 token, even one signed with the development/test secret', async () => {
    await expectRefused(await signJwt(valid()));
    await expectRefused(await signJwt(valid(), { key: TEST_JWT_SECRET }));
    await expectRefused(await signJwt(valid(), { key: 'paypulse-dev-secret-change-me-0123456789abcdef' }));
  });

  it('refuses a published-key token with the wrong issuer or audience', async () => {
    await expectRefused(await signJwt(valid({ iss: 'https://other-idp.test/' }), { key: rsa.privateKey, alg: 'RS256', kid: 'rsa-1' }));
    await expectRefused(await signJwt(valid({ aud: 'another-api' }), { key: rsa.privateKey, alg: 'RS256', kid: 'rsa-1' }));
  });

  it('refuses an expired published-key token', async () => {
    await expectRefused(await signJwt(valid({ exp: nowSeconds() - 30 }), { key: rsa.privateKey, alg: 'RS256', kid: 'rsa-1' }));
  });

  it('refuses a JWKS token over graphql-ws too, and accepts a good one', async () => {
    const good = await signJwt(valid(), { key: rsa.privateKey, alg: 'RS256', kid: 'rsa-1' });
    const bad = await signJwt(valid(), { key: stranger.privateKey, alg: 'RS256', kid: 'rsa-1' });
    const run = async (token: string) => {
      const client = t.wsClient({ authorization: `Bearer ${token}` });
      return new Promise<{ data?: unknown; closeCode?: number }>((resolve) => {
        client.on('closed', (e) => resolve({ closeCode: (e as { code: number }).code }));
        client.subscribe({ query: 'query { me { subject } }' }, { next: (v) => resolve({ data: v.data }), error: () => {}, complete: () => {} });
      }).finally(() => client.dispose());
    };
    expect(await run(good)).toEqual({ data: { me: { subject: 'user-1' } } });
    expect(await run(bad)).toEqual({ closeCode: 4403 });
  });
});

describe('JWKS configuration', () => {
  it('needs no JWT_SECRET in production when JWKS_URL is set', () => {
    const config = loadConfig({ NODE_ENV: 'production', WEBHOOK_SECRETS_KEY: 'k'.repeat(32), JWKS_URL: 'https://idp.example.test/jwks.json', JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
    expect(config.auth.secret).toBeUndefined();
    expect(config.auth.jwksUrl).toBe('https://idp.example.test/jwks.json');
  });

  it('refuses JWT_SECRET and JWKS_URL together', () => {
    expect(() => loadConfig({ JWT_SECRET: TEST_JWT_SECRET, JWKS_URL: 'https://idp.example.test/jwks.json' })).toThrow(/JWKS_URL/);
  });

  it('refuses to start in production with neither JWT_SECRET nor JWKS_URL', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
  });
});
