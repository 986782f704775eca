/**
 * RabbitMQ consumer drain throughput against the pipeline called directly and against the Kafka
 * consumer group, all in the same run on the same PostgreSQL database. In each of R rounds
 * (default 3) of N events (default 4,000) per path:
 *   0. a backlog of N events is put on each broker while nothing consumes;
 *   1. the pipeline is called directly with N other events in chunks of 500, one caller (the baseline);
 *   2. an app consuming only Kafka drains its backlog, then stops;
 *   3. an app consuming only RabbitMQ drains its backlog, then stops.
 * A drain is timed from its first stored event to its last (start-up and the group join are
 * left out and shown apart). The paths alternate within every round, so a change of load on this
 * shared machine hits all three alike; the table shows each path's median rate over the rounds
 * and its ratio to the baseline's median. Ratios matter, not the absolute numbers.
 *
 *   scripts/kafka/kafka start --for $$ && npm run bench:rabbitmq-drain [-- --events 4000 --rounds 3 --merchants 12 --shards 6 --batch 500 --prefetch 1000]
 *
 * The consumers work on several partitions (Kafka: 2 at a time) or shards (RabbitMQ: every one
 * it holds) at once, so on a database-bound pipeline they can beat the one-caller baseline.
 *
 * Needs PostgreSQL (BENCH_DATABASE_URL, default 127.0.0.1:5432), Kafka (KAFKA_BROKERS, default
 * 127.0.0.1:9092) and RabbitMQ (BENCH_RABBITMQ_URL, default amqp://guest:guest@127.0.0.1:5672).
 * Redis is not used: the in-memory pubsub keeps the comparison on the consumers.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { shardOf } from '../src/rabbitmq/topology.js';
import { createBenchDatabase, KAFKA_BROKERS as BROKERS } from './support.js';

const RABBITMQ_URL = process.env.BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '3' },
    merchants: { type: 'string', default: '12' },
    // RabbitMQ settings (defaults: the product's) to compare like with like.
    shards: { type: 'string', default: '6' },
    batch: { type: 'string', default: '500' },
    prefetch: { type: 'string', default: '1000' },
  },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const MERCHANTS = Number(values.merchants);

function envelope(i: number, run: string) {
  return {
    schemaVersion: 2,
    eventId: `${run}-${i}`,
    merchantId: `m_bench_${i % MERCHANTS}`,
    type: 'payment.completed',
    provider: 'mpesa',
    paymentMethod: 'mobile_money',
    amountMinor: String(1_000 + (i % 5_000)),
    feeMinor: '15',
    currency: 'KES',
    customerId: `cust-${i % 500}`,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const db = await createBenchDatabase();
  const id = randomUUID().slice(0, 8);
  const names = { exchange: `bench-${id}`, queue: `bench-${id}` };
  const base = { NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', DEMO_MERCHANT: '0', DATABASE_URL: db.url };
  const kafkaEnv = { KAFKA_BROKERS: BROKERS, KAFKA_TOPIC: `bench-${id}`, KAFKA_GROUP_ID: `bench-${id}` };
  const rabbitEnv = {
    RABBITMQ_URL,
    RABBITMQ_EXCHANGE: names.exchange,
    RABBITMQ_QUEUE: names.queue,
    RABBITMQ_SHARDS: values.shards!,
    RABBITMQ_BATCH_SIZE: values.batch!,
    RABBITMQ_PREFETCH: values.prefetch!,
  };

  // Set-up app: migrations, merchants, the Kafka topics and the RabbitMQ topology; consumes nothing.
  const setupConfig = loadConfig({ ...base, ...kafkaEnv, ...rabbitEnv, INGEST_BROKER: 'rabbitmq', KAFKA_CONSUMER: '0', RABBITMQ_CONSUMER: '0' });
  const setup = await createApp(setupConfig);
  await setup.start();
  const prisma = setup.infra.db.prisma;
  for (let m = 0; m < MERCHANTS; m++) await setup.domain.merchants.ensure({ id: `m_bench_${m}`, name: 'Bench', timezone: 'UTC' });
  const rabbit = setupConfig.rabbitmq!;
  const kafka = new Kafka({ clientId: 'bench', brokers: BROKERS.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const conn = await amqp.connect(RABBITMQ_URL);
  const ch = await conn.createConfirmChannel();

  async function backlogs(round: number) {
    for (let i = 0; i < EVENTS; i += 1_000) {
      const chunk = Array.from({ length: Math.min(1_000, EVENTS - i) }, (_, j) => envelope(i + j, `kafka-${round}`));
      await producer.send({ topic: kafkaEnv.KAFKA_TOPIC, acks: -1, messages: chunk.map((e) => ({ key: e.merchantId, value: JSON.stringify(e) })) });
    }
    for (let i = 0; i < EVENTS; i++) {
      const e = envelope(i, `rabbitmq-${round}`);
      ch.publish(rabbit.exchange, String(shardOf(e.merchantId, rabbit.shards)), Buffer.from(JSON.stringify(e)), { persistent: true, messageId: randomUUID(), contentType: 'application/json' });
      if (i % 1_000 === 999) await ch.waitForConfirms();
    }
    await ch.waitForConfirms();
  }

  /** The baseline: the pipeline directly, chunks of 500, one caller; events per second. */
  async function direct(round: number): Promise<number> {
    const events = Array.from({ length: EVENTS }, (_, i) => envelope(i, `direct-${round}`));
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += 500) await setup.infra.pipeline.ingest(events.slice(i, i + 500), { source: 'api' });
    return (EVENTS / (performance.now() - t0)) * 1000;
  }

  /** Starts a consuming app and times its drain from the first stored event to the last. */
  async function drain(env: Record<string, string>, source: 'kafka' | 'rabbitmq', round: number) {
    const target = EVENTS * (round + 1);
    const app: App = await createApp(loadConfig({ ...base, ...env }));
    const started = performance.now();
    await app.start();
    const count = () => prisma.paymentEvent.count({ where: { source } });
    const before = EVENTS * round;
    let first: { at: number; n: number } | undefined;
    // A broker restarted under the bench (its storage is formatted anew) would never drain: give up loudly.
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const n = await count();
      if (Date.now() > deadline) throw new Error(`${source} drain stalled at ${n - before} of ${EVENTS} events`);
      if (!first && n > before) first = { at: performance.now(), n };
      if (n >= target) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const end = performance.now();
    await app.stop();
    return { rate: ((target - first!.n) / (end - first!.at)) * 1000, toFirstMs: first!.at - started };
  }

  const rows: { round: number; direct: number; kafka: number; rabbitmq: number; kafkaFirstMs: number; rabbitFirstMs: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await backlogs(round);
    const d = await direct(round);
    const k = await drain({ ...kafkaEnv }, 'kafka', round);
    const r = await drain({ ...rabbitEnv }, 'rabbitmq', round);
    rows.push({ round: round + 1, direct: d, kafka: k.rate, rabbitmq: r.rate, kafkaFirstMs: k.toFirstMs, rabbitFirstMs: r.toFirstMs });
  }
  const stored = Object.fromEntries((await prisma.paymentEvent.groupBy({ by: ['source'], _count: true })).map((g) => [g.source, g._count]));
  await producer.disconnect();
  await conn.close();
  await setup.stop();

  // The bench's queues and exchanges go away with it.
  const cleanup = await amqp.connect(RABBITMQ_URL);
  const cc = await cleanup.createChannel();
  for (let s = 0; s < rabbit.shards; s++) await cc.deleteQueue(`${names.queue}.${s}`);
  await cc.deleteQueue(rabbit.deadLetterQueue);
  await cc.deleteQueue(`${names.queue}.members`).catch(() => {});
  await cc.deleteExchange(rabbit.exchange);
  await cc.deleteExchange(rabbit.deadLetterExchange);
  await cleanup.close().catch(() => {});
  await db.drop();

  console.log(
    `\n${ROUNDS} rounds × ${EVENTS} events per path over ${MERCHANTS} merchants, one PostgreSQL database; Kafka: ${setupConfig.kafka!.partitions} partitions, chunks of ${setupConfig.kafka!.batchSize}; ` +
      `RabbitMQ: ${rabbit.shards} shard queues, prefetch ${rabbit.prefetch}, chunks of ${rabbit.batchSize}. Stored: ${JSON.stringify(stored)} (expected ${EVENTS * ROUNDS} each)\n`,
  );
  console.table(rows.map((r) => ({ round: r.round, 'direct ev/s': Math.round(r.direct), 'kafka ev/s': Math.round(r.kafka), 'rabbitmq ev/s': Math.round(r.rabbitmq) })));
  const md = median(rows.map((r) => r.direct));
  const mk = median(rows.map((r) => r.kafka));
  const mr = median(rows.map((r) => r.rabbitmq));
  console.table([
    { path: 'pipeline direct (baseline)', 'median events/s': Math.round(md), 'x baseline': 1, 'median start to first event (ms)': 0 },
    { path: 'Kafka backlog drain', 'median events/s': Math.round(mk), 'x baseline': +(mk / md).toFixed(2), 'median start to first event (ms)': Math.round(median(rows.map((r) => r.kafkaFirstMs))) },
    { path: 'RabbitMQ backlog drain', 'median events/s': Math.round(mr), 'x baseline': +(mr / md).toFixed(2), 'median start to first event (ms)': Math.round(median(rows.map((r) => r.rabbitFirstMs))) },
  ]);
  console.log(`RabbitMQ / Kafka (medians): ${(mr / mk).toFixed(2)}; per round: ${rows.map((r) => (r.rabbitmq / r.kafka).toFixed(2)).join(', ')}`);
}

await main();
