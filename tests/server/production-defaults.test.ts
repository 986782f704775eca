/**
 * Production defaults (issue #17, case 11; README "Production defaults"): with NODE_ENV=production
 * an anonymous caller gets no introspection, no "Did you mean" hints, no GraphiQL, no parser
 * internals; CORS answers only the allowlist and never with credentials; a token from the future
 * is refused. Each default is configurable, and development keeps the open behaviour.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../src/auth/jwt.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';

const PRODUCTION = { NODE_ENV: 'production', WEBHOOK_SECRETS_KEY: 'production-defaults-test-key-0123456789abcdef' };
const INTROSPECT = { query: '{ __schema { queryType { name } } }' };
const TYPO = { query: '{ merchnt { id } }' };

async function preflight(t: TestApp, origin: string): Promise<Headers> {
  const res = await fetch(t.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
  await res.arrayBuffer();
  return res.headers;
}

async function graphiql(t: TestApp): Promise<{ status: number; html: boolean }> {
  const res = await fetch(t.url, { headers: { accept: 'text/html' } });
  const text = await res.text();
  return { status: res.status, html: /<!doctype html>/i.test(text) && text.includes('graphiql') };
}

describe('with NODE_ENV=production and nothing else set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { ...PRODUCTION, CORS_ORIGINS: 'https://app.example.com,https://admin.example.com' } });
  });
  afterAll(() => t?.stop());

  it('refuses introspection to an anonymous caller with INTROSPECTION_DISABLED, and answers it to a token', async () => {
    const anonymous = await t.post(INTROSPECT);
    expect(anonymous.status).toBe(400);
    expect(anonymous.json.data).toBeUndefined();
    expect(anonymous.json.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['INTROSPECTION_DISABLED']);
    const type = await t.post({ query: '{ __type(name: "Merchant") { fields { name } } }' });
    expect(type.json.errors[0].extensions.code).toBe('INTROSPECTION_DISABLED');
    // __typename is not introspection of the schema: always allowed.
    expect((await t.post({ query: '{ __typename }' })).json).toEqual({ data: { __typename: 'Query' } });

    const authenticated = await t.post(INTROSPECT, { token: await t.merchantToken('m_any') });
    expect(authenticated.json).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('treats a bad token as anonymous: no introspection, and the request is refused UNAUTHENTICATED', async () => {
    const forged = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer('paypulse-dev').setAudience('paypulse').setExpirationTime('1h').sign(new TextEncoder().encode('not-the-server-secret-0123456789abcdef'));
    const r = await t.post(INTROSPECT, { token: forged });
    expect(r.json.data).toBeUndefined();
    expect(r.json.errors[0].extensions.code).toBe('INTROSPECTION_DISABLED');
  });

  it('drops "Did you mean" from validation errors for anonymous callers only', async () => {
    const anonymous = await t.post(TYPO);
    expect(anonymous.json.errors).toEqual([expect.objectContaining({ message: 'Cannot query field "merchnt" on type "Query".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    const authenticated = await t.post(TYPO, { token: await t.merchantToken('m_any') });
    expect(authenticated.json.errors[0].message).toBe('Cannot query field "merchnt" on type "Query". Did you mean "merchant"?');
  });

  it('does not serve GraphiQL', async () => {
    expect((await graphiql(t)).html).toBe(false);
  });

  it('answers a malformed JSON body with BAD_REQUEST and no parser internals', async () => {
    const r = await t.post('{"query": "{ __typ');
    expect(r.json).toEqual({ errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('allows exactly the CORS_ORIGINS, without credentials; any other origin gets no CORS headers', async () => {
    const allowed = await preflight(t, 'https://admin.example.com');
    expect(allowed.get('access-control-allow-origin')).toBe('https://admin.example.com');
    expect(allowed.get('access-control-allow-credentials')).toBeNull();
    const other = await preflight(t, 'https://evil.example');
    expect(other.get('access-control-allow-origin')).toBeNull();
    expect(other.get('access-control-allow-credentials')).toBeNull();
    // On the actual request too, not only the preflight.
    const res = await fetch(t.url, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    await res.arrayBuffer();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('production defaults are each configurable', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { ...PRODUCTION, INTROSPECTION: 'public', FIELD_SUGGESTIONS: 'public', GRAPHIQL: '1', CORS_ORIGINS: '*', ERROR_DETAILS: '1' } });
  });
  afterAll(() => t?.stop());

  it('opens introspection, suggestions, GraphiQL, any origin (still without credentials) and error details', async () => {
    expect((await t.post(INTROSPECT)).json.data.__schema.queryType.name).toBe('Query');
    expect((await t.post(TYPO)).json.errors[0].message).toContain('Did you mean "merchant"?');
    expect((await graphiql(t)).html).toBe(true);
    const headers = await preflight(t, 'https://anywhere.example');
    expect(headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
    expect(headers.get('access-control-allow-credentials')).toBeNull();
    expect((await t.post('{"query": "{ __typ')).json.errors[0].extensions.originalError.name).toBe('SyntaxError');
  });

  it('INTROSPECTION=off refuses it even to an admin', async () => {
    const off = await startTestApp({ mode: 'embedded', env: { ...PRODUCTION, INTROSPECTION: 'off' } });
    try {
      const r = await off.post(INTROSPECT, { token: await off.adminToken() });
      expect(r.json.errors[0].extensions.code).toBe('INTROSPECTION_DISABLED');
    } finally {
      await off.stop();
    }
  });
});

describe('in development (the default NODE_ENV)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { NODE_ENV: 'development' } });
  });
  afterAll(() => t?.stop());

  it('keeps introspection, suggestions and GraphiQL open to everyone, and any origin without credentials', async () => {
    expect((await t.post(INTROSPECT)).json.data.__schema.queryType.name).toBe('Query');
    expect((await t.post(TYPO)).json.errors[0].message).toContain('Did you mean "merchant"?');
    expect((await graphiql(t)).html).toBe(true);
    const headers = await preflight(t, 'http://localhost:5173');
    expect(headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('token time claims (an injected clock)', () => {
  const NOW = new Date('2026-06-01T12:00:00Z');
  const nowSeconds = NOW.getTime() / 1000;
  const auth = { secret: TEST_JWT_SECRET, jwksUrl: undefined, issuer: 'paypulse-dev', audience: 'paypulse', clockSkewSeconds: 60 };
  const verifier = createTokenVerifier(auth, { now: () => NOW });
  const sign = (claims: { iat?: number; nbf?: number; exp: number }) => {
    const jwt = new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('clock').setIssuer(auth.issuer).setAudience(auth.audience).setExpirationTime(claims.exp);
    if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
    if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
    return jwt.sign(new TextEncoder().encode(TEST_JWT_SECRET));
  };

  it('refuses an iat a year ahead, and an nbf still ahead beyond the skew', async () => {
    await expect(verifier.verify(await sign({ iat: nowSeconds + 365 * 86400, exp: nowSeconds + 366 * 86400 }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'token claim iat is in the future' });
    await expect(verifier.verify(await sign({ iat: nowSeconds, nbf: nowSeconds + 61, exp: nowSeconds + 3600 }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'token is not valid yet (nbf)' });
  });

  it('accepts iat and nbf up to the skew ahead (clocks differ a little); exp gets no skew', async () => {
    await expect(verifier.verify(await sign({ iat: nowSeconds + 60, nbf: nowSeconds + 60, exp: nowSeconds + 3600 }))).resolves.toMatchObject({ subject: 'clock' });
    await expect(verifier.verify(await sign({ iat: nowSeconds - 3600, exp: nowSeconds + 1 }))).resolves.toMatchObject({ subject: 'clock' });
    await expect(verifier.verify(await sign({ iat: nowSeconds - 3600, exp: nowSeconds }))).rejects.toMatchObject({ message: 'token expired' });
    await expect(verifier.verify(await sign({ iat: nowSeconds - 3600, exp: nowSeconds - 30 }))).rejects.toMatchObject({ message: 'token expired' });
  });
});
