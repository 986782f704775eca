/** Helpers for the Kafka suites: a unique topic and group per app, a raw producer, DLQ reading. */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Message, type Producer } from 'kafkajs';
import { startTestApp, type TestApp } from '../support/app.js';
import { KAFKA_BROKERS } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';

export function kafkaNames() {
  const id = randomBytes(4).toString('hex');
  return { topic: `pe-test-${id}`, dlqTopic: `pe-test-${id}.dlq`, groupId: `pg-test-${id}` };
}

/** The env that points an app at the test broker with its own topic and group. */
export function kafkaEnv(names: ReturnType<typeof kafkaNames>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS,
    KAFKA_TOPIC: names.topic,
    KAFKA_DLQ_TOPIC: names.dlqTopic,
    KAFKA_GROUP_ID: names.groupId,
    KAFKA_TOPIC_PARTITIONS: '6',
    KAFKA_RETRY_BASE_MS: '50',
    KAFKA_RETRY_MAX_MS: '1000',
    ...extra,
  };
}

export function testKafka(): Kafka {
  return new Kafka({ clientId: 'paypulse-tests', brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
}

/** A plain producer, as an upstream service would use (keyed by merchant id). */
export async function rawProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return producer;
}

export async function produceAll(producer: Producer, topic: string, messages: Message[], chunk = 500): Promise<void> {
  for (let i = 0; i < messages.length; i += chunk) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk) });
}

/** Every message on a topic from the beginning (for the dead-letter topic). */
export async function readTopic(kafka: Kafka, topic: string, expected: number, timeoutMs = 60_000) {
  const consumer = kafka.consumer({ groupId: `reader-${randomBytes(4).toString('hex')}` });
  const got: { key: string | null; value: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      got.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '', headers });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (got.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  // A short quiet period: nothing beyond what was expected.
  await new Promise((r) => setTimeout(r, 500));
  await consumer.disconnect();
  return got;
}

/** A version-2 envelope as an upstream service writes it. */
export function v2(merchantId: string, eventId: string, overrides: Record<string, unknown> = {}) {
  return { schemaVersion: 2, eventId, merchantId, type: 'payment.completed', provider: 'paystack', paymentMethod: 'card', amountMinor: '250000', feeMinor: '3750', currency: 'NGN', customerId: 'cust-9', ...overrides };
}

/** A version-1 envelope (the seed documents' shape): major units, snake_case, event_type. */
export function v1(merchantId: string, transactionId: string, overrides: Record<string, unknown> = {}) {
  return { transaction_id: transactionId, merchant_id: merchantId, event_type: 'payment_succeeded', amount: 1000.5, currency: 'KES', payment_method: 'mobile_money', provider: 'mpesa', customer_id: 'cust-1', ...overrides };
}

/** A services-mode app consuming its own topic, once its consumer has joined the group. */
export async function startKafkaApp(names: ReturnType<typeof kafkaNames>, extra: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp({ mode: 'services', env: kafkaEnv(names, extra) });
  await waitUntil(async () => (await t.app.readiness()).checks.kafkaConsumer === true, 60_000, () => 'consumer joined its group');
  return t;
}
