/**
 * The scripts a new user runs from the README (issue #17): `npm run token` explains itself and
 * its token's lifetime (case 7), `npm run setup` gives the PostgreSQL path a first merchant,
 * token and API key (case 8). Run as child processes, as npm would.
 */
import { randomBytes } from 'node:crypto';
import { decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { finished, run, START_MS } from '../support/main-process.js';
import { createTestDatabase, describeWith, POSTGRES_URL } from '../support/services.js';

const SECRET = 'scripts-test-secret-0123456789abcdefghijkl';

describe('npm run token', () => {
  it.concurrent(
    'prints its usage with --help and exits 0',
    async () => {
      const r = await finished(run('scripts/token.ts', ['--help'], {}));
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: npm run token -- \[--role <role>\]/);
      expect(r.stdout).toContain('--ttl <seconds>    lifetime (default: 3600, one hour; the start-up banner\'s token lasts 24 h)');
      expect(r.stderr).toBe('');
    },
    START_MS,
  );

  it.concurrent(
    'refuses an unknown option with the usage, exit 2, and no stack trace',
    async () => {
      const r = await finished(run('scripts/token.ts', ['--nope'], {}));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^Unknown option '--nope'/);
      expect(r.stderr).toContain('Usage: npm run token');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
    START_MS,
  );

  it.concurrent(
    'prints a merchant token that lasts one hour by default, signed with JWT_SECRET',
    async () => {
      const r = await finished(run('scripts/token.ts', ['--merchant', 'm_demo'], { JWT_SECRET: SECRET }));
      expect(r.code).toBe(0);
      const token = r.stdout.trim();
      const { payload } = await jwtVerify(token, new TextEncoder().encode(SECRET), { issuer: 'paypulse-dev', audience: 'paypulse' });
      expect(payload).toMatchObject({ role: 'merchant', merchant_id: 'm_demo', sub: 'dev-merchant' });
      expect(payload.exp! - payload.iat!).toBe(3600);
      const short = decodeJwt((await finished(run('scripts/token.ts', ['--merchant', 'm_demo', '--ttl', '60'], { JWT_SECRET: SECRET }))).stdout.trim());
      expect(short.exp! - short.iat!).toBe(60);
    },
    START_MS,
  );
});

await describeWith(['postgres'], 'npm run setup (the PostgreSQL path)', () => {
  it(
    'migrates a fresh database, creates the merchant, prints a working merchant token and API key; a second run leaves the merchant as it is',
    async () => {
      const db = await createTestDatabase();
      try {
        const merchantId = `m_setup_${randomBytes(4).toString('hex')}`;
        const env = { DATABASE_URL: db.url, JWT_SECRET: SECRET };
        const r = await finished(run('scripts/setup.ts', ['--merchant', merchantId, '--timezone', 'Africa/Lagos', '--currency', 'ngn'], env));
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const lines = r.stdout.trim().split('\n');
        expect(lines[0]).toBe(`merchant ${merchantId} created (Africa/Lagos, NGN)`);
        const token = /^merchant token \(86400 s\): (\S+)$/.exec(lines[1] ?? '')?.[1];
        const apiKey = /^API key \(shown once; revoke with revokeApiKey\): (ppk_\S+)$/.exec(lines[2] ?? '')?.[1];
        expect(token).toBeDefined();
        expect(apiKey).toBeDefined();
        const { payload } = await jwtVerify(token!, new TextEncoder().encode(SECRET), { issuer: 'paypulse-dev', audience: 'paypulse' });
        expect(payload).toMatchObject({ role: 'merchant', merchant_id: merchantId });

        const again = await finished(run('scripts/setup.ts', ['--merchant', merchantId, '--timezone', 'Europe/Paris'], env));
        expect(again.code).toBe(0);
        expect(again.stdout.split('\n')[0]).toBe(`merchant ${merchantId} already exists (left unchanged: Africa/Lagos, NGN)`);

        // The key belongs to the merchant, in the database the server will use.
        const app = await createApp(loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, JWT_SECRET: SECRET, LOG_LEVEL: 'silent', DEMO_MERCHANT: '0' }), { logger: createLogger({ level: 'silent' }) });
        try {
          await expect(app.domain.apiKeys.verify(apiKey!)).resolves.toMatchObject({ kind: 'apiKey', merchantId });
          expect(await app.domain.merchants.get(merchantId)).toMatchObject({ timezone: 'Africa/Lagos', defaultCurrency: 'NGN' });
        } finally {
          await app.stop();
        }
      } finally {
        await db.drop();
      }
    },
    3 * START_MS,
  );

  it(
    'refuses a bad time zone by its flag, and a missing database with the server\'s one-line start-up error',
    async () => {
      const db = await createTestDatabase();
      try {
        const bad = await finished(run('scripts/setup.ts', ['--merchant', 'm_tz', '--timezone', 'Nowhere/Land'], { DATABASE_URL: db.url }));
        expect(bad.code).toBe(2);
        expect(bad.stderr.split('\n')[0]).toBe('--timezone: Nowhere/Land is not an IANA time zone');
      } finally {
        await db.drop();
      }
      const url = new URL(POSTGRES_URL);
      const name = `paypulse_missing_${randomBytes(6).toString('hex')}`;
      url.pathname = `/${name}`;
      const missing = await finished(run('scripts/setup.ts', ['--merchant', 'm_x'], { DATABASE_URL: url.toString() }));
      expect(missing.code).toBe(78);
      expect(missing.stderr.trim()).toMatch(new RegExp(`^paypulse cannot start: database: database "${name}" does not exist on `));
    },
    2 * START_MS,
  );
});
