/**
 * With RabbitMQ as the ingest broker, webhooks go through the same publisher-confirmed intake as
 * the mutations (ACCEPTED, then stored by the consumer with source `webhook`); with Kafka and
 * RabbitMQ both configured, both are consumed and the mutations publish where INGEST_BROKER says.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';
import { kafkaEnv, kafkaNames, rawProducer, testKafka, v1 } from '../kafka/support.js';
import { fixture, newMerchant, paystackSignature, send, setSecret } from '../webhooks/helpers.js';
import { deleteTopology, metric, rabbitNames, rawPublisher, startRabbitApp } from './support.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

await describeWith(['postgres', 'redis', 'rabbitmq'], 'webhooks through RabbitMQ', () => {
  const names = rabbitNames();
  let t: TestApp;
  beforeAll(async () => {
    t = await startRabbitApp(names);
  });
  afterAll(async () => {
    await t?.stop();
    await deleteTopology(names);
  });

  it('answers ACCEPTED once the broker confirmed, and the consumer stores the event once as a webhook', async () => {
    const m = await newMerchant(t);
    const key = 'sk_test_rabbit_0123456789abcdef012';
    await setSecret(t, m, 'paystack', key);
    const body = fixture('paystack-charge-success.json');
    const res = await send(t, `/webhooks/paystack/${m.id}`, { body, headers: { 'x-paystack-signature': paystackSignature(key, body) } });
    expect(res).toEqual({ status: 200, json: { status: 'ACCEPTED', eventId: 'paystack:payment.completed:4099260516' } });
    // The provider retries the same delivery: accepted again, stored once.
    const again = await send(t, `/webhooks/paystack/${m.id}`, { body, headers: { 'x-paystack-signature': paystackSignature(key, body) } });
    expect(again.status).toBe(200);

    const prisma = t.db.prisma;
    await waitUntil(async () => (await metric(t, 'paypulse_rabbitmq_messages_total', 'outcome="duplicate"')) >= 1, 60_000, () => 'the repeat consumed');
    const rows = await prisma.paymentEvent.findMany({ where: { merchantId: m.id } });
    expect(rows.map((r) => [r.provider, r.source, r.amountMinor])).toEqual([['paystack', 'webhook', 1250050n]]);
    expect(await metric(t, 'paypulse_rabbitmq_published_total', 'outcome="confirmed"')).toBe(2);
  });
});

await describeWith(['postgres', 'redis', 'rabbitmq', 'kafka'], 'Kafka and RabbitMQ both configured', () => {
  const rabbit = rabbitNames();
  const kafka = kafkaNames();
  let t: TestApp;
  beforeAll(async () => {
    t = await startRabbitApp(rabbit, { ...kafkaEnv(kafka), INGEST_BROKER: 'rabbitmq' });
    await waitUntil(async () => (await t.app.readiness()).checks.kafkaConsumer === true, 60_000, () => 'Kafka consumer joined its group');
  });
  afterAll(async () => {
    await t?.stop();
    await deleteTopology(rabbit);
  });

  describe('one app', () => {
    it('consumes both brokers, and the mutations publish to the one INGEST_BROKER names', async () => {
      const merchantId = `both_${randomUUID().slice(0, 6)}`;
      await t.createMerchant(merchantId);
      const token = await t.merchantToken(merchantId);

      const viaMutation = eventInput();
      const res = await t.gql(IngestOne, { event: viaMutation }, { token });
      expect(res.data?.ingestPaymentEvent.status).toBe('ACCEPTED');

      const producer = await rawProducer(testKafka());
      try {
        await producer.send({ topic: kafka.topic, acks: -1, messages: [{ key: merchantId, value: JSON.stringify(v1(merchantId, 'from-kafka')) }] });
      } finally {
        await producer.disconnect();
      }
      const publisher = await rawPublisher(rabbit);
      try {
        await publisher.publish([{ merchantId, body: JSON.stringify(v1(merchantId, 'from-rabbitmq')), messageId: randomUUID() }]);
      } finally {
        await publisher.close();
      }

      const prisma = t.db.prisma;
      await waitUntil(async () => (await prisma.paymentEvent.count({ where: { merchantId } })) === 3, 60_000, () => 'three events stored');
      const rows = await prisma.paymentEvent.findMany({ where: { merchantId } });
      expect(Object.fromEntries(rows.map((r) => [r.eventId, r.source]))).toEqual({ [viaMutation.eventId]: 'api', 'from-kafka': 'kafka', 'from-rabbitmq': 'rabbitmq' });
      // The mutation went through RabbitMQ, not Kafka.
      expect(await metric(t, 'paypulse_rabbitmq_published_total', 'outcome="confirmed"')).toBe(1);
      expect(await metric(t, 'paypulse_rabbitmq_messages_total', 'outcome="ingested"')).toBe(2);
      expect((await t.app.readiness()).checks).toMatchObject({ kafkaConsumer: true, rabbitmqConsumer: true, rabbitmqPublisher: true });
    });
  });
});
