/**
 * A CPU profile of single-event HTTP ingest: 64 callers over 12 merchants, PostgreSQL.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import ./scripts/ts-loader.mjs bench/profile-singles.ts
 */
import { createApp } from '../src/app.js';
import { signToken } from '../src/auth/jwt.js';
import { loadConfig } from '../src/config.js';
import { createBenchDatabase } from './support.js';
import { benchEvent } from './workload.js';

const db = await createBenchDatabase();
const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', DEMO_MERCHANT: '0', DATABASE_URL: db.url, NOTIFICATIONS_WORKER: 'false', RATE_LIMIT_PER_MINUTE: '0', JWT_SECRET: 'bench-secret-for-paypulse-0123456789abcdef' });
const app = await createApp(config);
const { port } = await app.start();
const ids = Array.from({ length: 12 }, (_, i) => `m_s${i}`);
for (const id of ids) await app.domain.merchants.ensure({ id, name: id, timezone: 'UTC' });
const tokens = await Promise.all(ids.map((id) => signToken(config.auth, { sub: `u-${id}`, role: 'merchant', merchantId: id })));
const query = `mutation($event: PaymentEventInput!) { ingestPaymentEvent(event: $event) { status } }`;
const start = performance.now();
await Promise.all(
  Array.from({ length: 64 }, async (_, c) => {
    for (let i = 0; i < 40; i++) {
      const { schemaVersion: _v, merchantId: _m, type, paymentMethod, ...rest } = benchEvent(i, `c${c}`, ids[c % 12]!);
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[c % 12]}` },
        body: JSON.stringify({ query, variables: { event: { ...rest, type: type.toUpperCase().replace('.', '_'), paymentMethod: paymentMethod.toUpperCase() } } }),
      });
      const body = (await res.json()) as { errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
    }
  }),
);
console.log(`${Math.round((64 * 40) / ((performance.now() - start) / 1000))} events/s`);
await app.stop();
await db.drop();
