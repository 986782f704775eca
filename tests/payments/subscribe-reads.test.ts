/**
 * What one `paymentEvents` subscription without a cursor costs the database (issue 18, cheap
 * sockets): the repository is wrapped and its calls counted. The first subscriber of a merchant
 * on an instance reads the head before subscribing and what committed during the subscribe
 * (two reads); every further subscriber, while the channel is live here, reads the head once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentEventRepository, type PaymentEventRepository } from '../../src/payments/repository.js';
import { createPaymentEventStream } from '../../src/payments/stream.js';
import type { PaymentEventRecord } from '../../src/payments/types.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { waitUntil } from '../support/subscriptions.js';
import { newMerchant } from './helpers.js';

const WAIT_MS = 30_000;

describe('payment event subscribe cost', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
  });
  afterAll(async () => t?.stop());

  const envelope = (eventId: string) => ({ eventId, type: 'payment.completed', provider: 'mpesa', amountMinor: '1000', currency: 'KES' });

  /** The app's repository with every call counted. */
  function counted(): { events: PaymentEventRepository; reads: () => number } {
    const real = createPaymentEventRepository(t.db.prisma);
    let reads = 0;
    const events: PaymentEventRepository = {
      ...real,
      lastMerchantSeq: (...args) => (reads++, real.lastMerchantSeq(...args)),
      merchantSeqRange: (...args) => (reads++, real.merchantSeqRange(...args)),
      replay: (...args) => (reads++, real.replay(...args)),
      page: (...args) => (reads++, real.page(...args)),
      bySeq: (...args) => (reads++, real.bySeq(...args)),
      byEventId: (...args) => (reads++, real.byEventId(...args)),
    };
    return { events, reads: () => reads };
  }

  it('reads the database twice for the first subscriber of a merchant and once for each further one, and every one receives the next event once', async () => {
    const m = await newMerchant(t);
    await t.pipeline.ingest([envelope('before')], { source: 'api', merchantId: m.id });
    const { events, reads } = counted();
    const open = (): { stream: AsyncIterableIterator<PaymentEventRecord>; first: Promise<IteratorResult<PaymentEventRecord>> } => {
      const stream = createPaymentEventStream({ events, pubsub: t.pubsub }, { merchantId: m.id, filter: {} });
      return { stream, first: stream.next() };
    };

    const first = open();
    await waitUntil(() => reads() === 2 && t.pubsub.activeSubscriptions() === 1, WAIT_MS, () => `first subscriber: ${reads()} reads`);

    const more = Array.from({ length: 10 }, open);
    await waitUntil(() => reads() === 12 && t.pubsub.activeSubscriptions() === 11, WAIT_MS, () => `ten more: ${reads()} reads`);

    await t.pipeline.ingest([envelope('live')], { source: 'api', merchantId: m.id });
    for (const s of [first, ...more]) {
      const r = await s.first;
      expect(r.done ? undefined : r.value.eventId).toBe('live');
    }
    // Nothing else read: no gap fill, no second head.
    expect(reads()).toBe(12);
    await Promise.all([first, ...more].map((s) => s.stream.return?.()));
    expect(t.pubsub.activeSubscriptions()).toBe(0);
  });
});
