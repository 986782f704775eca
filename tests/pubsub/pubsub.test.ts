/**
 * The PubSub interface, for both implementations: subscribe resolves once the subscription is
 * live, publish reaches subscribers of that key only, and return()/close() release everything.
 * The Redis cases publish from a second PubSub instance, so every message crosses Redis.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { PaymentEventMessage } from '../../src/payments/types.js';
import { createPubSub, type PubSub } from '../../src/pubsub/index.js';
import { channelName } from '../../src/pubsub/types.js';
import { describeWith, REDIS_URL, type Service } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';

const WAIT_MS = 30_000;

function message(merchantId: string, merchantSeq: number): PaymentEventMessage {
  return {
    seq: String(1000 + merchantSeq),
    merchantSeq: String(merchantSeq),
    merchantId,
    eventId: `evt-${randomUUID()}`,
    schemaVersion: 2,
    type: 'payment.completed',
    provider: 'mpesa',
    paymentMethod: 'mobile_money',
    amountMinor: '150000',
    feeMinor: '1500',
    currency: 'KES',
    customerId: 'cust-1',
    productId: null,
    productName: null,
    orderId: null,
    walletId: null,
    reference: null,
    occurredAt: new Date('2025-01-01T00:00:00Z').toISOString(),
    receivedAt: new Date('2025-01-01T00:00:01Z').toISOString(),
    source: 'api',
    metadata: { note: 'unit' },
  };
}

/** A unique key per test: other test files share this Redis. */
const newKey = () => `m_unit_${randomUUID().slice(0, 8)}`;

/** Settles with `promise`, or rejects after `timeoutMs` instead of hanging the test. */
async function within<T>(promise: Promise<T>, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads one value from an iterator, failing after `timeoutMs` instead of hanging the test. */
const nextWithin = <T>(iterator: AsyncIterator<T>, timeoutMs = WAIT_MS) => within(iterator.next(), timeoutMs);

const implementations: Array<{ name: string; needs: Service[]; url: string | undefined }> = [
  { name: 'memory', needs: [], url: undefined },
  { name: 'redis', needs: ['redis'], url: REDIS_URL },
];

for (const impl of implementations) {
  await describeWith(impl.needs, `pubsub (${impl.name})`, () => {
    let subscriber: PubSub;
    /** The instance that publishes: a second one on Redis (another server), the same one in memory. */
    let publisher: PubSub;
    let redis: Redis | undefined;
    const opened: Array<AsyncIterator<unknown>> = [];

    const numsub = async (key: string): Promise<number> => {
      const reply = (await redis!.call('PUBSUB', 'NUMSUB', channelName('paymentEvents', key))) as [string, number];
      return Number(reply[1]);
    };

    const subscribe = async (key: string) => {
      const iterator = await subscriber.subscribe('paymentEvents', key);
      opened.push(iterator);
      return iterator;
    };

    beforeAll(async () => {
      subscriber = createPubSub(impl.url);
      publisher = impl.url ? createPubSub(impl.url) : subscriber;
      if (impl.url) redis = new Redis(impl.url);
      await waitUntil(async () => (await subscriber.readiness()) && (await publisher.readiness()), WAIT_MS, () => 'pubsub ready');
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((i) => i.return?.()));
    });

    afterAll(async () => {
      await subscriber?.stop();
      if (publisher !== subscriber) await publisher?.stop();
      redis?.disconnect();
    });

    it(`reports its kind as ${impl.name} and is ready`, async () => {
      expect(subscriber.kind).toBe(impl.name);
      expect(await subscriber.readiness()).toBe(true);
    });

    it('delivers a message published right after subscribe() resolved', async () => {
      const key = newKey();
      const iterator = await subscribe(key);
      // No waiting here: subscribe() promises the subscription is live once it resolves.
      if (redis) expect(await numsub(key)).toBe(1);
      const sent = message(key, 1);
      await publisher.publish('paymentEvents', key, sent);
      const got = await nextWithin(iterator);
      expect(got).toEqual({ done: false, value: sent });
    });

    it('delivers messages of one key in publish order', async () => {
      const key = newKey();
      const iterator = await subscribe(key);
      const sent = [1, 2, 3, 4, 5].map((n) => message(key, n));
      for (const m of sent) await publisher.publish('paymentEvents', key, m);
      const got: unknown[] = [];
      for (let i = 0; i < sent.length; i++) got.push((await nextWithin(iterator)).value);
      expect(got).toEqual(sent);
    });

    it("gives every subscriber the same message, frozen: no subscriber can change another's, nor the publisher after publishing", async () => {
      const key = newKey();
      const first = await subscribe(key);
      const second = await subscribe(key);
      const published = message(key, 1);
      await publisher.publish('paymentEvents', key, published);
      (published as { merchantId: string }).merchantId = 'changed-after-publish';
      const [a, b] = await Promise.all([nextWithin(first), nextWithin(second)]);
      expect(a.value).toEqual(b.value);
      expect(() => {
        (a.value as { merchantId: string }).merchantId = 'changed-by-a-subscriber';
      }).toThrow(TypeError);
      expect(b.value).toMatchObject({ merchantId: key, merchantSeq: '1' });
    });

    it('keeps keys isolated: a subscriber never sees another key', async () => {
      const mine = newKey();
      const other = newKey();
      const iterator = await subscribe(mine);
      const otherIterator = await subscribe(other);
      await publisher.publish('paymentEvents', other, message(other, 1));
      await publisher.publish('paymentEvents', mine, message(mine, 7));
      // The other key's subscriber received its message, so `mine` had every chance to see it too.
      expect((await nextWithin(otherIterator)).value).toMatchObject({ merchantId: other });
      const got = await nextWithin(iterator);
      expect(got.value).toMatchObject({ merchantId: mine, merchantSeq: '7' });
    });

    it('counts active subscriptions and releases them on return()', async () => {
      const key = newKey();
      const before = subscriber.activeSubscriptions();
      const a = await subscribe(key);
      const b = await subscribe(key);
      expect(subscriber.activeSubscriptions()).toBe(before + 2);
      await a.return?.();
      expect(subscriber.activeSubscriptions()).toBe(before + 1);
      await b.return?.();
      expect(subscriber.activeSubscriptions()).toBe(before);
      // On Redis the channel itself is unsubscribed once its last subscriber is gone.
      if (redis) await waitUntil(async () => (await numsub(key)) === 0, WAIT_MS, () => 'redis channel unsubscribed');
    });

    it('ends a pending next() on return() and stops delivering to that iterator', async () => {
      const key = newKey();
      const stopped = await subscribe(key);
      const still = await subscribe(key);
      const pending = stopped.next();
      await stopped.return?.();
      expect(await pending).toEqual({ done: true, value: undefined });

      await publisher.publish('paymentEvents', key, message(key, 1));
      // The remaining subscriber of the same key got it: the stopped one was passed over.
      expect((await nextWithin(still)).value).toMatchObject({ merchantSeq: '1' });
      expect(await stopped.next()).toEqual({ done: true, value: undefined });
    });

    it('lets two subscribe() calls racing on one key both go live', async () => {
      const key = newKey();
      const [a, b] = await Promise.all([subscribe(key), subscribe(key)]);
      if (redis) expect(await numsub(key)).toBe(1);
      await publisher.publish('paymentEvents', key, message(key, 1));
      const [x, y] = await Promise.all([nextWithin(a), nextWithin(b)]);
      expect(x.value).toMatchObject({ merchantSeq: '1' });
      expect(y.value).toMatchObject({ merchantSeq: '1' });
    });

    it('close() ends subscriptions that are waiting for a message', async () => {
      const own = createPubSub(impl.url);
      await waitUntil(() => own.readiness(), WAIT_MS, () => 'own pubsub ready');
      const iterator = await own.subscribe('paymentEvents', newKey());
      const pending = iterator.next();
      await own.stop();
      // A closed pubsub can never deliver again: a consumer waiting on it must not wait forever.
      expect(await within(pending, 5_000).catch((e: Error) => e.message)).toEqual({ done: true, value: undefined });
      expect(own.activeSubscriptions()).toBe(0);
    });

    if (impl.url) {
      it('is not ready after close()', async () => {
        const own = createPubSub(impl.url);
        await waitUntil(() => own.readiness(), WAIT_MS, () => 'own pubsub ready');
        await own.stop();
        expect(await own.readiness()).toBe(false);
        await expect(own.publish('paymentEvents', newKey(), message('x', 1))).rejects.toThrow();
      });
    }
  });
}
