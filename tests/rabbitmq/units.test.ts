/**
 * The small parts of the RabbitMQ source: the shard function producers must reproduce, message
 * identity for dead letters, and the intake refusing (SERVICE_UNAVAILABLE) when the broker does
 * not confirm — against the real broker where a broker is involved.
 */
import { randomUUID } from 'node:crypto';
import amqp, { type Message } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { IntakeUnavailableError } from '../../src/ingest/intake.js';
import { createLogger } from '../../src/lib/logger.js';
import { createMetrics } from '../../src/lib/metrics.js';
import { describeHeaders, messageDigest, previousDeliveries } from '../../src/rabbitmq/codec.js';
import { createRabbitIntake } from '../../src/rabbitmq/intake.js';
import { brokerAddress, withHeartbeat } from '../../src/rabbitmq/link.js';
import { createRabbitMetrics } from '../../src/rabbitmq/metrics.js';
import { shardOf } from '../../src/rabbitmq/topology.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWith, RABBITMQ_URL } from '../support/services.js';
import { deleteTopology, queueDepth, rabbitEnv, rabbitNames } from './support.js';

function message(overrides: { content?: string; messageId?: string; headers?: Record<string, unknown>; timestamp?: number } = {}): Message {
  return {
    content: Buffer.from(overrides.content ?? '{"eventId":"e1"}'),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'x', routingKey: '2' },
    properties: {
      contentType: 'application/json',
      contentEncoding: undefined,
      headers: overrides.headers,
      deliveryMode: 2,
      priority: undefined,
      correlationId: undefined,
      replyTo: undefined,
      expiration: undefined,
      messageId: overrides.messageId,
      timestamp: overrides.timestamp,
      type: undefined,
      userId: undefined,
      appId: undefined,
      clusterId: undefined,
    },
  } as Message;
}

describe('shardOf', () => {
  it('is the first 4 bytes of SHA-256 of the UTF-8 id, big-endian, modulo the shard count (values computed with Python hashlib)', () => {
    expect(shardOf('m_demo', 4)).toBe(2);
    expect(shardOf('rq1_abc', 4)).toBe(1);
    expect(shardOf('ü-merchant', 4)).toBe(1);
    expect(shardOf('anything', 1)).toBe(0);
  });
  it('spreads merchants over every shard', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8_000; i++) counts[shardOf(`m_${i}`, 8)]! += 1;
    for (const n of counts) expect(n).toBeGreaterThan(800);
  });
});

describe('message identity for dead letters', () => {
  it('is the message id when there is one, whatever else differs', () => {
    const a = messageDigest(message({ messageId: 'id-1', content: 'a' }));
    expect(messageDigest(message({ messageId: 'id-1', content: 'b', headers: { 'x-delivery-count': 3 } }))).toBe(a);
    expect(messageDigest(message({ messageId: 'id-2', content: 'a' }))).not.toBe(a);
  });
  it('without an id, is the body, timestamp and own headers, ignoring what the broker adds on redelivery', () => {
    const first = messageDigest(message({ content: 'x', timestamp: 1, headers: { 'merchant-id': 'm1' } }));
    expect(messageDigest(message({ content: 'x', timestamp: 1, headers: { 'merchant-id': 'm1', 'x-delivery-count': 2, 'x-death': [{ count: 1 }] } }))).toBe(first);
    expect(messageDigest(message({ content: 'y', timestamp: 1, headers: { 'merchant-id': 'm1' } }))).not.toBe(first);
    expect(messageDigest(message({ content: 'x', timestamp: 2, headers: { 'merchant-id': 'm1' } }))).not.toBe(first);
    expect(messageDigest(message({ content: 'x', timestamp: 1, headers: { 'merchant-id': 'm2' } }))).not.toBe(first);
  });
  it('fits a signed 64-bit offset', () => {
    for (let i = 0; i < 200; i++) {
      const digest = BigInt(messageDigest(message({ messageId: randomUUID() })));
      expect(digest >= 0n && digest <= 9_223_372_036_854_775_807n).toBe(true);
    }
  });
  it('reads the delivery count quorum queues set, and describes headers as text', () => {
    expect(previousDeliveries(message())).toBe(0);
    expect(previousDeliveries(message({ headers: { 'x-delivery-count': 4 } }))).toBe(4);
    expect(previousDeliveries(message({ headers: { 'x-delivery-count': 'lots' } }))).toBe(0);
    expect(describeHeaders(message({ messageId: 'id-9', headers: { 'merchant-id': Buffer.from('m1'), n: 2 } }))).toEqual({
      'merchant-id': 'm1',
      n: '2',
      'message-id': 'id-9',
      'content-type': 'application/json',
      'routing-key': '2',
    });
  });
});

describe('connection settings', () => {
  it('asks for 10 s heartbeats unless the URL names its own, and logs the broker without credentials', () => {
    expect(withHeartbeat('amqp://u:p@h:5672')).toBe('amqp://u:p@h:5672?heartbeat=10');
    expect(withHeartbeat('amqp://u:p@h:5672/vh?heartbeat=30')).toBe('amqp://u:p@h:5672/vh?heartbeat=30');
    expect(brokerAddress('amqps://user:secret@mq.internal:5671/payments')).toBe('amqps://mq.internal:5671/payments');
    expect(brokerAddress('amqp://guest:guest@127.0.0.1:5672')).not.toContain('guest');
  });
});

await describeWith(['rabbitmq'], 'RabbitMQ intake when the broker does not confirm', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
    await t.createMerchant('m_unconfirmed');
  });
  afterAll(async () => t?.stop());
  const event = { eventId: 'e1', type: 'payment.completed', provider: 'mpesa', amountMinor: '100', currency: 'KES' };
  const logger = createLogger({ level: 'silent' });

  it('refuses with IntakeUnavailableError when it is not connected, and answers invalid items without the broker', async () => {
    const config = loadConfig({ RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:9' }).rabbitmq!;
    const metrics = createRabbitMetrics(createMetrics({ defaultMetrics: false }).registry);
    // Never started: no connection.
    const intake = createRabbitIntake({ config, merchants: t.domain.merchants, logger, metrics });
    await expect(intake.ingest([event], { source: 'api', merchantId: 'm_unconfirmed' })).rejects.toBeInstanceOf(IntakeUnavailableError);
    expect(intake.readiness()).toBe(false);
    const invalid = await intake.ingest([{ ...event, currency: 'KSH' }], { source: 'api', merchantId: 'm_unconfirmed' });
    expect(invalid).toMatchObject({ accepted: 0, rejected: 1 });
    // The refused call counts as one failed publish; the invalid item was never published.
    expect(Object.fromEntries((await metrics.published.get()).values.map((v) => [v.labels.outcome, v.value]))).toEqual({ failed: 1 });
  });

  it('refuses with IntakeUnavailableError when the broker returns the events as unroutable, then publishes again once the shard queue is back', async () => {
    const names = rabbitNames();
    const config = loadConfig(rabbitEnv(names)).rabbitmq!;
    const metrics = createRabbitMetrics(createMetrics({ defaultMetrics: false }).registry);
    const intake = createRabbitIntake({ config, merchants: t.domain.merchants, logger, metrics });
    await intake.start();
    try {
      expect(intake.readiness()).toBe(true);
      const shardQueue = `${names.queue}.${shardOf('m_unconfirmed', names.shards)}`;
      const conn = await amqp.connect(RABBITMQ_URL);
      const ch = await conn.createChannel();
      await ch.unbindQueue(shardQueue, names.exchange, String(shardOf('m_unconfirmed', names.shards)));
      await expect(intake.ingest([event], { source: 'api', merchantId: 'm_unconfirmed' })).rejects.toThrow(/did not confirm/);
      expect(await queueDepth(shardQueue)).toBe(0);

      await ch.bindQueue(shardQueue, names.exchange, String(shardOf('m_unconfirmed', names.shards)));
      await conn.close();
      const ok = await intake.ingest([event], { source: 'api', merchantId: 'm_unconfirmed' });
      expect(ok).toMatchObject({ accepted: 1, rejected: 0 });
      expect(await queueDepth(shardQueue)).toBe(1);
      const published = (await metrics.published.get()).values;
      expect(Object.fromEntries(published.map((v) => [v.labels.outcome, v.value]))).toEqual({ failed: 1, confirmed: 1 });
    } finally {
      await intake.stop();
      await deleteTopology(names);
    }
  });

  it('refuses with IntakeUnavailableError when the exchange is gone, and recovers on a new channel once it is declared again', async () => {
    const names = rabbitNames();
    const config = loadConfig(rabbitEnv(names)).rabbitmq!;
    const metrics = createRabbitMetrics(createMetrics({ defaultMetrics: false }).registry);
    const intake = createRabbitIntake({ config, merchants: t.domain.merchants, logger, metrics });
    await intake.start();
    try {
      const conn = await amqp.connect(RABBITMQ_URL);
      const ch = await conn.createChannel();
      await ch.deleteExchange(names.exchange);
      // Publishing to a missing exchange closes the channel (404): the pending confirm fails.
      await expect(intake.ingest([event], { source: 'api', merchantId: 'm_unconfirmed' })).rejects.toBeInstanceOf(IntakeUnavailableError);
      await ch.assertExchange(names.exchange, 'direct', { durable: true });
      for (let shard = 0; shard < names.shards; shard++) await ch.bindQueue(`${names.queue}.${shard}`, names.exchange, String(shard));
      await conn.close();
      expect(await intake.ingest([event], { source: 'api', merchantId: 'm_unconfirmed' })).toMatchObject({ accepted: 1 });
    } finally {
      await intake.stop();
      await deleteTopology(names);
    }
  });
});
