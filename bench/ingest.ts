/**
 * Ingest throughput against the same-work SQL limit (bench/same-work-limit.ts), medians over
 * rounds, every ratio taken against the limit measured in the same round on the same database:
 *
 *   npm run bench:ingest [-- --rounds 3 --events 10000]
 *
 * Needs PostgreSQL (BENCH_DATABASE_URL) and Kafka (KAFKA_BROKERS; the Kafka row is skipped when
 * unreachable). The single-event HTTP callers run in a process of their own (bench/singles-load.ts). Redis is not used: the in-memory pubsub keeps the comparison on the pipeline.
 * This machine is shared and noisy: read the ratios, not the absolute numbers.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pg from 'pg';
import { createApp, type App } from '../src/app.js';
import { signToken } from '../src/auth/jwt.js';
import { loadConfig, type Config } from '../src/config.js';
import { lines } from './child-lines.js';
import { sameWorkLimit } from './same-work-limit.js';
import { createBenchDatabase, KAFKA_BROKERS } from './support.js';
import { benchEvent, benchEventInput } from './workload.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, events: { type: 'string', default: '10000' }, kafka: { type: 'boolean', default: true } } });
const ROUNDS = Number(values.rounds);
const EVENTS = Number(values.events);
const MERCHANTS = 12;
const SECRET = 'bench-secret-for-paypulse-0123456789abcdef';

const env = (db: string, extra: Record<string, string> = {}) => ({
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
  DEMO_MERCHANT: '0',
  DATABASE_URL: db,
  NOTIFICATIONS_WORKER: 'false',
  RATE_LIMIT_PER_MINUTE: '0',
  JWT_SECRET: SECRET,
  ...extra,
});

const INGEST_MANY = `mutation($events: [PaymentEventInput!]!) { ingestPaymentEvents(events: $events) { ingested } }`;

async function post(url: string, token: string, body: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  const answer = (await res.json()) as { errors?: unknown[] };
  if (answer.errors) throw new Error(JSON.stringify(answer.errors));
}

const rate = (n: number, ms: number) => n / (ms / 1000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function merchants(app: App, prefix: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}_${i}`);
  for (const id of ids) await app.domain.merchants.ensure({ id, name: id, timezone: 'UTC' });
  return ids;
}

/** Runs a bench/singles-load.ts job in its own process; resolves with its one JSON line. */
async function loadJob<T>(job: Record<string, unknown>): Promise<T> {
  const child = spawn(process.execPath, ['--import', './scripts/ts-loader.mjs', 'bench/singles-load.ts', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const line = await lines(child, 'singles-load', 600_000).next(() => true, 'the load result');
  if (line.error) throw new Error(String(line.error));
  return line as T;
}

/** C callers, each sending single events one after another (another process): events/s and latencies. */
function singles(url: string, tokens: Map<string, string>, callers: number, perCaller: number, run: string) {
  return loadJob<{ rate: number; p50: number; p99: number }>({ kind: 'closed', url, tokens: Object.fromEntries(tokens), callers, perCaller, run });
}

/** Single events sent at a fixed rate (open loop, another process) for `seconds`: their latencies. */
function paced(url: string, tokens: Map<string, string>, perSecond: number, seconds: number, run: string) {
  return loadJob<{ p50: number; p99: number }>({ kind: 'paced', url, tokens: Object.fromEntries(tokens), perSecond, seconds, run });
}

async function kafkaReachable(): Promise<boolean> {
  const kafka = new Kafka({ clientId: 'bench-probe', brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING, connectionTimeout: 2000, retry: { retries: 0 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

type Row = { rate: number; ratio: number; p50?: number; p99?: number };

async function round(r: number, dbUrl: string, app: App, url: string, config: Config, useKafka: boolean): Promise<Record<string, Row>> {
  const run = `r${r}-${randomUUID().slice(0, 6)}`;
  const out: Record<string, Row> = {};
  const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });

  const [limitMerchant] = await merchants(app, `${run}_limit`, 1);
  const limit = await sameWorkLimit(pool, limitMerchant!, Array.from({ length: EVENTS }, (_, i) => benchEvent(i, `${run}-limit`, limitMerchant!)), 1000);
  await pool.end();
  out['same-work SQL limit, 1000/transaction'] = { rate: limit, ratio: 1 };
  const row = (name: string, events: number, ms: number, extra: Partial<Row> = {}) => {
    const v = rate(events, ms);
    out[name] = { rate: v, ratio: v / limit, ...extra };
  };

  const [direct] = await merchants(app, `${run}_direct`, 1);
  let start = performance.now();
  for (let i = 0; i < EVENTS; i += 1000) {
    await app.infra.pipeline.ingest(Array.from({ length: 1000 }, (_, k) => benchEvent(i + k, `${run}-direct`, direct!)), { source: 'api' });
  }
  row('pipeline direct, 1000/call', EVENTS, performance.now() - start);

  const [http] = await merchants(app, `${run}_http`, 1);
  const httpToken = await signToken(config.auth, { sub: `u-${http}`, role: 'merchant', merchantId: http! });
  // The request bodies are made before the clock starts: the client's JSON is not the server's work.
  const bodies: string[] = [];
  for (let i = 0; i < EVENTS; i += 1000) {
    bodies.push(JSON.stringify({ query: INGEST_MANY, variables: { events: Array.from({ length: 1000 }, (_, k) => benchEventInput(benchEvent(i + k, `${run}-http`, http!))) } }));
  }
  start = performance.now();
  for (const body of bodies) await post(url, httpToken, body);
  row('HTTP ingestPaymentEvents, 1000/call', EVENTS, performance.now() - start);

  const twelve = await merchants(app, `${run}_drain`, MERCHANTS);
  const mixed = Array.from({ length: EVENTS }, (_, i) => benchEvent(Math.floor(i / MERCHANTS), `${run}-drain`, twelve[i % MERCHANTS]!));
  start = performance.now();
  for (let i = 0; i < mixed.length; i += 500) await app.infra.pipeline.ingest(mixed.slice(i, i + 500), { source: 'kafka' });
  row(`${MERCHANTS} merchants × chunks of 500 (drain shape)`, EVENTS, performance.now() - start);

  if (useKafka) {
    const topic = `bench-ingest-${run}`;
    const kafkaConfig = loadConfig(env(dbUrl, { KAFKA_BROKERS, KAFKA_TOPIC: topic, KAFKA_GROUP_ID: `bench-${run}` }));
    const consumerApp = await createApp(kafkaConfig);
    await consumerApp.start();
    const ids = await merchants(consumerApp, `${run}_kafka`, MERCHANTS);
    const kafka = new Kafka({ clientId: 'bench', brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const events = Array.from({ length: EVENTS }, (_, i) => benchEvent(Math.floor(i / MERCHANTS), `${run}-kafka`, ids[i % MERCHANTS]!));
    const count = async () =>
      Number((await consumerApp.infra.db.prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM payment_events WHERE merchant_id = ANY($1::text[])`, ids))[0]!.n);
    start = performance.now();
    for (let i = 0; i < events.length; i += 1000) {
      await producer.send({ topic, acks: -1, messages: events.slice(i, i + 1000).map((e) => ({ key: e.merchantId, value: JSON.stringify(e) })) });
    }
    while ((await count()) < EVENTS) await new Promise((res) => setTimeout(res, 20));
    row('Kafka produce → stored', EVENTS, performance.now() - start);
    await producer.disconnect();
    await consumerApp.stop();
  }

  const people = await merchants(app, `${run}_single`, MERCHANTS);
  const tokens = new Map(await Promise.all(people.map(async (id) => [id, await signToken(config.auth, { sub: `u-${id}`, role: 'merchant', merchantId: id })] as const)));
  let at64 = 0;
  for (const [callers, per] of [[1, 200], [16, 60], [64, 40]] as const) {
    const s = await singles(url, tokens, callers, per, `${run}-s${callers}`);
    out[`HTTP single events, ${callers} concurrent caller${callers > 1 ? 's' : ''}`] = { rate: s.rate, ratio: s.rate / limit, p50: s.p50, p99: s.p99 };
    if (callers === 64) at64 = s.rate;
  }
  const half = await paced(url, tokens, at64 / 2, 3, `${run}-paced`);
  out[`HTTP single events at half the 64-caller rate (${Math.round(at64 / 2)}/s)`] = { rate: at64 / 2, ratio: at64 / 2 / limit, p50: half.p50, p99: half.p99 };
  return out;
}

async function main() {
  const db = await createBenchDatabase();
  const config = loadConfig(env(db.url));
  const app = await createApp(config);
  const { port } = await app.start();
  const url = `http://127.0.0.1:${port}/graphql`;
  const useKafka = values.kafka && (await kafkaReachable());
  const rounds: Record<string, Row>[] = [];
  try {
    for (let r = 1; r <= ROUNDS; r++) {
      rounds.push(await round(r, db.url, app, url, config, useKafka));
      console.error(`round ${r} done`);
    }
  } finally {
    await app.stop();
    await db.drop();
  }
  const names = Object.keys(rounds[0]!);
  console.log(`\n${EVENTS} events per row, PostgreSQL, medians over ${ROUNDS} rounds (× = events/s ÷ the same-work SQL limit of the same round)\n`);
  console.log('| path | events/s | × limit | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|');
  for (const name of names) {
    const rows = rounds.map((r) => r[name]!).filter(Boolean);
    const ms = (k: 'p50' | 'p99') => (rows[0]![k] === undefined ? '' : median(rows.map((x) => x[k]!)).toFixed(1));
    console.log(`| ${name} | ${Math.round(median(rows.map((x) => x.rate)))} | ${median(rows.map((x) => x.ratio)).toFixed(2)} | ${ms('p50')} | ${ms('p99')} |`);
  }
}

await main();
