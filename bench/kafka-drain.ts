/**
 * Kafka consumer drain throughput: N events (default 20,000) already on the topic, consumed into
 * PostgreSQL, against a baseline measured in the same run on the same database: the pipeline
 * called directly with the same events in chunks of 500 (no Kafka). Ratios matter, not the
 * absolute numbers: this machine is shared and noisy.
 *
 *   scripts/kafka/kafka start && npm run bench:kafka-drain [-- --events 20000]
 *
 * Needs PostgreSQL (BENCH_DATABASE_URL, default 127.0.0.1:5432) and Kafka (KAFKA_BROKERS, default
 * 127.0.0.1:9092). Redis is not used: the in-memory pubsub keeps the comparison on the pipeline.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { benchAppEnv, createBenchDatabase, KAFKA_BROKERS as BROKERS } from './support.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '20000' }, merchants: { type: 'string', default: '12' } } });
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
  const topic = `bench-${id}`;
  const config = loadConfig(benchAppEnv(db.url, { KAFKA_BROKERS: BROKERS, KAFKA_TOPIC: topic, KAFKA_GROUP_ID: `bench-${id}` }));
  const app = await createApp(config);
  await app.start();
  const prisma = app.infra.db.prisma;
  for (let m = 0; m < MERCHANTS; m++) await app.domain.merchants.ensure({ id: `m_bench_${m}`, name: 'Bench', timezone: 'UTC' });

  // Baseline: the pipeline directly, chunks of 500.
  const direct = Array.from({ length: EVENTS }, (_, i) => envelope(i, 'direct'));
  let start = performance.now();
  for (let i = 0; i < direct.length; i += 500) await app.infra.pipeline.ingest(direct.slice(i, i + 500), { source: 'api' });
  const directMs = performance.now() - start;

  // Through Kafka: produce everything first, then time the consumer draining it.
  const kafka = new Kafka({ clientId: 'bench', brokers: BROKERS.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const viaKafka = Array.from({ length: EVENTS }, (_, i) => envelope(i, 'kafka'));
  start = performance.now();
  for (let i = 0; i < viaKafka.length; i += 1_000) {
    await producer.send({ topic, acks: -1, messages: viaKafka.slice(i, i + 1_000).map((e) => ({ key: e.merchantId, value: JSON.stringify(e) })) });
  }
  const produceMs = performance.now() - start;
  const target = EVENTS * 2;
  while ((await prisma.paymentEvent.count()) < target) await new Promise((r) => setTimeout(r, 50));
  const kafkaMs = performance.now() - start;
  const stored = await prisma.paymentEvent.count();

  await producer.disconnect();
  await app.stop();
  await db.drop();

  const rate = (ms: number) => Math.round((EVENTS / ms) * 1000);
  console.log(`\n${EVENTS} events over ${MERCHANTS} merchants, PostgreSQL, ${config.kafka!.partitions} partitions, consumer chunks of ${config.kafka!.batchSize}; stored ${stored} (expected ${target})\n`);
  console.table([
    { path: 'pipeline direct (baseline)', ms: Math.round(directMs), 'events/s': rate(directMs), 'x baseline time': 1 },
    { path: 'produce to Kafka (acks=all)', ms: Math.round(produceMs), 'events/s': rate(produceMs), 'x baseline time': +(produceMs / directMs).toFixed(2) },
    { path: 'produce → consumed and stored', ms: Math.round(kafkaMs), 'events/s': rate(kafkaMs), 'x baseline time': +(kafkaMs / directMs).toFixed(2) },
  ]);
}

await main();
