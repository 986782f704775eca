/** The small pure parts of the Kafka source: backoff, failure classification, message decoding. */
import { describe, expect, it } from 'vitest';
import { decodeMessage, sourceOf } from '../../src/kafka/codec.js';
import { backoffDelay } from '../../src/lib/backoff.js';
import { isTransient } from '../../src/lib/transient.js';
import { loadConfig } from '../../src/config.js';
import { IntakeUnavailableError } from '../../src/ingest/intake.js';
import { createKafkaIntake } from '../../src/kafka/producer.js';
import { startTestApp } from '../support/app.js';
import { testKafka } from './support.js';

describe('backoffDelay', () => {
  const policy = { baseMs: 100, maxMs: 5_000 };
  it('doubles per attempt with jitter between half and the whole of the step, capped', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, policy, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, policy, () => 1))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(30, policy, () => 1)).toBe(5_000);
    expect(backoffDelay(30, policy, () => 0)).toBe(2_500);
  });
  it('spreads retries of the same attempt', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, policy)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d >= 800 && d <= 1_600, `${d} within [800, 1600]`).toBe(true);
  });
});

describe('isTransient', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ["Prisma's cannot-reach", Object.assign(new Error('x'), { code: 'P1001' })],
    ['a pool timeout', Object.assign(new Error('x'), { code: 'P2024' })],
    ['a serialization failure', Object.assign(new Error('x'), { code: '40001' })],
    ['a deadlock', Object.assign(new Error('x'), { code: '40P01' })],
    ['an admin shutdown', Object.assign(new Error('x'), { code: '57P01' })],
    ['a cause chain', new Error('ingest failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) })],
    ['a failed publish', Object.assign(new Error('stored but not published'), { name: 'PublishError' })],
  ])('treats %s as transient', (_label, error) => expect(isTransient(error)).toBe(true));

  it.each([
    ['a check constraint', Object.assign(new Error('violates check constraint'), { code: '23514' })],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a string', 'boom'],
    ['undefined', undefined],
  ])('treats %s as permanent', (_label, error) => expect(isTransient(error)).toBe(false));
});

describe('decodeMessage', () => {
  it('fills the merchant from the key when the envelope names none, in the envelope version it uses', () => {
    expect(decodeMessage(Buffer.from('{"eventId":"e1"}'), Buffer.from('m1'))).toEqual({ ok: true, input: { eventId: 'e1', merchantId: 'm1' }, merchantId: 'm1' });
    expect(decodeMessage('{"transaction_id":"t1"}', 'm1')).toEqual({ ok: true, input: { transaction_id: 't1', merchant_id: 'm1' }, merchantId: 'm1' });
  });
  it("keeps the envelope's own merchant", () => {
    expect(decodeMessage('{"eventId":"e1","merchantId":"m2"}', 'm1')).toMatchObject({ ok: true, merchantId: 'm2', input: { merchantId: 'm2' } });
  });
  it.each([
    ['no value', null],
    ['an empty value', ''],
    ['broken JSON', '{"eventId":'],
    ['an array', '[1,2]'],
    ['a number', '42'],
    ['null', 'null'],
  ])('refuses %s as INVALID_JSON', (_label, value) => {
    expect(decodeMessage(value, 'm1')).toMatchObject({ ok: false, code: 'INVALID_JSON' });
  });
  it('takes the source from the producer header when it is a known source', () => {
    expect(sourceOf({ 'paypulse-source': Buffer.from('api') })).toBe('api');
    expect(sourceOf({ 'paypulse-source': 'nonsense' })).toBe('kafka');
    expect(sourceOf(undefined)).toBe('kafka');
  });
});

describe('Kafka intake when the log does not acknowledge', () => {
  it('refuses with IntakeUnavailableError (SERVICE_UNAVAILABLE over GraphQL) and reports nothing accepted', async () => {
    const t = await startTestApp({ mode: 'embedded' });
    try {
      await t.createMerchant('m_unacked');
      // A real kafkajs producer that was never connected: every send is refused at once.
      const producer = testKafka().producer();
      const config = { ...loadConfig({ KAFKA_BROKERS: '127.0.0.1:9' }).kafka! };
      const intake = createKafkaIntake({ producer, config, merchants: t.domain.merchants });
      const event = { eventId: 'e1', type: 'payment.completed', provider: 'mpesa', amountMinor: '100', currency: 'KES' };
      await expect(intake.ingest([event], { source: 'api', merchantId: 'm_unacked' })).rejects.toBeInstanceOf(IntakeUnavailableError);
      // Invalid items alone never reach Kafka, so they are answered without it.
      const invalid = await intake.ingest([{ ...event, currency: 'KSH' }], { source: 'api', merchantId: 'm_unacked' });
      expect(invalid).toMatchObject({ accepted: 0, rejected: 1 });
    } finally {
      await t.stop();
    }
  });
});
