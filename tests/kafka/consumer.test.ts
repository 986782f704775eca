/**
 * The Kafka source against the real broker (scripts/kafka), PostgreSQL and Redis: what is
 * produced is stored once and delivered once per event id; what is invalid lands in the
 * dead-letter topic and table with its reason; admins replay it after a fix; ingest mutations
 * produce to the topic and answer ACCEPTED.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, Message, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestOne, LiveEvents } from '../support/operations.js';
import type { TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { describeWith } from '../support/services.js';
import { collect, waitUntil } from '../support/subscriptions.js';
import { errorCodes, Sockets, WAIT_MS } from '../payments/helpers.js';
import { kafkaNames, produceAll, rawProducer, readTopic, startKafkaApp, testKafka, v1, v2 } from './support.js';

const DEAD_LETTERS = `query DeadLetters($first: Int, $after: String, $merchantId: ID, $pendingOnly: Boolean) {
  deadLetters(first: $first, after: $after, merchantId: $merchantId, pendingOnly: $pendingOnly) {
    edges { cursor node { id topic partition offset key payload errorCode errorMessage errors attempts merchantId replayedAt replayedBy } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const REPLAY = `mutation Replay($id: ID!) {
  replayDeadLetter(id: $id) { replayed deadLetter { id replayedAt replayedBy attempts errorCode } result { ingested duplicates rejected errors { code } } }
}`;

await describeWith(['postgres', 'redis', 'kafka'], 'Kafka event source', () => {
  let kafka: Kafka;
  let producer: Producer;
  beforeAll(async () => {
    kafka = testKafka();
    producer = await rawProducer(kafka);
  });
  afterAll(async () => producer?.disconnect());

  describe('consumer group pipeline', () => {
    const names = kafkaNames();
    let t: TestApp;
    const sockets = new Sockets(() => t);
    beforeAll(async () => {
      t = await startKafkaApp(names);
    });
    afterAll(async () => {
      await sockets.closeAll().catch(() => {});
      await t?.stop();
    });

    it(
      'stores 5,000 messages with 10% duplicates and 2% malformed once each, delivers each id once, and dead-letters every malformed one with its reason',
      async () => {
        const merchants = Array.from({ length: 5 }, (_, i) => `mk${i}_${randomUUID().slice(0, 6)}`);
        for (const id of merchants) await t.createMerchant(id);
        const subs = new Map<string, ReturnType<typeof collect<{ paymentEvents: { eventId: string; merchantSeq: string } }, unknown>>>();
        let active = 0;
        for (const id of merchants) {
          const client = sockets.open(await t.merchantToken(id));
          subs.set(id, (await sockets.live(client, LiveEvents, {}, ++active)) as never);
        }

        // 4,400 unique valid events (half v1, half v2), 500 redeliveries of them, 100 malformed.
        const valid: { merchantId: string; eventId: string; message: Message }[] = [];
        for (let i = 0; i < 4_400; i++) {
          const merchantId = merchants[i % merchants.length]!;
          const eventId = `k-${i}-${randomUUID().slice(0, 8)}`;
          const body = i % 2 === 0 ? v2(merchantId, eventId) : v1(merchantId, eventId);
          valid.push({ merchantId, eventId, message: { key: merchantId, value: JSON.stringify(body) } });
        }
        const malformedKinds = [
          { code: 'INVALID_JSON', value: () => '{"eventId": "broken' },
          { code: 'INVALID_CURRENCY', value: (m: string) => JSON.stringify(v2(m, `bad-${randomUUID()}`, { currency: 'KSH' })) },
          { code: 'INVALID_AMOUNT', value: (m: string) => JSON.stringify(v1(m, `bad-${randomUUID()}`, { amount: -5 })) },
          { code: 'UNSUPPORTED_SCHEMA_VERSION', value: (m: string) => JSON.stringify(v2(m, `bad-${randomUUID()}`, { schemaVersion: 7 })) },
          { code: 'MERCHANT_NOT_FOUND', value: () => JSON.stringify(v2('nobody', `bad-${randomUUID()}`)) },
        ];
        const malformed: { code: string; message: Message }[] = [];
        for (let i = 0; i < 100; i++) {
          const kind = malformedKinds[i % malformedKinds.length]!;
          const merchantId = merchants[i % merchants.length]!;
          malformed.push({ code: kind.code, message: { key: merchantId, value: kind.value(merchantId) } });
        }
        const duplicates = Array.from({ length: 500 }, (_, i) => valid[(i * 7) % valid.length]!.message);

        // Interleave: duplicates after their originals, malformed spread through the stream.
        const stream: Message[] = [];
        let d = 0;
        let b = 0;
        valid.forEach((v, i) => {
          stream.push(v.message);
          if (i % 9 === 8 && d < duplicates.length) stream.push(duplicates[d++]!);
          if (i % 44 === 43 && b < malformed.length) stream.push(malformed[b++]!.message);
        });
        while (d < duplicates.length) stream.push(duplicates[d++]!);
        while (b < malformed.length) stream.push(malformed[b++]!.message);
        expect(stream).toHaveLength(5_000);

        await produceAll(producer, names.topic, stream);

        const prisma = t.db.prisma;
        await waitUntil(async () => (await prisma.paymentEvent.count({ where: { merchantId: { in: merchants } } })) >= valid.length, 120_000, () => 'all valid events stored');
        await waitUntil(async () => (await prisma.deadLetter.count({ where: { topic: names.topic } })) >= malformed.length, 60_000, () => 'all malformed dead-lettered');

        // Stored exactly once each, contiguous per merchant, as kafka-sourced events.
        const rows = await prisma.paymentEvent.findMany({ where: { merchantId: { in: merchants } }, select: { merchantId: true, eventId: true, merchantSeq: true, source: true } });
        expect(rows).toHaveLength(valid.length);
        expect(new Set(rows.map((r) => `${r.merchantId}/${r.eventId}`))).toEqual(new Set(valid.map((v) => `${v.merchantId}/${v.eventId}`)));
        expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['kafka']));
        for (const id of merchants) {
          const seqs = rows.filter((r) => r.merchantId === id).map((r) => Number(r.merchantSeq)).sort((x, y) => x - y);
          expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
        }

        // Each subscriber got each of its merchant's ids exactly once, in merchant-sequence order.
        for (const id of merchants) {
          const sub = subs.get(id)!;
          const expected = valid.filter((v) => v.merchantId === id).length;
          await sub.waitFor(expected, WAIT_MS);
          await new Promise((r) => setTimeout(r, 300));
          const got = sub.data().map((x) => x.paymentEvents);
          expect(got).toHaveLength(expected);
          expect(new Set(got.map((e) => e.eventId)).size).toBe(expected);
          expect(got.map((e) => Number(e.merchantSeq))).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
        }

        // Every malformed message is in the table once, with its reason, and on the DLQ topic.
        const letters = await prisma.deadLetter.findMany({ where: { topic: names.topic }, orderBy: { offset: 'asc' } });
        expect(letters).toHaveLength(malformed.length);
        const byCode = (codes: string[]) => codes.reduce<Record<string, number>>((acc, c) => ((acc[c] = (acc[c] ?? 0) + 1), acc), {});
        expect(byCode(letters.map((l) => l.errorCode))).toEqual(byCode(malformed.map((m) => m.code)));
        expect(new Set(letters.map((l) => l.payload))).toEqual(new Set(malformed.map((m) => String(m.message.value))));
        const onTopic = await readTopic(kafka, names.dlqTopic, malformed.length);
        expect(onTopic).toHaveLength(malformed.length);
        for (const m of onTopic) {
          expect(m.headers['x-original-topic']).toBe(names.topic);
          expect(Number(m.headers['x-original-offset'])).toBeGreaterThanOrEqual(0);
          expect(malformedKinds.map((k) => k.code)).toContain(m.headers['x-error-code']);
          expect(m.headers['x-error-message']?.length).toBeGreaterThan(0);
          expect(m.headers['x-attempts']).toBe('1');
        }

        // The consumer group committed past everything it handled.
        const admin = kafka.admin();
        await admin.connect();
        try {
          const latest = await admin.fetchTopicOffsets(names.topic);
          await waitUntil(
            async () => {
              const [committed] = await admin.fetchOffsets({ groupId: names.groupId, topics: [names.topic] });
              // An empty partition has nothing to commit.
              return latest.every((p) => p.offset === '0' || committed!.partitions.find((c) => c.partition === p.partition)?.offset === p.offset);
            },
            WAIT_MS,
            () => 'offsets committed to the end of every partition',
          );
        } finally {
          await admin.disconnect();
        }
      },
      300_000,
    );

    it('lists dead letters for admins only, and replays one after its cause is fixed', async () => {
      const merchantId = `late_${randomUUID().slice(0, 6)}`;
      const eventId = `evt-${randomUUID()}`;
      await producer.send({ topic: names.topic, acks: -1, messages: [{ key: merchantId, value: JSON.stringify(v2(merchantId, eventId)) }] });
      const prisma = t.db.prisma;
      await waitUntil(async () => (await prisma.deadLetter.count({ where: { merchantId } })) === 1, WAIT_MS, () => 'dead-lettered');

      const admin = await t.adminToken();
      const listed = await t.post({ query: DEAD_LETTERS, variables: { merchantId } }, { token: admin });
      expect(listed.json.errors).toBeUndefined();
      const [edge] = listed.json.data.deadLetters.edges;
      expect(edge.node).toMatchObject({ topic: names.topic, key: merchantId, merchantId, errorCode: 'MERCHANT_NOT_FOUND', attempts: 1, replayedAt: null });
      expect(JSON.parse(edge.node.payload)).toMatchObject({ eventId, merchantId });

      // Not for merchants, not even their own.
      await t.createMerchant(merchantId);
      const asMerchant = await t.post({ query: DEAD_LETTERS, variables: { merchantId } }, { token: await t.merchantToken(merchantId) });
      expect(errorCodes(asMerchant.json)).toEqual(['FORBIDDEN']);
      expect(asMerchant.json.data).toBeNull();
      const replayAsMerchant = await t.post({ query: REPLAY, variables: { id: edge.node.id } }, { token: await t.merchantToken(merchantId) });
      expect(errorCodes(replayAsMerchant.json)).toEqual(['FORBIDDEN']);
      expect(await prisma.paymentEvent.count({ where: { merchantId } })).toBe(0);

      // The merchant exists now: the replay stores the event.
      const replayed = await t.post({ query: REPLAY, variables: { id: edge.node.id } }, { token: admin });
      expect(replayed.json.errors).toBeUndefined();
      expect(replayed.json.data.replayDeadLetter).toMatchObject({ replayed: true, result: { ingested: 1, duplicates: 0, rejected: 0 }, deadLetter: { replayedBy: 'admin-1', attempts: 2 } });
      expect(await prisma.paymentEvent.count({ where: { merchantId, eventId, source: 'kafka' } })).toBe(1);

      const again = await t.post({ query: REPLAY, variables: { id: edge.node.id } }, { token: admin });
      expect(errorCodes(again.json)).toEqual(['ALREADY_REPLAYED']);
      const missing = await t.post({ query: REPLAY, variables: { id: '999999999' } }, { token: admin });
      expect(errorCodes(missing.json)).toEqual(['NOT_FOUND']);
      const pending = await t.post({ query: DEAD_LETTERS, variables: { merchantId } }, { token: admin });
      expect(pending.json.data.deadLetters.edges).toEqual([]);
      const all = await t.post({ query: DEAD_LETTERS, variables: { merchantId, pendingOnly: false } }, { token: admin });
      expect(all.json.data.deadLetters.edges).toHaveLength(1);
    });

    it('a replay that still fails reports why and stays pending', async () => {
      const merchantId = `never_${randomUUID().slice(0, 6)}`;
      await producer.send({ topic: names.topic, acks: -1, messages: [{ key: merchantId, value: JSON.stringify(v2(merchantId, `evt-${randomUUID()}`)) }] });
      const prisma = t.db.prisma;
      await waitUntil(async () => (await prisma.deadLetter.count({ where: { merchantId } })) === 1, WAIT_MS, () => 'dead-lettered');
      const row = await prisma.deadLetter.findFirstOrThrow({ where: { merchantId } });
      const replayed = await t.post({ query: REPLAY, variables: { id: row.id.toString() } }, { token: await t.adminToken() });
      expect(replayed.json.data.replayDeadLetter).toMatchObject({ replayed: false, result: { rejected: 1, errors: [{ code: 'MERCHANT_NOT_FOUND' }] }, deadLetter: { attempts: 2, replayedAt: null } });
    });
  });

  describe('ingest mutations with Kafka configured', () => {
    const names = kafkaNames();
    let t: TestApp;
    const sockets = new Sockets(() => t);
    beforeAll(async () => {
      t = await startKafkaApp(names);
    });
    afterAll(async () => {
      await sockets.closeAll().catch(() => {});
      await t?.stop();
    });

    it('answers ACCEPTED once Kafka acknowledged, then the consumer stores and streams the event', async () => {
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

      // The same id again: accepted by Kafka, dropped as a duplicate by the consumer, not streamed twice.
      const again = await t.gql(IngestOne, { event: input }, { token });
      expect(again.data?.ingestPaymentEvent.status).toBe('ACCEPTED');
      const marker = eventInput();
      await t.gql(IngestOne, { event: marker }, { token });
      await sub.waitFor(2, WAIT_MS);
      expect(sub.data().map((d) => d.paymentEvents.eventId)).toEqual([input.eventId, marker.eventId]);
      expect(await t.db.prisma.paymentEvent.count({ where: { merchantId } })).toBe(2);
    });

    it('refuses invalid items and unknown merchants at once and produces nothing for them', async () => {
      const merchantId = `rej_${randomUUID().slice(0, 6)}`;
      await t.createMerchant(merchantId);
      const admin = kafka.admin();
      await admin.connect();
      const sum = async () => (await admin.fetchTopicOffsets(names.topic)).reduce((n, p) => n + Number(p.offset), 0);
      try {
        const before = await sum();
        const bad = await t.gql(IngestOne, { event: eventInput({ currency: 'KSH' }) }, { token: await t.merchantToken(merchantId) });
        expect(errorCodes(bad)).toEqual(['INVALID_CURRENCY']);
        const unknown = await t.gql(IngestOne, { event: eventInput({ merchantId: 'ghost' }) }, { token: await t.adminToken() });
        expect(errorCodes(unknown)).toEqual(['MERCHANT_NOT_FOUND']);
        const other = await t.gql(IngestOne, { event: eventInput({ merchantId: 'someone-else' }) }, { token: await t.merchantToken(merchantId) });
        expect(errorCodes(other)).toEqual(['FORBIDDEN']);
        expect(await sum()).toBe(before);
      } finally {
        await admin.disconnect();
      }
    });

    it('reports the consumer in /readyz', async () => {
      const res = await fetch(t.url.replace('/graphql', '/readyz'));
      expect(res.status).toBe(200);
      expect((await res.json()).checks).toMatchObject({ kafkaConsumer: true });
    });
  });
});
