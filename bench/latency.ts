/**
 * Delivery latency, ingest → subscriber: 1000 events posted with `ingestPaymentEvent` over HTTP
 * while a graphql-ws client is subscribed; latency = time the subscriber receives the event minus
 * time the mutation was sent. Run on demand: `npm run bench:latency [-- --events 1000]`.
 *
 * The machine is shared and noisy, so every figure is also given as a ratio to a baseline measured
 * in the same run on the same server: an HTTP round trip of `{ __typename }`.
 * Modes: embedded (PGlite + memory) always; services (PostgreSQL + Redis) when reachable.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { createApp } from '../src/app.js';
import { signToken } from '../src/auth/jwt.js';
import { loadConfig } from '../src/config.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '1' } } });
const EVENTS = Number(values.events);
const CONCURRENCY = Number(values.concurrency);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Row {
  mode: string;
  baselineP50: number;
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function run(mode: 'embedded' | 'services'): Promise<Row> {
  let dbName: string | undefined;
  const env: Record<string, string> = { NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', DEMO_MERCHANT: '0' };
  if (mode === 'services') {
    dbName = `paypulse_bench_${randomUUID().slice(0, 8)}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(PG_URL);
    url.pathname = `/${dbName}`;
    Object.assign(env, { DATABASE_URL: url.toString(), REDIS_URL });
  } else {
    env.PGLITE_DATA_DIR = 'memory://';
  }
  const config = loadConfig(env);
  const app = await createApp(config);
  const { url } = await app.start();
  const merchantId = 'm_bench';
  await app.services.merchants.ensure({ id: merchantId, name: 'Bench', timezone: 'UTC' });
  const token = await signToken(config.auth, { sub: 'bench', role: 'merchant', merchantId });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };

  // Baseline: the same server's cheapest authenticated GraphQL round trip.
  const baseline: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await (await fetch(url, { method: 'POST', headers, body: '{"query":"{ __typename }"}' })).json();
    baseline.push(performance.now() - t0);
  }

  const sent = new Map<string, number>();
  const latencies: number[] = [];
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const client = createClient({ url: url.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });
  await new Promise<void>((resolve, reject) => {
    client.subscribe<{ paymentEvents: { eventId: string } }>(
      { query: 'subscription { paymentEvents { eventId } }' },
      {
        next: ({ data }) => {
          const at = performance.now();
          const start = data ? sent.get(data.paymentEvents.eventId) : undefined;
          if (start !== undefined) latencies.push(at - start);
          if (latencies.length === EVENTS) resolveAll();
        },
        error: reject,
        complete: () => {},
      },
    );
    // Give the subscription time to register before the first event.
    setTimeout(resolve, 500);
  });

  const mutation = 'mutation($e: PaymentEventInput!) { ingestPaymentEvent(event: $e) { status } }';
  const started = performance.now();
  let next = 0;
  async function worker() {
    while (next < EVENTS) {
      const i = next++;
      const eventId = `bench-${i}-${randomUUID()}`;
      const body = JSON.stringify({
        query: mutation,
        variables: { e: { eventId, type: 'PAYMENT_COMPLETED', provider: 'mpesa', paymentMethod: 'MOBILE_MONEY', amountMinor: String(1000 + i), currency: 'KES' } },
      });
      sent.set(eventId, performance.now());
      const res = await fetch(url, { method: 'POST', headers, body });
      await res.json();
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${latencies.length}/${EVENTS} delivered`)), 60_000))]);
  const elapsed = (performance.now() - started) / 1000;

  await client.dispose();
  await app.stop();
  if (dbName) {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
  latencies.sort((a, b) => a - b);
  baseline.sort((a, b) => a - b);
  return { mode, baselineP50: quantile(baseline, 0.5), p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? NaN, perSecond: EVENTS / elapsed };
}

async function postgresReachable() {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

const rows = [await run('embedded')];
if (await postgresReachable()) rows.push(await run('services'));
else console.error('PostgreSQL not reachable: services mode skipped');

const f = (n: number) => n.toFixed(2);
console.log(`\ningest → subscriber latency, ${EVENTS} events, ${CONCURRENCY} in flight (ms; × = ratio to the baseline round trip)\n`);
console.log('| mode | baseline `{__typename}` p50 | delivery p50 | delivery p99 | max | events/s |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.mode} | ${f(r.baselineP50)} | ${f(r.p50)} (${(r.p50 / r.baselineP50).toFixed(1)}×) | ${f(r.p99)} (${(r.p99 / r.baselineP50).toFixed(1)}×) | ${f(r.max)} | ${r.perSecond.toFixed(0)} |`);
}
process.exit(0);
