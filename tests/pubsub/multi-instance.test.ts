/**
 * Several instances behind a load balancer (SPEC §9): two apps on ONE PostgreSQL database sharing
 * Redis. An event ingested on either instance reaches subscribers on both, once each, in merchant
 * order; an instance holds a Redis channel only for merchants it has live subscribers for.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { channelName } from '../../src/pubsub/types.js';
import { receiveExactly, Sockets, WAIT_MS } from '../payments/helpers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { liveSubscriptions } from '../support/metrics.js';
import { IngestOne, LiveEvents } from '../support/operations.js';
import { createTestDatabase, describeWith, REDIS_URL } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';

/** Merchant ids of this file share a random prefix, so Redis channels of other test runs never match. */
const PREFIX = `m_mi${randomUUID().slice(0, 6)}`;
const merchantId = (label: string) => `${PREFIX}_${label}_${randomUUID().slice(0, 4)}`;
const channel = (id: string) => channelName('paymentEvents', id);

await describeWith(['postgres', 'redis'], 'two instances on one database and Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let dropDatabase: (() => Promise<void>) | undefined;
  let redis: Redis;
  const onA = new Sockets(() => a);
  const onB = new Sockets(() => b);

  const numsub = async (id: string): Promise<number> => {
    const reply = (await redis.call('PUBSUB', 'NUMSUB', channel(id))) as [string, number];
    return Number(reply[1]);
  };
  /** Every Redis channel (any instance) of this file's merchants. */
  const ourChannels = async (): Promise<string[]> => ((await redis.call('PUBSUB', 'CHANNELS', `${channelName('paymentEvents', PREFIX)}*`)) as string[]).sort();

  async function newMerchant(label: string) {
    const id = merchantId(label);
    await a.createMerchant(id);
    return { id, token: await a.merchantToken(id) };
  }

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    a = await startTestApp({ mode: 'services', databaseUrl: db.url });
    b = await startTestApp({ mode: 'services', databaseUrl: db.url });
    redis = new Redis(REDIS_URL);
  });

  afterEach(async () => {
    await Promise.all([onA.closeAll(), onB.closeAll()]);
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await dropDatabase?.();
    redis?.disconnect();
  });

  it('delivers an event ingested on A to a graphql-ws subscriber on B, exactly once', async () => {
    const m = await newMerchant('ab');
    const sub = await onB.live(onB.open(m.token), LiveEvents, {}, 1);
    expect(a.pubsub.activeSubscriptions()).toBe(0);

    const input = eventInput();
    const res = await a.gql(IngestOne, { event: input }, { token: m.token });
    expect(res.errors).toBeUndefined();
    expect(res.data?.ingestPaymentEvent.status).toBe('INGESTED');

    const [event] = await receiveExactly(sub, 1);
    expect(event?.paymentEvents).toMatchObject({
      eventId: input.eventId,
      merchantId: m.id,
      merchantSeq: '1',
      cursor: res.data?.ingestPaymentEvent.event!.cursor,
    });
  });

  it('delivers 200 events ingested concurrently on A and B to subscribers on both, once each, in merchant order', async () => {
    const m = await newMerchant('burst');
    const subA = await onA.live(onA.open(m.token), LiveEvents, {}, 1);
    const subB = await onB.live(onB.open(m.token), LiveEvents, {}, 1);

    const TOTAL = 200;
    const BATCH = 20;
    const inputs = Array.from({ length: TOTAL }, (_, i) => eventInput({ reference: `burst-${i}` }));
    const ingestedSeqs: string[] = [];
    for (let start = 0; start < TOTAL; start += BATCH) {
      // One batch in flight at once, its requests alternating between the two instances.
      const batch = inputs.slice(start, start + BATCH).map((event, i) => ((start + i) % 2 === 0 ? a : b).gql(IngestOne, { event }, { token: m.token }));
      for (const res of await Promise.all(batch)) {
        expect(res.errors).toBeUndefined();
        expect(res.data?.ingestPaymentEvent.status).toBe('INGESTED');
        ingestedSeqs.push(res.data!.ingestPaymentEvent.event!.merchantSeq);
      }
    }
    const expectedSeqs = Array.from({ length: TOTAL }, (_, i) => String(i + 1));
    expect(ingestedSeqs.map(Number).sort((x, y) => x - y).map(String)).toEqual(expectedSeqs);

    for (const [name, sub] of [['A', subA], ['B', subB]] as const) {
      const events = (await receiveExactly(sub, TOTAL)).map((d) => d.paymentEvents);
      expect(events.map((e) => e.merchantSeq), `merchantSeq order on ${name}`).toEqual(expectedSeqs);
      expect(new Set(events.map((e) => e.eventId)), `event ids on ${name}`).toEqual(new Set(inputs.map((i) => i.eventId)));
      expect(events.every((e) => e.merchantId === m.id)).toBe(true);
    }
    // 200 round trips and 400 deliveries: minutes, not seconds, on a loaded 2-core machine.
  }, 180_000);

  it('subscribes B to Redis channels only of merchants it has subscribers for, and unsubscribes when they end', async () => {
    const x = await newMerchant('x');
    const y = await newMerchant('y');
    expect(await ourChannels()).not.toContain(channel(x.id));

    const first = onB.open(x.token);
    const sub = await onB.live(first, LiveEvents, {}, 1);
    expect(a.pubsub.activeSubscriptions()).toBe(0);
    // subscribe() resolves only after SUBSCRIBE was acknowledged, so the channel is there now.
    expect(await numsub(x.id)).toBe(1);

    // Publishing for a merchant nobody watches subscribes nobody to it.
    for (const t of [a, b]) {
      const res = await t.gql(IngestOne, { event: eventInput() }, { token: y.token });
      expect(res.data?.ingestPaymentEvent.status).toBe('INGESTED');
    }
    const res = await a.gql(IngestOne, { event: eventInput() }, { token: x.token });
    expect(res.data?.ingestPaymentEvent.status).toBe('INGESTED');
    await receiveExactly(sub, 1);
    expect(await ourChannels()).toEqual([channel(x.id)]);
    expect(await numsub(y.id)).toBe(0);

    // A second subscriber for X on B shares B's one Redis subscription to X's channel.
    await onB.live(onB.open(x.token), LiveEvents, {}, 2);
    expect(await numsub(x.id)).toBe(1);
    // A subscriber for X on A adds A's own subscription.
    await onA.live(onA.open(x.token), LiveEvents, {}, 1);
    expect(await numsub(x.id)).toBe(2);

    // All of B's subscribers end: B leaves the channel, A stays.
    await onB.closeAll();
    await waitUntil(async () => (await numsub(x.id)) === 1, WAIT_MS, () => 'B unsubscribed from X');
    await onA.closeAll();
    await waitUntil(async () => (await ourChannels()).length === 0, WAIT_MS, () => 'no channels of this file left');
  });

  it('stops delivering to a finished subscription on B while another subscriber on B keeps receiving', async () => {
    const m = await newMerchant('stop');
    const leaving = onB.open(m.token);
    const gone = await onB.live(leaving, LiveEvents, {}, 1);
    const staying = await onB.live(onB.open(m.token), LiveEvents, {}, 2);

    await a.gql(IngestOne, { event: eventInput() }, { token: m.token });
    await receiveExactly(gone, 1);
    await receiveExactly(staying, 1);

    gone.stop();
    // The two share B's one listener (one cohort): the gauge says when the first has gone.
    await waitUntil(async () => (await liveSubscriptions(b)) === 1, WAIT_MS, () => 'one subscription released on B');
    const second = eventInput();
    await a.gql(IngestOne, { event: second }, { token: m.token });
    const events = await receiveExactly(staying, 2);
    expect(events[1]?.paymentEvents.eventId).toBe(second.eventId);
    expect(gone.results).toHaveLength(1);
  });
});
