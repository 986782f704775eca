/**
 * Delivery latency, ingest → subscriber: events posted with `ingestPaymentEvent` (or
 * `ingestPaymentEvents` in batches of `--batch`) over HTTP while a graphql-ws client is
 * subscribed; latency = time the subscriber receives the event minus time its mutation was sent.
 * Run on demand: `npm run bench:latency [-- --events 1000 --concurrency 1 --batch 1 --modes embedded,services]`.
 * `npm run bench:kafka` compares direct ingest with ingest through Kafka (mode `kafka`: the
 * mutation produces, the consumer group stores, then the subscriber receives) on 20,000 events.
 *
 * The machine is shared and noisy, so every figure is also given as a ratio to a baseline measured
 * in the same run on the same server: an HTTP round trip of `{ __typename }`.
 * Modes: embedded (PGlite + memory); services (PostgreSQL + Redis); kafka (services + Kafka at
 * KAFKA_BROKERS, its own topic and group).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApp } from '../src/app.js';
import { signToken } from '../src/auth/jwt.js';
import { loadConfig } from '../src/config.js';
import { createBenchDatabase, KAFKA_BROKERS, postgresReachable, REDIS_URL } from './support.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '1' },
    batch: { type: 'string', default: '1' },
    modes: { type: 'string', default: 'embedded,services' },
  },
});
const EVENTS = Number(values.events);
const CONCURRENCY = Number(values.concurrency);
const BATCH = Number(values.batch);
type Mode = 'embedded' | 'services' | 'kafka';
const MODES = values.modes.split(',') as Mode[];

interface Row {
  mode: string;
  baselineP50: number;
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function run(mode: Mode): Promise<Row> {
  // The rate limiter still runs on every operation (its cost is part of what is measured) but with
  // a budget this bench never exhausts.
  const env: Record<string, string> = { NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', DEMO_MERCHANT: '0', RATE_LIMIT_PER_MINUTE: '100000000', RATE_LIMIT_BURST: '1000000' };
  const db = mode === 'embedded' ? undefined : await createBenchDatabase();
  if (db) Object.assign(env, { DATABASE_URL: db.url, REDIS_URL });
  else env.PGLITE_DATA_DIR = 'memory://';
  if (mode === 'kafka') {
    const id = randomUUID().slice(0, 8);
    Object.assign(env, { KAFKA_BROKERS, KAFKA_TOPIC: `bench-${id}`, KAFKA_GROUP_ID: `bench-${id}` });
  }
  const config = loadConfig(env);
  const app = await createApp(config);
  const { url } = await app.start();
  const merchantId = 'm_bench';
  await app.domain.merchants.ensure({ id: merchantId, name: 'Bench', timezone: 'UTC' });
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

  const one = 'mutation($e: PaymentEventInput!) { ingestPaymentEvent(event: $e) { status } }';
  const many = 'mutation($e: [PaymentEventInput!]!) { ingestPaymentEvents(events: $e) { ingested accepted rejected } }';
  const started = performance.now();
  let next = 0;
  async function worker() {
    while (next < EVENTS) {
      const events = [];
      for (let n = 0; n < BATCH && next < EVENTS; n++) {
        const i = next++;
        events.push({ eventId: `bench-${i}-${randomUUID()}`, type: 'PAYMENT_COMPLETED', provider: 'mpesa', paymentMethod: 'MOBILE_MONEY', amountMinor: String(1000 + i), currency: 'KES' });
      }
      const body = JSON.stringify(BATCH === 1 ? { query: one, variables: { e: events[0] } } : { query: many, variables: { e: events } });
      const at = performance.now();
      for (const e of events) sent.set(e.eventId, at);
      const res = await fetch(url, { method: 'POST', headers, body });
      const json = (await res.json()) as { errors?: unknown };
      if (json.errors) throw new Error(`ingest failed: ${JSON.stringify(json.errors)}`);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${latencies.length}/${EVENTS} delivered`)), 300_000))]);
  const elapsed = (performance.now() - started) / 1000;

  await client.dispose();
  await app.stop();
  await db?.drop();
  latencies.sort((a, b) => a - b);
  baseline.sort((a, b) => a - b);
  return { mode, baselineP50: quantile(baseline, 0.5), p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? NaN, perSecond: EVENTS / elapsed };
}

const rows: Row[] = [];
const pgUp = await postgresReachable();
for (const mode of MODES) {
  if (mode !== 'embedded' && !pgUp) console.error(`PostgreSQL not reachable: ${mode} mode skipped`);
  else rows.push(await run(mode));
}

const f = (n: number) => n.toFixed(2);
console.log(`\ningest → subscriber latency, ${EVENTS} events, ${CONCURRENCY} mutation(s) in flight, ${BATCH} event(s) per mutation (ms; × = ratio to the baseline round trip)\n`);
console.log('| mode | baseline `{__typename}` p50 | delivery p50 | delivery p99 | max | events/s |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.mode} | ${f(r.baselineP50)} | ${f(r.p50)} (${(r.p50 / r.baselineP50).toFixed(1)}×) | ${f(r.p99)} (${(r.p99 / r.baselineP50).toFixed(1)}×) | ${f(r.max)} | ${r.perSecond.toFixed(0)} |`);
}
process.exit(0);
