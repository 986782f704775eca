/**
 * The hand-over windows of the live feed, forced deterministically: an event is committed while
 * the feed is subscribing to its live channel (after the request, before the channel is live).
 * Real database, pipeline and in-memory pubsub; only the moment of the commit is arranged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentEventRepository } from '../../src/payments/repository.js';
import { createPaymentEventStream } from '../../src/payments/stream.js';
import type { PubSub } from '../../src/pubsub/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newMerchant } from './helpers.js';

describe('payment event stream hand-over', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
  });
  afterAll(async () => t?.stop());

  /** A version-2 envelope as the pipeline receives it from any source. */
  const envelope = (eventId: string) => ({ eventId, type: 'payment.completed', provider: 'mpesa', amountMinor: '1000', currency: 'KES' });

  /** The app's pubsub, except that `subscribe` first ingests `inputs` (published while nobody listens). */
  function committingWhileSubscribing(merchantId: string, inputs: unknown[]): PubSub {
    const { pubsub, pipeline } = t;
    return {
      ...pubsub,
      publish: (topic, key, payload) => pubsub.publish(topic, key, payload),
      async subscribe(topic, key) {
        const result = await pipeline.ingest(inputs, { source: 'api', merchantId });
        expect(result.ingested).toBe(inputs.length);
        return pubsub.subscribe(topic, key);
      },
    };
  }

  async function take(stream: AsyncIterableIterator<{ eventId: string }>, n: number): Promise<string[]> {
    const ids: string[] = [];
    while (ids.length < n) {
      const { value, done } = await stream.next();
      if (done) break;
      ids.push(value.eventId);
    }
    return ids;
  }

  it('delivers an event committed while a feed without a cursor is going live, once, before later events', async () => {
    const m = await newMerchant(t);
    await t.pipeline.ingest([envelope('before-request')], { source: 'api', merchantId: m.id });
    const inWindow = [envelope('in-window-1'), envelope('in-window-2')];
    const stream = createPaymentEventStream(
      { events: createPaymentEventRepository(t.db.prisma), pubsub: committingWhileSubscribing(m.id, inWindow) },
      { merchantId: m.id, filter: {} },
    );
    const first = take(stream, 2);
    expect(await first).toEqual(['in-window-1', 'in-window-2']);
    await t.pipeline.ingest([envelope('live-1')], { source: 'api', merchantId: m.id });
    expect(await take(stream, 1)).toEqual(['live-1']);
    await stream.return?.();
  });

  it('with a cursor, replays through the window without repeating it live', async () => {
    const m = await newMerchant(t);
    const base = await t.pipeline.ingest([envelope('base')], { source: 'api', merchantId: m.id });
    const cursor = base.items[0]!.status === 'ingested' ? base.items[0]!.event.seq : -1n;
    const stream = createPaymentEventStream(
      { events: createPaymentEventRepository(t.db.prisma), pubsub: committingWhileSubscribing(m.id, [envelope('in-window')]) },
      { merchantId: m.id, filter: {}, afterSeq: cursor },
    );
    expect(await take(stream, 1)).toEqual(['in-window']);
    await t.pipeline.ingest([envelope('live-1')], { source: 'api', merchantId: m.id });
    expect(await take(stream, 1)).toEqual(['live-1']);
    await stream.return?.();
  });
});
