/**
 * Ingest over real HTTP in both modes: idempotency, batches with per-item errors, refusals of bad
 * input (each with its code and no side effect), request limits, and exact money end to end.
 */
import { print } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestEnvelopes, IngestMany, IngestOne, ListEvents, LiveEvents } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import type { PaymentEventInput } from '../generated/graphql.js';
import { errorCodes, NEEDS, newMerchant, receiveExactly, rowCount, Sockets, WAIT_MS } from './helpers.js';

// Subscriptions wait up to WAIT_MS for deliveries on a busy machine; a test must outlast that.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const INGEST_ONE = print(IngestOne);

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `ingest (${mode})`, () => {
    let t: TestApp;
    const sockets = new Sockets(() => t);

    beforeAll(async () => {
      t = await startTestApp({ mode });
    });
    afterEach(() => sockets.closeAll());
    afterAll(() => t?.stop());

    describe('idempotency', () => {
      it('stores an event id once, reports the repeat as DUPLICATE with the original, and delivers it once', async () => {
        const m = await newMerchant(t);
        const sub = await sockets.live(sockets.open(m.token), LiveEvents, {}, 1);

        const original = eventInput({ amountMinor: '250000' });
        const first = await t.gql(IngestOne, { event: original }, { token: m.token });
        expect(first.errors).toBeUndefined();
        expect(first.data?.ingestPaymentEvent).toMatchObject({ status: 'INGESTED', duplicate: false });
        const stored = first.data!.ingestPaymentEvent.event!;
        await sub.waitFor(1, WAIT_MS);

        const again = await t.gql(IngestOne, { event: original }, { token: m.token });
        expect(again.errors).toBeUndefined();
        expect(again.data?.ingestPaymentEvent.status).toBe('DUPLICATE');
        expect(again.data?.ingestPaymentEvent.duplicate).toBe(true);
        expect(again.data?.ingestPaymentEvent.event).toEqual(stored);
        expect(again.data?.ingestPaymentEvent.event!.cursor).toBe(stored.cursor);

        // Same id with different content: still the original, nothing changes.
        const changed = await t.gql(IngestOne, { event: { ...original, amountMinor: '1', currency: 'XOF' } }, { token: m.token });
        expect(changed.data?.ingestPaymentEvent.status).toBe('DUPLICATE');
        expect(changed.data?.ingestPaymentEvent.event).toEqual(stored);

        expect(await rowCount(t, m.id)).toBe(1);
        const row = await t.db.prisma.paymentEvent.findFirstOrThrow({ where: { merchantId: m.id } });
        expect(row.amountMinor).toBe(250000n);
        expect(row.currency).toBe('KES');
        expect((await t.db.prisma.merchant.findUniqueOrThrow({ where: { id: m.id } })).lastEventSeq).toBe(1n);

        const third = eventInput();
        const res3 = await t.gql(IngestOne, { event: third }, { token: m.token });
        expect(res3.data?.ingestPaymentEvent.status).toBe('INGESTED');

        const delivered = await receiveExactly(sub, 2);
        expect(delivered.map((d) => d.paymentEvents.eventId)).toEqual([original.eventId, third.eventId]);
        expect(delivered.map((d) => d.paymentEvents.merchantSeq)).toEqual(['1', '2']);
        expect(await rowCount(t, m.id)).toBe(2);
      });

      it('treats the same event id under two merchants as two events', async () => {
        const a = await newMerchant(t);
        const b = await newMerchant(t);
        const input = eventInput();
        const ra = await t.gql(IngestOne, { event: input }, { token: a.token });
        const rb = await t.gql(IngestOne, { event: input }, { token: b.token });
        expect(ra.data?.ingestPaymentEvent.status).toBe('INGESTED');
        expect(rb.data?.ingestPaymentEvent.status).toBe('INGESTED');
        expect(rb.data?.ingestPaymentEvent.event!.merchantId).toBe(b.id);
        expect(await rowCount(t, a.id)).toBe(1);
        expect(await rowCount(t, b.id)).toBe(1);
      });
    });

    describe('batches', () => {
      it(
        'ingests a 1000-item batch with good, invalid and duplicate items and streams exactly the ingested ones in order',
        async () => {
          const m = await newMerchant(t);
          const sub = await sockets.live(sockets.open(m.token), LiveEvents, {}, 1);

          // Five earlier events, some of which the batch repeats.
          const earlier = Array.from({ length: 5 }, (_, i) => eventInput({ eventId: `early-${i}` }));
          const pre = await t.gql(IngestMany, { events: earlier }, { token: m.token });
          expect(pre.errors).toBeUndefined();
          expect(pre.data?.ingestPaymentEvents).toMatchObject({ ingested: 5, duplicates: 0, rejected: 0, errors: [] });
          const earlierCursor = new Map(pre.data!.ingestPaymentEvents.results.map((r) => [r.event!.eventId, r.event!.cursor]));
          await sub.waitFor(5, WAIT_MS);

          type Kind = 'fresh' | 'bad-currency' | 'negative' | 'dup-earlier' | 'dup-in-batch';
          const kinds: Kind[] = [];
          const events: PaymentEventInput[] = [];
          for (let i = 0; i < 1000; i++) {
            let kind: Kind = 'fresh';
            let input = eventInput({ eventId: `b-${i}`, amountMinor: String(1000 + i) });
            if (i % 10 === 3) {
              kind = 'bad-currency';
              input = { ...input, currency: 'XXX' };
            } else if (i % 10 === 7) {
              kind = 'negative';
              input = { ...input, amountMinor: '-5' };
            } else if (i % 50 === 5) {
              kind = 'dup-earlier';
              input = { ...earlier[(i / 50) % 5 | 0]!, amountMinor: '999' };
            } else if (i % 50 === 25) {
              kind = 'dup-in-batch';
              input = { ...events[i - 1]! };
            }
            kinds.push(kind);
            events.push(input);
          }
          const count = (k: Kind) => kinds.filter((x) => x === k).length;
          expect([count('bad-currency'), count('negative'), count('dup-earlier'), count('dup-in-batch'), count('fresh')]).toEqual([100, 100, 20, 20, 760]);

          const res = await t.gql(IngestMany, { events }, { token: m.token });
          expect(res.errors).toBeUndefined();
          const out = res.data!.ingestPaymentEvents;
          expect({ ingested: out.ingested, duplicates: out.duplicates, rejected: out.rejected }).toEqual({ ingested: 760, duplicates: 40, rejected: 200 });

          // One error per rejected item, with its index, field and code.
          const expectedErrors = kinds.flatMap((k, index) =>
            k === 'bad-currency' ? [{ index, field: 'currency', code: 'INVALID_CURRENCY' }] : k === 'negative' ? [{ index, field: 'amountMinor', code: 'INVALID_AMOUNT' }] : [],
          );
          expect(out.errors.map(({ index, field, code }) => ({ index, field, code }))).toEqual(expectedErrors);
          for (const e of out.errors) expect(e.message).not.toBe('');

          // One result per input, in input order.
          expect(out.results.map((r) => r.index)).toEqual(events.map((_, i) => i));
          const expectedStatus = { fresh: 'INGESTED', 'bad-currency': 'REJECTED', negative: 'REJECTED', 'dup-earlier': 'DUPLICATE', 'dup-in-batch': 'DUPLICATE' } as const;
          expect(out.results.map((r) => r.status)).toEqual(kinds.map((k) => expectedStatus[k]));
          out.results.forEach((r, i) => {
            const kind = kinds[i]!;
            if (kind === 'bad-currency' || kind === 'negative') return expect(r.event).toBeNull();
            expect(r.event?.eventId).toBe(events[i]!.eventId);
            if (kind === 'dup-earlier') expect(r.event?.cursor).toBe(earlierCursor.get(events[i]!.eventId));
            if (kind === 'dup-in-batch') expect(r.event?.cursor).toBe(out.results[i - 1]!.event?.cursor);
          });
          // The batch keeps its order: ingested items get increasing cursors in input order.
          const ingestedCursors = out.results.filter((r) => r.status === 'INGESTED').map((r) => BigInt(r.event!.cursor));
          expect(ingestedCursors.every((c, i) => i === 0 || c > ingestedCursors[i - 1]!)).toBe(true);

          // The database holds exactly the earlier 5 plus the 760 ingested; repeats did not overwrite.
          expect(await rowCount(t, m.id)).toBe(5 + 760);
          const dupRow = await t.db.prisma.paymentEvent.findUniqueOrThrow({ where: { merchantId_eventId: { merchantId: m.id, eventId: 'early-0' } } });
          expect(dupRow.amountMinor).toBe(150000n);
          const rows = await t.db.prisma.paymentEvent.findMany({ where: { merchantId: m.id }, orderBy: { merchantSeq: 'asc' } });

          // The subscriber got every stored event once, in merchant-sequence order, and nothing else.
          const delivered = (await receiveExactly(sub, 5 + 760)).map((d) => d.paymentEvents);
          expect(delivered.map((d) => d.merchantSeq)).toEqual(rows.map((r) => r.merchantSeq.toString()));
          expect(delivered.map((d) => d.eventId)).toEqual(rows.map((r) => r.eventId));
          expect(delivered.map((d) => d.merchantSeq)).toEqual(Array.from({ length: 765 }, (_, i) => String(i + 1)));
          expect(new Set(delivered.map((d) => d.eventId)).size).toBe(765);
        },
        180_000,
      );

      it('refuses a 1001-item batch with BATCH_TOO_LARGE and stores nothing', async () => {
        const m = await newMerchant(t);
        const events = Array.from({ length: 1001 }, () => eventInput());
        const res = await t.gql(IngestMany, { events }, { token: m.token });
        expect(errorCodes(res)).toEqual(['BATCH_TOO_LARGE']);
        expect(res.data?.ingestPaymentEvents ?? null).toBeNull();
        expect(await rowCount(t, m.id)).toBe(0);
      }, 120_000);
    });

    describe('raw envelopes of either version (ingestEnvelopes)', () => {
      it('stores a version-1 and a version-2 envelope side by side, with per-item errors in the v1 sender’s field names', async () => {
        const m = await newMerchant(t);
        const envelopes = [
          { transaction_id: 'TXN-v1', event_type: 'payment_succeeded', amount: 1000.5, currency: 'KES', payment_method: 'mobile_money', provider: 'mpesa' },
          { schemaVersion: 2, eventId: 'evt-v2', type: 'payment.failed', provider: 'paystack', amountMinor: '500', currency: 'XOF' },
          { transaction_id: 'TXN-bad', event_type: 'payment_succeeded', amount: 10.555, currency: 'KES' },
          { schemaVersion: 9, eventId: 'evt-v9' },
          'not an object',
        ];
        const res = await t.gql(IngestEnvelopes, { envelopes }, { token: m.token });
        expect(res.errors).toBeUndefined();
        const out = res.data!.ingestEnvelopes;
        expect(out).toMatchObject({ ingested: 2, duplicates: 0, accepted: 0, rejected: 3 });
        expect(out.results[0]!.event).toEqual({ eventId: 'TXN-v1', schemaVersion: 1, type: 'PAYMENT_COMPLETED', amount: { amountMinor: '100050', currency: 'KES', amount: '1000.50' } });
        expect(out.results[1]!.event).toEqual({ eventId: 'evt-v2', schemaVersion: 2, type: 'PAYMENT_FAILED', amount: { amountMinor: '500', currency: 'XOF', amount: '500' } });
        expect(out.errors.map((e) => [e.index, e.field, e.code])).toEqual([
          [2, 'amount', 'INVALID_AMOUNT'],
          [3, 'schemaVersion', 'UNSUPPORTED_SCHEMA_VERSION'],
          [4, '(event)', 'INVALID_FIELD'],
        ]);
        expect(await rowCount(t, m.id)).toBe(2);
      });

      it('keeps the caller’s scope: an envelope naming another merchant is FORBIDDEN and not stored', async () => {
        const m = await newMerchant(t);
        const other = await newMerchant(t);
        const res = await t.gql(IngestEnvelopes, { envelopes: [{ transaction_id: 'TXN-x', merchant_id: other.id, event_type: 'payment_succeeded', amount: '1', currency: 'KES' }] }, { token: m.token });
        expect(res.data!.ingestEnvelopes.errors.map((e) => [e.field, e.code])).toEqual([['merchant_id', 'FORBIDDEN']]);
        expect(await rowCount(t, other.id)).toBe(0);
      });

      it('refuses 1001 envelopes with BATCH_TOO_LARGE and stores nothing', async () => {
        const m = await newMerchant(t);
        const res = await t.gql(IngestEnvelopes, { envelopes: Array.from({ length: 1001 }, (_, i) => ({ transaction_id: `T${i}`, event_type: 'payment_succeeded', amount: '1', currency: 'KES' })) }, { token: m.token });
        expect(errorCodes(res)).toEqual(['BATCH_TOO_LARGE']);
        expect(await rowCount(t, m.id)).toBe(0);
      });
    });

    describe('bad input is refused with a code and changes nothing', () => {
      it('unknown currency → INVALID_CURRENCY', async () => {
        const m = await newMerchant(t);
        const res = await t.gql(IngestOne, { event: eventInput({ currency: 'KSH' }) }, { token: m.token });
        expect(res.data?.ingestPaymentEvent ?? null).toBeNull();
        expect(errorCodes(res)).toEqual(['INVALID_CURRENCY']);
        expect(res.errors?.[0]?.message).toMatch(/currency/i);
        expect(res.errors?.[0]?.extensions?.fieldErrors).toEqual([expect.objectContaining({ field: 'currency', code: 'INVALID_CURRENCY' })]);
        expect(await rowCount(t, m.id)).toBe(0);
      });

      it('float amount as a variable (10.5) → BAD_USER_INPUT from the BigInt scalar', async () => {
        const m = await newMerchant(t);
        const res = await t.gql(IngestOne, { event: eventInput({ amountMinor: 10.5 }) }, { token: m.token });
        expect([200, 400]).toContain(res.status);
        expect(res.data?.ingestPaymentEvent ?? null).toBeNull();
        expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
        expect(await rowCount(t, m.id)).toBe(0);
      });

      it('float amount as a string ("10.5") → BAD_USER_INPUT', async () => {
        const m = await newMerchant(t);
        const res = await t.gql(IngestOne, { event: eventInput({ amountMinor: '10.5' }) }, { token: m.token });
        expect([200, 400]).toContain(res.status);
        expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
        expect(await rowCount(t, m.id)).toBe(0);
      });

      it('float amount as a literal in the query → BAD_USER_INPUT', async () => {
        const m = await newMerchant(t);
        const res = await t.post(
          { query: `mutation { ingestPaymentEvent(event: { eventId: "e-lit", type: PAYMENT_COMPLETED, provider: "mpesa", amountMinor: 10.5, currency: "KES" }) { status } }` },
          { token: m.token },
        );
        expect(errorCodes(res.json)).toEqual(['BAD_USER_INPUT']);
        expect(res.json?.data?.ingestPaymentEvent ?? null).toBeNull();
        expect(await rowCount(t, m.id)).toBe(0);
      });

      it('negative amount ("-1") → INVALID_AMOUNT', async () => {
        const m = await newMerchant(t);
        const res = await t.gql(IngestOne, { event: eventInput({ amountMinor: '-1' }) }, { token: m.token });
        expect(errorCodes(res)).toEqual(['INVALID_AMOUNT']);
        expect(res.errors?.[0]?.extensions?.fieldErrors).toEqual([expect.objectContaining({ field: 'amountMinor', code: 'INVALID_AMOUNT' })]);
        expect(await rowCount(t, m.id)).toBe(0);
      });

      it('amount beyond the BigInt range ("99999999999999999999") → BAD_USER_INPUT', async () => {
        const m = await newMerchant(t);
        const res = await t.gql(IngestOne, { event: eventInput({ amountMinor: '99999999999999999999' }) }, { token: m.token });
        expect([200, 400]).toContain(res.status);
        expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
        expect(await rowCount(t, m.id)).toBe(0);
      });

      it('amount just beyond int64 ("9223372036854775808") → BAD_USER_INPUT', async () => {
        const m = await newMerchant(t);
        const res = await t.gql(IngestOne, { event: eventInput({ amountMinor: '9223372036854775808' }) }, { token: m.token });
        expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
        expect(await rowCount(t, m.id)).toBe(0);
      });

      it('missing required field (no provider in the query) → validation error', async () => {
        const m = await newMerchant(t);
        const res = await t.post(
          { query: `mutation { ingestPaymentEvent(event: { eventId: "e-noprov", type: PAYMENT_COMPLETED, amountMinor: "100", currency: "KES" }) { status } }` },
          { token: m.token },
        );
        expect(res.json?.errors?.length).toBeGreaterThan(0);
        expect(res.json.errors[0].message).toMatch(/provider/);
        expect(errorCodes(res.json)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
        expect(res.json?.data?.ingestPaymentEvent ?? null).toBeNull();
        expect(await rowCount(t, m.id)).toBe(0);
      });

      it('missing required field in a variable (no provider) → error naming the field', async () => {
        const m = await newMerchant(t);
        const { provider: _omitted, ...withoutProvider } = eventInput();
        const res = await t.post({ query: INGEST_ONE, variables: { event: withoutProvider } }, { token: m.token });
        expect(res.json?.errors?.length).toBeGreaterThan(0);
        expect(res.json.errors[0].message).toMatch(/provider/);
        expect(res.json?.data?.ingestPaymentEvent ?? null).toBeNull();
        expect(await rowCount(t, m.id)).toBe(0);
      });

      it('malformed JSON body → 400 and an error', async () => {
        const m = await newMerchant(t);
        const res = await t.post('{"query": ', { token: m.token });
        expect(res.status).toBe(400);
        expect(res.json?.errors?.length).toBeGreaterThan(0);
        expect(await rowCount(t, m.id)).toBe(0);
      });

      it('a 10 MB body → 413 PAYLOAD_TOO_LARGE', async () => {
        const m = await newMerchant(t);
        // A valid mutation padded with whitespace: were the limit missing, it would be stored.
        const query = `mutation { ingestPaymentEvent(event: { eventId: "e-huge", type: PAYMENT_COMPLETED, provider: "mpesa", amountMinor: "100", currency: "KES" }) { status } }`;
        const body = JSON.stringify({ query: query + ' '.repeat(10 * 1024 * 1024) });
        expect(body.length).toBeGreaterThan(10 * 1024 * 1024);
        const res = await t.post(body, { token: m.token });
        expect(res.status).toBe(413);
        expect(errorCodes(res.json)).toEqual(['PAYLOAD_TOO_LARGE']);
        expect(await rowCount(t, m.id)).toBe(0);
        // The server is still serving.
        const ok = await t.gql(IngestOne, { event: eventInput() }, { token: m.token });
        expect(ok.data?.ingestPaymentEvent.status).toBe('INGESTED');
      }, 60_000);

      it('a 10 MB chunked body (no Content-Length) → 413 PAYLOAD_TOO_LARGE', async () => {
        const m = await newMerchant(t);
        const query = `mutation { ingestPaymentEvent(event: { eventId: "e-huge-chunked", type: PAYMENT_COMPLETED, provider: "mpesa", amountMinor: "100", currency: "KES" }) { status } }`;
        const bytes = new TextEncoder().encode(JSON.stringify({ query: query + ' '.repeat(10 * 1024 * 1024) }));
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
            controller.close();
          },
        });
        const res = await fetch(t.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${m.token}` },
          body,
          duplex: 'half',
        } as RequestInit & { duplex: 'half' });
        expect(res.status).toBe(413);
        expect(errorCodes((await res.json()) as Parameters<typeof errorCodes>[0])).toEqual(['PAYLOAD_TOO_LARGE']);
        expect(await rowCount(t, m.id)).toBe(0);
      }, 60_000);
    });

    describe('exact money', () => {
      it('round-trips the largest accepted amount (10^15 minor units) through ingest, the query and the subscription', async () => {
        const m = await newMerchant(t);
        const sub = await sockets.live(sockets.open(m.token), LiveEvents, {}, 1);
        const max = '1000000000000000';
        const input = eventInput({ amountMinor: max, feeMinor: max, currency: 'KES' });
        const res = await t.gql(IngestOne, { event: input }, { token: m.token });
        expect(res.errors).toBeUndefined();
        const expectedMoney = { amountMinor: max, currency: 'KES', amount: '10000000000000.00' };
        expect(res.data?.ingestPaymentEvent.event!.amount).toEqual(expectedMoney);
        expect(res.data?.ingestPaymentEvent.event!.fee).toEqual(expectedMoney);

        const list = await t.gql(ListEvents, { first: 10 }, { token: m.token });
        expect(list.errors).toBeUndefined();
        expect(list.data?.paymentEvents.edges).toHaveLength(1);
        expect(list.data?.paymentEvents.edges[0]?.node.amount).toEqual(expectedMoney);
        expect(list.data?.paymentEvents.edges[0]?.node.fee).toEqual(expectedMoney);

        // The raw JSON carries the digits as a string (no JSON number precision loss).
        const raw = await t.post({ query: '{ paymentEvents(first: 1) { edges { node { amount { amountMinor } } } } }' }, { token: m.token });
        expect(raw.text).toContain(`"amountMinor":"${max}"`);

        const row = await t.db.prisma.paymentEvent.findFirstOrThrow({ where: { merchantId: m.id } });
        expect(row.amountMinor).toBe(10n ** 15n);
        expect(row.feeMinor).toBe(10n ** 15n);

        const [delivered] = await receiveExactly(sub, 1);
        expect(delivered?.paymentEvents.amount).toEqual(expectedMoney);

        // The minimum filter accepts the same range.
        const filtered = await t.gql(ListEvents, { filter: { minAmountMinor: max } }, { token: m.token });
        expect(filtered.data?.paymentEvents.edges.map((e) => e.node.eventId)).toEqual([input.eventId]);
      });

      it('formats amounts per currency exponent (XOF 0, BHD 3)', async () => {
        const m = await newMerchant(t);
        const xof = await t.gql(IngestOne, { event: eventInput({ amountMinor: '1000', feeMinor: '30', currency: 'XOF' }) }, { token: m.token });
        expect(xof.data?.ingestPaymentEvent.event!.amount).toEqual({ amountMinor: '1000', currency: 'XOF', amount: '1000' });
        expect(xof.data?.ingestPaymentEvent.event!.fee).toEqual({ amountMinor: '30', currency: 'XOF', amount: '30' });
        const bhd = await t.gql(IngestOne, { event: eventInput({ amountMinor: '1005', feeMinor: null, currency: 'BHD' }) }, { token: m.token });
        expect(bhd.data?.ingestPaymentEvent.event!.amount).toEqual({ amountMinor: '1005', currency: 'BHD', amount: '1.005' });
        expect(bhd.data?.ingestPaymentEvent.event!.fee).toEqual({ amountMinor: '0', currency: 'BHD', amount: '0.000' });
      });
    });
  });
}
