/**
 * With Kafka configured, webhooks go through the same intake as the ingest mutations: the
 * provider is answered ACCEPTED once Kafka acknowledged, the consumer stores the event (source
 * `webhook`), and a Standard Webhooks id is recorded at acceptance, so its replay is refused.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { signStandard } from '../../src/webhooks/standard.js';
import type { TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';
import { kafkaNames, startKafkaApp } from '../kafka/support.js';
import { fixture, newMerchant, nowSeconds, paystackSignature, PROVIDER_WEBHOOK, send, setSecret } from './helpers.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

await describeWith(['postgres', 'redis', 'kafka'], 'webhooks through Kafka', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startKafkaApp(kafkaNames());
  });
  afterAll(() => t?.stop());

  it('answers ACCEPTED, the consumer stores the event once, and a replayed webhook-id is refused', async () => {
    const m = await newMerchant(t);
    const key = 'sk_test_kafka_0123456789abcdef0123';
    await setSecret(t, m, 'paystack', key);
    const body = fixture('paystack-charge-success.json');
    const res = await send(t, `/webhooks/paystack/${m.id}`, { body, headers: { 'x-paystack-signature': paystackSignature(key, body) } });
    expect(res).toEqual({ status: 200, json: { status: 'ACCEPTED', eventId: 'paystack:payment.completed:4099260516' } });

    const secret = await setSecret(t, m, 'acme_pay');
    const payload = JSON.stringify({ ...JSON.parse(fixture('standard-envelope.json')), eventId: `acme-${randomUUID()}` });
    const variables = { provider: 'acme_pay', merchantId: m.id, webhookId: `msg_${randomUUID()}`, webhookTimestamp: String(nowSeconds()), payload, signature: '' };
    variables.signature = signStandard(secret, variables.webhookId, variables.webhookTimestamp, payload);
    const first = await t.post({ query: PROVIDER_WEBHOOK, variables });
    expect(first.json.data?.providerWebhook).toMatchObject({ status: 'ACCEPTED', event: null });
    const replay = await t.post({ query: PROVIDER_WEBHOOK, variables });
    expect(replay.json.errors?.[0]?.extensions?.code).toBe('WEBHOOK_REPLAYED');

    const prisma = t.db.prisma;
    await waitUntil(async () => (await prisma.paymentEvent.count({ where: { merchantId: m.id } })) === 2, 60_000, () => 'both events stored');
    const rows = await prisma.paymentEvent.findMany({ where: { merchantId: m.id }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => [r.provider, r.source, r.amountMinor])).toEqual([
      ['paystack', 'webhook', 1250050n],
      ['acme_pay', 'webhook', 987654n],
    ]);
  });
});
