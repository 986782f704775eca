/**
 * The feed module (src/pubsub/feed.ts) against both real PubSub implementations: the hand-over
 * from replay to live without a duplicate, gap filling, the filter, decode errors, the one-read
 * start when the channel is already live, and `return()` unsubscribing at once — while waiting
 * for a message and while still subscribing. Storage is an in-memory list of items; on Redis a
 * second PubSub instance publishes, so every message crosses Redis. Steps are ordered by the
 * feed's own calls (head, range, start), never by sleeps.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fromMessage, type PaymentEventMessage, type PaymentEventRecord } from '../../src/payments/types.js';
import { liveFeed, sequencedFeed, type SequencedFeedOptions } from '../../src/pubsub/feed.js';
import { createPubSub, type PubSub } from '../../src/pubsub/index.js';
import { describeWith, REDIS_URL, type Service } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';
import { within } from '../auth/helpers.js';

const WAIT_MS = 30_000;

function message(merchantId: string, merchantSeq: number): PaymentEventMessage {
  return {
    seq: String(1000 + merchantSeq),
    merchantSeq: String(merchantSeq),
    merchantId,
    eventId: `evt-${merchantSeq}`,
    schemaVersion: 2,
    type: 'payment.completed',
    provider: 'mpesa',
    paymentMethod: 'mobile_money',
    amountMinor: String(100 * merchantSeq),
    feeMinor: '0',
    currency: 'KES',
    customerId: null,
    productId: null,
    productName: null,
    orderId: null,
    walletId: null,
    reference: null,
    occurredAt: new Date('2025-01-01T00:00:00Z').toISOString(),
    receivedAt: new Date('2025-01-01T00:00:01Z').toISOString(),
    source: 'api',
    metadata: {},
  };
}

const newKey = () => `m_feed_${randomUUID().slice(0, 8)}`;

async function take(feed: AsyncIterator<PaymentEventRecord>, n: number): Promise<number[]> {
  const seqs: number[] = [];
  while (seqs.length < n) {
    const r = await within(feed.next(), WAIT_MS, 'the next item');
    if (r.done) break;
    seqs.push(Number(r.value.merchantSeq));
  }
  return seqs;
}

/** A merchant's committed events (storage) with the calls the feed makes to read them. */
function store(key: string) {
  const events: PaymentEventRecord[] = [];
  const calls: string[] = [];
  const commit = (...seqs: number[]) => {
    for (const s of seqs) events.push(fromMessage(message(key, s)));
  };
  const headSeq = () => events.reduce((m, e) => (e.merchantSeq > m ? e.merchantSeq : m), 0n);
  const between = (from: bigint, to: bigint | undefined) => events.filter((e) => e.merchantSeq >= from && (to === undefined || e.merchantSeq <= to));
  return { events, calls, commit, headSeq, between };
}

const implementations: Array<{ name: string; needs: Service[]; url: string | undefined }> = [
  { name: 'memory', needs: [], url: undefined },
  { name: 'redis', needs: ['redis'], url: REDIS_URL },
];

for (const impl of implementations) {
  await describeWith(impl.needs, `feeds (${impl.name})`, () => {
    let subscriber: PubSub;
    let publisher: PubSub;
    const publish = (key: string, ...seqs: number[]) => Promise.all(seqs.map((s) => publisher.publish('paymentEvents', key, message(key, s))));

    beforeAll(async () => {
      subscriber = createPubSub(impl.url);
      publisher = impl.url ? createPubSub(impl.url) : subscriber;
      await waitUntil(async () => (await subscriber.readiness()) && (await publisher.readiness()), WAIT_MS, () => 'pubsub ready');
    });
    afterAll(async () => {
      await subscriber?.stop();
      if (publisher !== subscriber) await publisher?.stop();
    });

    /** A sequenced payment-event feed over `s`, each read recorded in `s.calls`. */
    function feedOf(key: string, s: ReturnType<typeof store>, extra: Partial<SequencedFeedOptions<'paymentEvents', PaymentEventRecord>> = {}) {
      return sequencedFeed(subscriber, {
        topic: 'paymentEvents',
        key,
        decode: fromMessage,
        seq: (e) => e.merchantSeq,
        async head() {
          s.calls.push('head');
          return { seq: s.headSeq() };
        },
        async range(from, to) {
          s.calls.push(`range ${from}-${to}`);
          return s.between(from, to);
        },
        ...extra,
      });
    }

    it('replays up to the head, then goes live without repeating what it replayed', async () => {
      const key = newKey();
      const s = store(key);
      s.commit(1, 2, 3);
      const feed = feedOf(key, s, {
        // Read after subscribing: 3 is published again (a redelivery) and 4 commits meanwhile.
        async head() {
          s.calls.push('head');
          const seq = s.headSeq();
          s.commit(4);
          await publish(key, 3, 4);
          return { seq };
        },
        replay: (upto) => s.between(1n, upto),
      });
      expect(await take(feed, 4)).toEqual([1, 2, 3, 4]);
      await publish(key, 5);
      expect(await take(feed, 1)).toEqual([5]);
      expect(s.calls).toEqual(['head']);
      await feed.return?.();
      expect(subscriber.activeSubscriptions()).toBe(0);
    });

    it('fills a gap from storage before delivering the item that skipped sequences', async () => {
      const key = newKey();
      const s = store(key);
      const feed = feedOf(key, s, {
        async head() {
          s.calls.push('head');
          // 2 and 3 commit, but their publishes are lost; 1 and 4 arrive.
          s.commit(1, 2, 3, 4);
          await publish(key, 1, 4);
          return { seq: 0n };
        },
      });
      expect(await take(feed, 4)).toEqual([1, 2, 3, 4]);
      expect(s.calls).toEqual(['head', 'range 2-3']);
      await feed.return?.();
    });

    it('applies the filter to replayed, gap-filled and live items alike, counting filtered ones as delivered', async () => {
      const key = newKey();
      const s = store(key);
      s.commit(1, 2);
      const feed = feedOf(key, s, {
        async head() {
          const seq = s.headSeq();
          s.commit(3, 4, 5, 6);
          await publish(key, 3, 6);
          return { seq };
        },
        replay: (upto) => s.between(1n, upto),
        filter: (e) => e.merchantSeq % 2n === 0n,
      });
      expect(await take(feed, 3)).toEqual([2, 4, 6]);
      // 5 was delivered (filtered out): a live 5 again is a duplicate, 7 is next.
      await publish(key, 5, 7, 8);
      expect(await take(feed, 1)).toEqual([8]);
      expect(s.calls).toEqual(['range 4-5']);
      await feed.return?.();
    });

    it('unsubscribes at once when returned while waiting for the next message', async () => {
      const key = newKey();
      const s = store(key);
      const feed = feedOf(key, s);
      const pending = feed.next();
      await waitUntil(() => s.calls.includes('head') && subscriber.activeSubscriptions() === 1, WAIT_MS, () => 'feed live');
      await within(feed.return!(), WAIT_MS, 'return()');
      expect(subscriber.activeSubscriptions()).toBe(0);
      expect(await within(pending, WAIT_MS, 'the pending read')).toEqual({ done: true, value: undefined });
      // Published after the end: nobody receives it, and the feed stays done.
      await publish(key, 1);
      expect(await feed.next()).toEqual({ done: true, value: undefined });
    });

    it('unsubscribes as soon as the subscription exists when returned while still subscribing', async () => {
      const key = newKey();
      const s = store(key);
      const feed = feedOf(key, s);
      const pending = feed.next();
      // Returned in the same tick: the subscribe call is still in flight.
      const returned = feed.return!();
      expect(await within(pending, WAIT_MS, 'the pending read')).toEqual({ done: true, value: undefined });
      await within(returned, WAIT_MS, 'return()');
      expect(subscriber.activeSubscriptions()).toBe(0);
      expect(s.calls).toEqual([]);
    });

    it('ends with the decoder\'s error on a message it cannot decode, and unsubscribes', async () => {
      const key = newKey();
      const s = store(key);
      const feed = feedOf(key, s, {
        decode: (m) => {
          if (m.merchantSeq === '2') throw new Error('undecodable message');
          return fromMessage(m);
        },
        async head() {
          await publish(key, 1, 2, 3);
          return { seq: 0n };
        },
      });
      expect(await take(feed, 1)).toEqual([1]);
      await expect(within(feed.next(), WAIT_MS, 'the next item')).rejects.toThrow('undecodable message');
      expect(subscriber.activeSubscriptions()).toBe(0);
      expect(await feed.next()).toEqual({ done: true, value: undefined });
    });

    it('with a start, reads it before subscribing and replays what committed while subscribing; when the channel is already live here, reads only the head', async () => {
      const key = newKey();
      const s = store(key);
      s.commit(1);
      const startOf = () => ({
        async at() {
          s.calls.push('start');
          const seq = s.headSeq();
          // Commits while the channel is being subscribed (published before it is live).
          s.commit(Number(seq) + 1);
          return seq;
        },
        async after(seq: bigint) {
          s.calls.push(`after ${seq}`);
          return s.between(seq + 1n, undefined);
        },
      });
      const first = feedOf(key, s, { start: startOf() });
      expect(await take(first, 1)).toEqual([2]);
      expect(s.calls).toEqual(['start', 'after 1']);

      s.calls.length = 0;
      expect(subscriber.listening?.('paymentEvents', key)).toBe(true);
      const second = feedOf(key, s, { start: startOf() });
      const got = take(second, 1);
      await waitUntil(() => s.calls.includes('head'), WAIT_MS, () => 'second feed live');
      // One read: no start, no window; it starts at the head (2), so 2 is not delivered again.
      expect(s.calls).toEqual(['head']);
      s.commit(3);
      await publish(key, 3);
      expect(await got).toEqual([3]);
      expect(await take(first, 1)).toEqual([3]);
      await Promise.all([first.return?.(), second.return?.()]);
      expect(subscriber.listening?.('paymentEvents', key)).toBe(false);
    });

    it('liveFeed: reads `before` once subscribed, maps and skips messages, completes after `last`, and unsubscribes', async () => {
      const key = newKey();
      const feed = liveFeed(subscriber, {
        topic: 'paymentEvents',
        key,
        async *before() {
          await publish(key, 1, 2, 3, 4);
          yield 0;
        },
        map: (m) => (Number(m.merchantSeq) % 2 === 0 ? Number(m.merchantSeq) : undefined),
        last: (n) => n === 4,
      });
      const seen: number[] = [];
      for await (const n of feed) seen.push(n);
      expect(seen).toEqual([0, 2, 4]);
      expect(subscriber.activeSubscriptions()).toBe(0);
    });
  });
}
