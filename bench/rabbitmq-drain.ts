/**
 * RabbitMQ consumer drain throughput against the pipeline called directly and against the Kafka
 * consumer group, all in the same run on the same PostgreSQL database: N events (default 10,000)
 * are put on both brokers first (a backlog), then
 *   1. the pipeline is called directly with N other events in chunks of 500 (the baseline);
 *   2. an app consuming only Kafka drains its backlog;
 *   3. an app consuming only RabbitMQ drains its backlog.
 * A drain is timed from its first stored event to its last (start-up and the group join are
 * left out and shown apart). Ratios matter, not the absolute numbers: this machine is shared.
 *
 *   scripts/kafka/kafka start --for $$ && npm run bench:rabbitmq-drain [-- --events 10000 --merchants 12 --shards 4 --batch 250 --prefetch 500]
 *
 * The direct baseline is one caller calling the pipeline chunk after chunk; the consumers work on
 * several partitions (Kafka: 2 at a time) or shards (RabbitMQ: all it holds) at once.
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
    events: { type: 'string', default: '10000' },
    merchants: { type: 'string', default: '12' },
    // RabbitMQ settings (defaults: the product's) to compare like with like.
    shards: { type: 'string', default: '4' },
    batch: { type: 'string', default: '250' },
    prefetch: { type: 'string', default: '500' },
  },
});
const EVENTS = Number(values.events);
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
  const prisma = setup.services.db.prisma;
  for (let m = 0; m < MERCHANTS; m++) await setup.services.merchants.ensure({ id: `m_bench_${m}`, name: 'Bench', timezone: 'UTC' });
  const rabbit = setupConfig.rabbitmq!;

  // The backlogs, on both brokers before anything consumes them.
  const kafka = new Kafka({ clientId: 'bench', brokers: BROKERS.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < EVENTS; i += 1_000) {
    const chunk = Array.from({ length: Math.min(1_000, EVENTS - i) }, (_, j) => envelope(i + j, 'kafka'));
    await producer.send({ topic: kafkaEnv.KAFKA_TOPIC, acks: -1, messages: chunk.map((e) => ({ key: e.merchantId, value: JSON.stringify(e) })) });
  }
  await producer.disconnect();
  const conn = await amqp.connect(RABBITMQ_URL);
  const ch = await conn.createConfirmChannel();
  for (let i = 0; i < EVENTS; i++) {
    const e = envelope(i, 'rabbitmq');
    ch.publish(rabbit.exchange, String(shardOf(e.merchantId, rabbit.shards)), Buffer.from(JSON.stringify(e)), { persistent: true, messageId: randomUUID(), contentType: 'application/json' });
    if (i % 1_000 === 999) await ch.waitForConfirms();
  }
  await ch.waitForConfirms();
  await conn.close();

  // 1. Baseline: the pipeline directly, chunks of 500.
  const direct = Array.from({ length: EVENTS }, (_, i) => envelope(i, 'direct'));
  const t0 = performance.now();
  for (let i = 0; i < direct.length; i += 500) await setup.services.pipeline.ingest(direct.slice(i, i + 500), { source: 'api' });
  const directMs = performance.now() - t0;

  /** Starts a consuming app and times its drain from the first stored event to the last. */
  async function drain(env: Record<string, string>, source: 'kafka' | 'rabbitmq') {
    const app: App = await createApp(loadConfig({ ...base, ...env }));
    const started = performance.now();
    await app.start();
    const count = () => prisma.paymentEvent.count({ where: { source } });
    let first: { at: number; n: number } | undefined;
    // A broker restarted under the bench (its storage is formatted anew) would never drain: give up loudly.
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${source} drain stalled at ${await count()} of ${EVENTS} events`);
      const n = await count();
      if (!first && n > 0) first = { at: performance.now(), n };
      if (n >= EVENTS) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const end = performance.now();
    await app.stop();
    const ms = end - first!.at;
    return { ms, rate: Math.round(((EVENTS - first!.n) / ms) * 1000), toFirstMs: Math.round(first!.at - started), stored: await count() };
  }

  const viaKafka = await drain({ ...kafkaEnv }, 'kafka');
  const viaRabbit = await drain({ ...rabbitEnv }, 'rabbitmq');
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

  const directRate = Math.round((EVENTS / directMs) * 1000);
  console.log(
    `\n${EVENTS} events per path over ${MERCHANTS} merchants, one PostgreSQL database; Kafka: ${setupConfig.kafka!.partitions} partitions, chunks of ${setupConfig.kafka!.batchSize}; ` +
      `RabbitMQ: ${rabbit.shards} shard queues, prefetch ${rabbit.prefetch}, chunks of ${rabbit.batchSize}. Stored: kafka ${viaKafka.stored}, rabbitmq ${viaRabbit.stored} (expected ${EVENTS} each)\n`,
  );
  console.table([
    { path: 'pipeline direct (baseline)', 'events/s': directRate, 'x baseline rate': 1, 'start to first event (ms)': 0 },
    { path: 'Kafka backlog drain', 'events/s': viaKafka.rate, 'x baseline rate': +(viaKafka.rate / directRate).toFixed(2), 'start to first event (ms)': viaKafka.toFirstMs },
    { path: 'RabbitMQ backlog drain', 'events/s': viaRabbit.rate, 'x baseline rate': +(viaRabbit.rate / directRate).toFixed(2), 'start to first event (ms)': viaRabbit.toFirstMs },
  ]);
  console.log(`RabbitMQ / Kafka drain rate: ${(viaRabbit.rate / viaKafka.rate).toFixed(2)}`);
}

await main();
