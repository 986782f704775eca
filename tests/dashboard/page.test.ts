/**
 * The dashboard page as the server serves it: from the committed build only (no request path
 * reaches the file system), with a strict CSP, cacheable hashed assets, and session.json offering
 * the demo merchant's token only when the demo merchant was seeded.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Me } from '../support/operations.js';

/** A raw GET, so paths like /dashboard/../x reach the server unnormalised. */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard page', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
    base = t.url.replace(/\/graphql$/, '');
  });
  afterAll(() => t?.stop());

  it('redirects / to /dashboard/ and serves the built page there with a strict CSP', async () => {
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/dashboard/');
    for (const path of ['/dashboard', '/dashboard/']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(await res.text()).toBe(readFileSync('dashboard/dist/index.html', 'utf8'));
    }
  });

  it('serves the hashed assets the page names, cacheable for a year, gzipped when asked', async () => {
    const html = readFileSync('dashboard/dist/index.html', 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const res = await fetch(`${base}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('content-encoding')).toBe('gzip');
      expect(res.headers.get('content-type')).toMatch(asset.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      // fetch decompresses: the bytes are the committed file's.
      expect(await res.text()).toBe(readFileSync(`dashboard/dist${asset.slice('/dashboard'.length)}`, 'utf8'));
    }
  });

  it('serves nothing outside its build: traversal, unknown files and other methods are refused', async () => {
    for (const path of ['/dashboard/../package.json', '/dashboard/%2e%2e/package.json', '/dashboard/assets/../../src/app.ts', '/dashboard/nope.js', '/dashboard//etc/passwd']) {
      const res = await rawGet(base, path);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('paypulse');
    }
    expect((await fetch(`${base}/dashboard/`, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('offers no demo credential when the demo merchant is not seeded', async () => {
    const res = await fetch(`${base}/dashboard/session.json`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ demo: null });
  });
});

describe('the dashboard page in embedded demo mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { DEMO_MERCHANT: '1' } });
  });
  afterAll(() => t?.stop());

  it("offers the demo merchant's token, which signs in as that merchant", async () => {
    const session = (await (await fetch(t.url.replace(/\/graphql$/, '/dashboard/session.json'))).json()) as { demo: { merchantId: string; token: string } };
    expect(session.demo.merchantId).toBe('m_demo');
    const me = await t.gql(Me, {}, { token: session.demo.token });
    expect(me.data?.me).toMatchObject({ role: 'MERCHANT', merchantId: 'm_demo' });
  });
});

describe('the demo credential in production', () => {
  let t: TestApp;
  beforeAll(async () => {
    // GraphiQL is off by default in production (docs/limits.md); turned on here to check it offers no token.
    t = await startTestApp({ mode: 'embedded', env: { NODE_ENV: 'production', GRAPHIQL: '1', DEMO_MERCHANT: '1', WEBHOOK_SECRETS_KEY: 'production-test-webhook-secrets-key-0123456789' } });
  });
  afterAll(() => t?.stop());

  it('is offered neither by the dashboard nor in GraphiQL, even with the demo merchant seeded', async () => {
    expect(await (await fetch(t.url.replace(/\/graphql$/, '/dashboard/session.json'))).json()).toEqual({ demo: null });
    const graphiql = await (await fetch(t.url, { headers: { accept: 'text/html' } })).text();
    expect(graphiql).toContain('<title>paypulse</title>');
    expect(graphiql).not.toMatch(/Bearer eyJ/);
  });
});
