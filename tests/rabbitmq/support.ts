/**
 * Helpers for the RabbitMQ suites: unique exchange and queue names per app (parallel runs never
 * share a queue), a plain amqplib publisher routing by shardOf as an upstream service would,
 * reading the dead-letter queue, and removing a test's topology from the broker afterwards.
 */
import { randomBytes } from 'node:crypto';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { shardOf } from '../../src/rabbitmq/topology.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { RABBITMQ_URL } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';

export const SHARDS = 4;

export interface RabbitNames {
  exchange: string;
  queue: string;
  dlx: string;
  dlq: string;
  shards: number;
}

export function rabbitNames(shards = SHARDS): RabbitNames {
  const id = randomBytes(4).toString('hex');
  return { exchange: `pe-test-${id}`, queue: `pe-test-${id}`, dlx: `pe-test-${id}.dlx`, dlq: `pe-test-${id}.dlq`, shards };
}

/** The env that points an app at the test broker with its own exchange and queues. */
export function rabbitEnv(names: RabbitNames, extra: Record<string, string> = {}): Record<string, string> {
  return {
    RABBITMQ_URL,
    RABBITMQ_EXCHANGE: names.exchange,
    RABBITMQ_QUEUE: names.queue,
    RABBITMQ_DLX: names.dlx,
    RABBITMQ_DLQ: names.dlq,
    RABBITMQ_SHARDS: String(names.shards),
    RABBITMQ_RETRY_BASE_MS: '50',
    RABBITMQ_RETRY_MAX_MS: '1000',
    RABBITMQ_REBALANCE_MS: '300',
    ...extra,
  };
}

/** A services-mode app consuming its own queues, once it holds every shard it should. */
export async function startRabbitApp(names: RabbitNames, extra: Record<string, string> = {}, databaseUrl?: string): Promise<TestApp> {
  const t = await startTestApp({ mode: 'services', env: rabbitEnv(names, extra), ...(databaseUrl ? { databaseUrl } : {}) });
  await waitUntil(async () => (await t.app.readiness()).checks.rabbitmqConsumer === true, 60_000, () => 'RabbitMQ consumer connected');
  return t;
}

export interface Publisher {
  /** Publishes with confirms, routed to the merchant's shard like paypulse's own intake. */
  publish(messages: { merchantId: string | undefined; body: string | Buffer; messageId?: string; headers?: Record<string, string>; routingKey?: string }[]): Promise<void>;
  close(): Promise<void>;
}

export async function rawPublisher(names: RabbitNames): Promise<Publisher> {
  const conn: ChannelModel = await amqp.connect(RABBITMQ_URL);
  const ch: ConfirmChannel = await conn.createConfirmChannel();
  return {
    async publish(messages) {
      for (let i = 0; i < messages.length; i += 500) {
        for (const m of messages.slice(i, i + 500)) {
          const routingKey = m.routingKey ?? String(shardOf(m.merchantId ?? '', names.shards));
          ch.publish(names.exchange, routingKey, Buffer.isBuffer(m.body) ? m.body : Buffer.from(m.body), {
            persistent: true,
            contentType: 'application/json',
            ...(m.messageId ? { messageId: m.messageId } : {}),
            headers: { ...(m.merchantId ? { 'merchant-id': m.merchantId } : {}), ...m.headers },
          });
        }
        await ch.waitForConfirms();
      }
    },
    async close() {
      await conn.close().catch(() => {});
    },
  };
}

/** Messages waiting in a queue (passive declare). */
export async function queueDepth(queue: string): Promise<number> {
  const conn = await amqp.connect(RABBITMQ_URL);
  try {
    const ch = await conn.createChannel();
    return (await ch.checkQueue(queue)).messageCount;
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Takes every message off a queue (for the dead-letter queue), acknowledging them. */
export async function drainQueue(queue: string, expected: number, timeoutMs = 60_000) {
  const conn = await amqp.connect(RABBITMQ_URL);
  const got: { body: string; headers: Record<string, unknown>; messageId: unknown }[] = [];
  try {
    const ch = await conn.createChannel();
    const deadline = Date.now() + timeoutMs;
    while (got.length < expected && Date.now() < deadline) {
      const message = await ch.get(queue, { noAck: true });
      if (message === false) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      got.push({ body: message.content.toString(), headers: message.properties.headers ?? {}, messageId: message.properties.messageId });
    }
    // Nothing beyond what was expected.
    await new Promise((r) => setTimeout(r, 300));
    for (;;) {
      const extra = await ch.get(queue, { noAck: true });
      if (extra === false) break;
      got.push({ body: extra.content.toString(), headers: extra.properties.headers ?? {}, messageId: extra.properties.messageId });
    }
    return got;
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Removes a test's exchanges and queues from the broker (quorum queues outlive their users). */
export async function deleteTopology(names: RabbitNames): Promise<void> {
  const conn = await amqp.connect(RABBITMQ_URL).catch(() => undefined);
  if (!conn) return;
  try {
    for (const queue of [...Array.from({ length: names.shards }, (_, i) => `${names.queue}.${i}`), names.dlq, `${names.queue}.members`]) {
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      await ch.deleteQueue(queue).catch(() => {});
      await ch.close().catch(() => {});
    }
    for (const exchange of [names.exchange, names.dlx]) {
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      await ch.deleteExchange(exchange).catch(() => {});
      await ch.close().catch(() => {});
    }
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Reads one Prometheus sample (no labels or the given label set) from an app's /metrics. */
export async function metric(t: TestApp, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(t.url.replace('/graphql', '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
