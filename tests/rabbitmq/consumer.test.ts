/**
 * The RabbitMQ source against the real broker, PostgreSQL and Redis: what is published is stored
 * once and delivered once per event id, in order; what is invalid lands in the dead-letter queue
 * and table with its reason; admins replay it after a fix; ingest mutations publish with
 * publisher confirms and answer ACCEPTED; /readyz and /metrics cover the consumer.
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestOne, LiveEvents } from '../support/operations.js';
import type { TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { loadConfig } from '../../src/config.js';
import { declareTopology, shardOf } from '../../src/rabbitmq/topology.js';
import { describeWith, RABBITMQ_URL } from '../support/services.js';
import { collect, waitUntil } from '../support/subscriptions.js';
import { errorCodes, Sockets, WAIT_MS } from '../payments/helpers.js';
import { v1, v2 } from '../kafka/support.js';
import { deleteTopology, drainQueue, metric, queueDepth, rabbitEnv, rabbitNames, rawPublisher, startRabbitApp, type Publisher } from './support.js';

const DEAD_LETTERS = `query DeadLetters($merchantId: ID, $pendingOnly: Boolean) {
  deadLetters(first: 100, merchantId: $merchantId, pendingOnly: $pendingOnly) {
    edges { node { id broker topic partition offset key payload errorCode errorMessage attempts merchantId replayedAt replayedBy } }
  }
}`;
const REPLAY = `mutation Replay($id: ID!) {
  replayDeadLetter(id: $id) { replayed deadLetter { id replayedAt replayedBy attempts } result { ingested duplicates rejected errors { code } } }
}`;

type Published = { merchantId: string | undefined; body: string; messageId?: string };

await describeWith(['postgres', 'redis', 'rabbitmq'], 'RabbitMQ event source', () => {
  describe('shard consumers', () => {
    const names = rabbitNames();
    let t: TestApp;
    let publisher: Publisher;
    const sockets = new Sockets(() => t);
    beforeAll(async () => {
      t = await startRabbitApp(names);
      await waitUntil(async () => (await metric(t, 'paypulse_rabbitmq_shards_owned')) === names.shards, WAIT_MS, () => 'the only instance holds every shard');
      publisher = await rawPublisher(names);
    });
    afterAll(async () => {
      await sockets.closeAll().catch(() => {});
      await publisher?.close();
      await t?.stop();
      await deleteTopology(names);
    });

    it(
      'stores 5,000 messages with 10% duplicates and 2% malformed once each, delivers each id once in order, and dead-letters every malformed one with its reason',
      async () => {
        const merchants = Array.from({ length: 8 }, (_, i) => `rq${i}_${randomUUID().slice(0, 6)}`);
        for (const id of merchants) await t.createMerchant(id);
        const subs = new Map<string, ReturnType<typeof collect<{ paymentEvents: { eventId: string; merchantSeq: string } }, unknown>>>();
        let active = 0;
        for (const id of merchants) {
          const client = sockets.open(await t.merchantToken(id));
          subs.set(id, (await sockets.live(client, LiveEvents, {}, ++active)) as never);
        }

        // 4,400 unique valid events (half v1, half v2), 500 redeliveries of them, 100 malformed.
        const valid: (Published & { merchantId: string; eventId: string })[] = [];
        for (let i = 0; i < 4_400; i++) {
          const merchantId = merchants[i % merchants.length]!;
          const eventId = `q-${i}-${randomUUID().slice(0, 8)}`;
          const body = i % 2 === 0 ? v2(merchantId, eventId) : v1(merchantId, eventId);
          valid.push({ merchantId, eventId, body: JSON.stringify(body), messageId: randomUUID() });
        }
        const malformedKinds = [
          { code: 'INVALID_JSON', body: () => '{"eventId": "broken' },
          { code: 'INVALID_CURRENCY', body: (m: string) => JSON.stringify(v2(m, `bad-${randomUUID()}`, { currency: 'KSH' })) },
          { code: 'INVALID_AMOUNT', body: (m: string) => JSON.stringify(v1(m, `bad-${randomUUID()}`, { amount: -5 })) },
          { code: 'UNSUPPORTED_SCHEMA_VERSION', body: (m: string) => JSON.stringify(v2(m, `bad-${randomUUID()}`, { schemaVersion: 7 })) },
          { code: 'MERCHANT_NOT_FOUND', body: () => JSON.stringify(v2('nobody', `bad-${randomUUID()}`)) },
        ];
        const malformed: { code: string; message: Published }[] = [];
        for (let i = 0; i < 100; i++) {
          const kind = malformedKinds[i % malformedKinds.length]!;
          const merchantId = merchants[i % merchants.length]!;
          // Routed (and headed) by the merchant the envelope names, as a producer would.
          const routedAs = kind.code === 'MERCHANT_NOT_FOUND' ? 'nobody' : merchantId;
          malformed.push({ code: kind.code, message: { merchantId: routedAs, body: kind.body(merchantId), messageId: randomUUID() } });
        }
        // A duplicate is the same event published again: another message carrying the same event id.
        const duplicates = Array.from({ length: 500 }, (_, i) => ({ ...valid[(i * 7) % valid.length]!, messageId: randomUUID() }));

        const stream: Published[] = [];
        let d = 0;
        let b = 0;
        valid.forEach((v, i) => {
          stream.push(v);
          if (i % 9 === 8 && d < duplicates.length) stream.push(duplicates[d++]!);
          if (i % 44 === 43 && b < malformed.length) stream.push(malformed[b++]!.message);
        });
        while (d < duplicates.length) stream.push(duplicates[d++]!);
        while (b < malformed.length) stream.push(malformed[b++]!.message);
        expect(stream).toHaveLength(5_000);

        await publisher.publish(stream);

        const prisma = t.db.prisma;
        await waitUntil(async () => (await prisma.paymentEvent.count({ where: { merchantId: { in: merchants } } })) >= valid.length, 180_000, () => 'all valid events stored');
        await waitUntil(async () => (await prisma.deadLetter.count({ where: { broker: 'rabbitmq', topic: { startsWith: names.queue } } })) >= malformed.length, WAIT_MS, () => 'all malformed dead-lettered');

        // Stored exactly once each, contiguous per merchant, in publish order, as rabbitmq-sourced events.
        const rows = await prisma.paymentEvent.findMany({ where: { merchantId: { in: merchants } }, select: { merchantId: true, eventId: true, merchantSeq: true, source: true } });
        expect(rows).toHaveLength(valid.length);
        expect(new Set(rows.map((r) => `${r.merchantId}/${r.eventId}`))).toEqual(new Set(valid.map((v) => `${v.merchantId}/${v.eventId}`)));
        expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['rabbitmq']));
        for (const id of merchants) {
          const inOrder = rows.filter((r) => r.merchantId === id).sort((x, y) => Number(x.merchantSeq - y.merchantSeq));
          expect(inOrder.map((r) => Number(r.merchantSeq))).toEqual(Array.from({ length: inOrder.length }, (_, i) => i + 1));
          expect(inOrder.map((r) => r.eventId), `${id}'s events stored in publish order`).toEqual(valid.filter((v) => v.merchantId === id).map((v) => v.eventId));
        }

        // Each subscriber got each of its merchant's ids exactly once, in merchant-sequence order.
        for (const id of merchants) {
          const sub = subs.get(id)!;
          const expected = valid.filter((v) => v.merchantId === id).length;
          await sub.waitFor(expected, WAIT_MS);
          await new Promise((r) => setTimeout(r, 300));
          const got = sub.data().map((x) => x.paymentEvents);
          expect(got).toHaveLength(expected);
          expect(got.map((e) => e.eventId)).toEqual(valid.filter((v) => v.merchantId === id).map((v) => v.eventId));
        }

        // Every malformed message is in the table once, with its reason, and in the dead-letter queue.
        const letters = await prisma.deadLetter.findMany({ where: { broker: 'rabbitmq', topic: { startsWith: names.queue } } });
        expect(letters).toHaveLength(malformed.length);
        const byCode = (codes: string[]) => codes.reduce<Record<string, number>>((acc, c) => ((acc[c] = (acc[c] ?? 0) + 1), acc), {});
        expect(byCode(letters.map((l) => l.errorCode))).toEqual(byCode(malformed.map((m) => m.code)));
        expect(new Set(letters.map((l) => l.payload))).toEqual(new Set(malformed.map((m) => m.message.body)));
        for (const l of letters) expect(l.topic).toBe(`${names.queue}.${l.partition}`);
        const dlq = await drainQueue(names.dlq, malformed.length);
        expect(dlq).toHaveLength(malformed.length);
        expect(new Set(dlq.map((m) => m.messageId))).toEqual(new Set(malformed.map((m) => m.message.messageId)));
        for (const m of dlq) {
          expect(malformedKinds.map((k) => k.code)).toContain(m.headers['x-error-code']);
          expect(String(m.headers['x-error-message']).length).toBeGreaterThan(0);
          expect(String(m.headers['x-original-queue'])).toMatch(new RegExp(`^${names.queue}\\.\\d$`));
          expect(m.headers['x-attempts']).toBe(1);
        }

        // Everything was acknowledged: the shard queues are empty.
        for (let shard = 0; shard < names.shards; shard++) {
          await waitUntil(async () => (await queueDepth(`${names.queue}.${shard}`)) === 0, WAIT_MS, () => `shard ${shard} drained`);
        }
        expect(await metric(t, 'paypulse_rabbitmq_messages_total', 'outcome="ingested"')).toBe(valid.length);
        expect(await metric(t, 'paypulse_rabbitmq_messages_total', 'outcome="duplicate"')).toBe(duplicates.length);
        expect(await metric(t, 'paypulse_rabbitmq_messages_total', 'outcome="dead_lettered"')).toBe(malformed.length);
        expect(await metric(t, 'paypulse_rabbitmq_dead_lettered_total', 'code="INVALID_JSON"')).toBe(20);
        expect(await metric(t, 'paypulse_rabbitmq_misrouted_total')).toBe(0);
      },
      420_000,
    );

    it('lists RabbitMQ dead letters for admins only, and replays one after its cause is fixed', async () => {
      const merchantId = `late_${randomUUID().slice(0, 6)}`;
      const eventId = `evt-${randomUUID()}`;
      // No merchantId in the envelope: the merchant-id header names it, as a Kafka key would.
      const { merchantId: _omit, ...envelope } = v2(merchantId, eventId);
      await publisher.publish([{ merchantId, body: JSON.stringify(envelope), messageId: randomUUID() }]);
      const prisma = t.db.prisma;
      await waitUntil(async () => (await prisma.deadLetter.count({ where: { merchantId } })) === 1, WAIT_MS, () => 'dead-lettered');

      const admin = await t.adminToken();
      const listed = await t.post({ query: DEAD_LETTERS, variables: { merchantId } }, { token: admin });
      expect(listed.json.errors).toBeUndefined();
      const [edge] = listed.json.data.deadLetters.edges;
      expect(edge.node).toMatchObject({ broker: 'RABBITMQ', key: merchantId, merchantId, errorCode: 'MERCHANT_NOT_FOUND', attempts: 1, replayedAt: null });
      expect(edge.node.topic).toBe(`${names.queue}.${edge.node.partition}`);
      expect(JSON.parse(edge.node.payload)).toMatchObject({ eventId });

      const asMerchant = await t.post({ query: DEAD_LETTERS, variables: { merchantId } }, { token: await t.merchantToken(merchantId) });
      expect(errorCodes(asMerchant.json)).toEqual(['FORBIDDEN']);

      await t.createMerchant(merchantId);
      const replayed = await t.post({ query: REPLAY, variables: { id: edge.node.id } }, { token: admin });
      expect(replayed.json.errors).toBeUndefined();
      expect(replayed.json.data.replayDeadLetter).toMatchObject({ replayed: true, result: { ingested: 1, duplicates: 0, rejected: 0 }, deadLetter: { replayedBy: 'admin-1', attempts: 2 } });
      // Replayed with the source it came through.
      expect(await prisma.paymentEvent.count({ where: { merchantId, eventId, source: 'rabbitmq' } })).toBe(1);
      const again = await t.post({ query: REPLAY, variables: { id: edge.node.id } }, { token: admin });
      expect(errorCodes(again.json)).toEqual(['ALREADY_REPLAYED']);
    });

    it('records a poison message redelivered after a crash once (its dead-letter row is keyed by message id)', async () => {
      const messageId = randomUUID();
      const body = '{"not": "an envelope"';
      // The same message twice, as a redelivery after a crash between recording and acknowledging would be.
      await publisher.publish([
        { merchantId: undefined, body, messageId },
        { merchantId: undefined, body, messageId },
      ]);
      const prisma = t.db.prisma;
      const copies: unknown[] = [];
      await waitUntil(
        async () => {
          copies.push(...(await drainQueue(names.dlq, 1, 2_000)).filter((m) => m.messageId === messageId));
          return copies.length >= 2;
        },
        WAIT_MS,
        () => `both copies reached the dead-letter queue (${copies.length})`,
      );
      const rows = await prisma.deadLetter.findMany({ where: { broker: 'rabbitmq', payload: body } });
      expect(rows).toHaveLength(1);
      expect(rows[0]!.errorCode).toBe('INVALID_JSON');
    });
    it('declares the dead-letter exchange again when it was deleted under it, and still dead-letters to the queue and the table', async () => {
      const conn = await amqp.connect(RABBITMQ_URL);
      try {
        const ch = await conn.createChannel();
        await ch.deleteExchange(names.dlx);
      } finally {
        await conn.close();
      }
      const messageId = randomUUID();
      const body = '{"eventId": "after-dlx-loss"';
      await publisher.publish([{ merchantId: undefined, body, messageId }]);
      const prisma = t.db.prisma;
      await waitUntil(async () => (await prisma.deadLetter.count({ where: { broker: 'rabbitmq', payload: body } })) === 1, WAIT_MS, () => 'dead-lettered into the table');
      const copies: { messageId: unknown }[] = [];
      await waitUntil(
        async () => {
          copies.push(...(await drainQueue(names.dlq, 1, 2_000)).filter((m) => m.messageId === messageId));
          return copies.length >= 1;
        },
        WAIT_MS,
        () => 'the copy reached the dead-letter queue',
      );
      expect(copies).toHaveLength(1);
    });
  });

  describe('ingest mutations with RabbitMQ configured', () => {
    const names = rabbitNames();
    let t: TestApp;
    const sockets = new Sockets(() => t);
    beforeAll(async () => {
      t = await startRabbitApp(names);
    });
    afterAll(async () => {
      await sockets.closeAll().catch(() => {});
      await t?.stop();
      await deleteTopology(names);
    });

    it('answers ACCEPTED once the broker confirmed, then the consumer stores and streams the event once', async () => {
      const merchantId = `acc_${randomUUID().slice(0, 6)}`;
      await t.createMerchant(merchantId);
      const token = await t.merchantToken(merchantId);
      const sub = await sockets.live(sockets.open(token), LiveEvents, {}, 1);

      const input = eventInput();
      const res = await t.gql(IngestOne, { event: input }, { token });
      expect(res.errors).toBeUndefined();
      expect(res.data?.ingestPaymentEvent).toMatchObject({ status: 'ACCEPTED', duplicate: false, event: null });
      await sub.waitFor(1, WAIT_MS);
      expect(sub.data()[0]?.paymentEvents).toMatchObject({ eventId: input.eventId, merchantId });
      const row = await t.db.prisma.paymentEvent.findUniqueOrThrow({ where: { merchantId_eventId: { merchantId, eventId: input.eventId } } });
      expect(row.source).toBe('api');
      expect(row.amountMinor).toBe(150_000n);

      const again = await t.gql(IngestOne, { event: input }, { token });
      expect(again.data?.ingestPaymentEvent.status).toBe('ACCEPTED');
      const marker = eventInput();
      await t.gql(IngestOne, { event: marker }, { token });
      await sub.waitFor(2, WAIT_MS);
      expect(sub.data().map((d) => d.paymentEvents.eventId)).toEqual([input.eventId, marker.eventId]);
      expect(await t.db.prisma.paymentEvent.count({ where: { merchantId } })).toBe(2);
      expect(await metric(t, 'paypulse_rabbitmq_published_total', 'outcome="confirmed"')).toBe(3);
    });

    it('refuses invalid items and unknown merchants at once and publishes nothing for them', async () => {
      const merchantId = `rej_${randomUUID().slice(0, 6)}`;
      await t.createMerchant(merchantId);
      const before = await metric(t, 'paypulse_rabbitmq_published_total', 'outcome="confirmed"');
      const bad = await t.gql(IngestOne, { event: eventInput({ currency: 'KSH' }) }, { token: await t.merchantToken(merchantId) });
      expect(errorCodes(bad)).toEqual(['INVALID_CURRENCY']);
      const unknown = await t.gql(IngestOne, { event: eventInput({ merchantId: 'ghost' }) }, { token: await t.adminToken() });
      expect(errorCodes(unknown)).toEqual(['MERCHANT_NOT_FOUND']);
      const other = await t.gql(IngestOne, { event: eventInput({ merchantId: 'someone-else' }) }, { token: await t.merchantToken(merchantId) });
      expect(errorCodes(other)).toEqual(['FORBIDDEN']);
      expect(await metric(t, 'paypulse_rabbitmq_published_total', 'outcome="confirmed"')).toBe(before);
      expect(await metric(t, 'paypulse_rabbitmq_published_total', 'outcome="failed"')).toBe(0);
    });

    it('reports the consumer and the publisher in /readyz and the consumer in /metrics', async () => {
      const res = await fetch(t.url.replace('/graphql', '/readyz'));
      expect(res.status).toBe(200);
      expect((await res.json()).checks).toMatchObject({ rabbitmqConsumer: true, rabbitmqPublisher: true });
      expect(await metric(t, 'paypulse_rabbitmq_consumer_connected')).toBe(1);
      expect(await metric(t, 'paypulse_rabbitmq_shards_owned')).toBe(names.shards);
      expect(await metric(t, 'paypulse_rabbitmq_consumer_instances')).toBe(1);
    });
  });
});

await describeWith(['postgres', 'redis', 'rabbitmq'], 'RabbitMQ delivery limit', () => {
  const names = rabbitNames();
  let t: TestApp | undefined;
  afterAll(async () => {
    await t?.stop();
    await deleteTopology(names);
  });

  it('dead-letters unprocessed a message the broker delivered RABBITMQ_MAX_DELIVERIES times without an acknowledgement', async () => {
    const config = loadConfig(rabbitEnv(names, { RABBITMQ_MAX_DELIVERIES: '3' })).rabbitmq!;
    const conn = await amqp.connect(RABBITMQ_URL);
    const merchantId = `dl_${randomUUID().slice(0, 6)}`;
    const queue = `${names.queue}.${shardOf(merchantId, names.shards)}`;
    try {
      const ch = await conn.createChannel();
      await declareTopology(ch, config);
      const publisher = await rawPublisher(names);
      await publisher.publish([{ merchantId, body: JSON.stringify(v2(merchantId, 'keeps-crashing')), messageId: 'poison-1' }]);
      await publisher.close();
      // A consumer that takes it three times and gives it back each time without acknowledging, as
      // one that crashes on it would (the broker counts each return in x-delivery-count).
      await ch.prefetch(1);
      const returned = new Promise<void>((resolve) => {
        let deliveries = 0;
        void ch.consume(queue, (message) => {
          if (!message) return;
          deliveries += 1;
          if (deliveries < 3) return void ch.nack(message, false, true);
          // Stop taking it before the last return, so the broker keeps it for the next consumer.
          void ch.cancel(message.fields.consumerTag).then(() => {
            ch.nack(message, false, true);
            resolve();
          });
        });
      });
      await returned;
    } finally {
      await conn.close();
    }

    t = await startRabbitApp(names, { RABBITMQ_MAX_DELIVERIES: '3' });
    await t.createMerchant(merchantId);
    const prisma = t.db.prisma;
    await waitUntil(async () => (await prisma.deadLetter.count({ where: { broker: 'rabbitmq', merchantId } })) === 1, WAIT_MS, () => 'dead-lettered');
    const row = await prisma.deadLetter.findFirstOrThrow({ where: { broker: 'rabbitmq', merchantId } });
    expect(row).toMatchObject({ errorCode: 'DELIVERY_LIMIT', attempts: 4, topic: queue, key: merchantId });
    expect(row.headers).toMatchObject({ 'message-id': 'poison-1', 'x-delivery-count': '3' });
    expect(await prisma.paymentEvent.count({ where: { merchantId } })).toBe(0);
    const [copy] = await drainQueue(names.dlq, 1);
    expect(copy).toMatchObject({ messageId: 'poison-1', headers: { 'x-error-code': 'DELIVERY_LIMIT', 'x-attempts': 4 } });
    await waitUntil(async () => (await queueDepth(queue)) === 0, WAIT_MS, () => 'acknowledged');
  });
});
