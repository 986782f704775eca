/**
 * The merchant event feed in both modes: filter semantics (identical on the query and the live
 * subscription), Relay paging of `paymentEvents`, resume with `after` across reconnects while
 * events keep arriving, and gap filling when a publish was lost.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PaymentEventFilter, PaymentEventInput } from '../generated/graphql.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestMany, IngestOne, ListEvents, LiveEvents } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { collect, subscriptionErrorCodes, waitUntil, type Collector } from '../support/subscriptions.js';
import { errorCodes, NEEDS, newMerchant, QUIET_MS, receiveExactly, rowCount, Sockets, WAIT_MS, type TestMerchant } from './helpers.js';

// Subscriptions wait up to WAIT_MS for deliveries on a busy machine; a test must outlast that.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/** Twelve varied events; keys double as event ids (each test has its own merchant). */
const FIXTURE: Record<string, Partial<PaymentEventInput>> = {
  e1: { type: 'PAYMENT_COMPLETED', provider: 'mpesa', paymentMethod: 'MOBILE_MONEY', amountMinor: '150000', currency: 'KES', customerId: 'cust-a' },
  e2: { type: 'PAYMENT_FAILED', provider: 'mpesa', paymentMethod: 'MOBILE_MONEY', amountMinor: '5000', currency: 'KES', customerId: 'cust-b' },
  e3: { type: 'PAYMENT_COMPLETED', provider: 'paystack', paymentMethod: 'CARD', amountMinor: '250000', currency: 'NGN', customerId: 'cust-a' },
  e4: { type: 'PAYMENT_REFUNDED', provider: 'paystack', paymentMethod: 'CARD', amountMinor: '100000', currency: 'NGN', customerId: 'cust-c' },
  e5: { type: 'TRANSFER_SUCCESS', provider: 'flutterwave', paymentMethod: 'BANK_TRANSFER', amountMinor: '1000000', currency: 'KES', customerId: 'cust-b' },
  e6: { type: 'PAYMENT_COMPLETED', provider: 'mtn_momo', paymentMethod: 'MOBILE_MONEY', amountMinor: '50000', currency: 'UGX', customerId: 'cust-d' },
  e7: { type: 'PAYMENT_PENDING', provider: 'airtel_money', paymentMethod: 'USSD', amountMinor: '99999', currency: 'KES', customerId: 'cust-a' },
  e8: { type: 'PAYMENT_COMPLETED', provider: 'stripe', paymentMethod: 'CARD', amountMinor: '100000', currency: 'USD', customerId: null },
  e9: { type: 'TRANSFER_FAILED', provider: 'flutterwave', paymentMethod: 'BANK_TRANSFER', amountMinor: '100000', currency: 'KES', customerId: 'cust-c' },
  e10: { type: 'PAYMENT_COMPLETED', provider: 'mpesa', paymentMethod: null, amountMinor: '100000', currency: 'KES', customerId: 'cust-a' },
  e11: { type: 'REFUND_PROCESSED', provider: 'mpesa', paymentMethod: 'MOBILE_MONEY', amountMinor: '100001', currency: 'KES', customerId: 'cust-d' },
  e12: { type: 'PAYMENT_INITIATED', provider: 'campay', paymentMethod: 'QR', amountMinor: '0', feeMinor: '0', currency: 'XAF', customerId: 'cust-b' },
};
const ALL = Object.keys(FIXTURE);

/** Each filter with the exact event ids it must return, worked out by hand from FIXTURE. */
const FILTER_CASES: Array<{ name: string; filter: PaymentEventFilter | null; expected: string[] }> = [
  { name: 'no filter', filter: null, expected: ALL },
  { name: 'empty filter object', filter: {}, expected: ALL },
  { name: 'every list empty = any', filter: { types: [], providers: [], currencies: [], paymentMethods: [] }, expected: ALL },
  { name: 'one type', filter: { types: ['PAYMENT_COMPLETED'] }, expected: ['e1', 'e3', 'e6', 'e8', 'e10'] },
  { name: 'two types (OR)', filter: { types: ['PAYMENT_FAILED', 'TRANSFER_FAILED'] }, expected: ['e2', 'e9'] },
  { name: 'one provider', filter: { providers: ['paystack'] }, expected: ['e3', 'e4'] },
  { name: 'two providers (OR)', filter: { providers: ['mpesa', 'flutterwave'] }, expected: ['e1', 'e2', 'e5', 'e9', 'e10', 'e11'] },
  { name: 'unknown provider', filter: { providers: ['nobody'] }, expected: [] },
  { name: 'currencies', filter: { currencies: ['NGN', 'UGX'] }, expected: ['e3', 'e4', 'e6'] },
  { name: 'one payment method', filter: { paymentMethods: ['CARD'] }, expected: ['e3', 'e4', 'e8'] },
  // e10 has no payment method: a method filter never matches it.
  { name: 'two payment methods (OR)', filter: { paymentMethods: ['MOBILE_MONEY', 'USSD'] }, expected: ['e1', 'e2', 'e6', 'e7', 'e11'] },
  { name: 'minAmountMinor is inclusive', filter: { minAmountMinor: '100000' }, expected: ['e1', 'e3', 'e4', 'e5', 'e8', 'e9', 'e10', 'e11'] },
  { name: 'minAmountMinor one above', filter: { minAmountMinor: '100001' }, expected: ['e1', 'e3', 'e5', 'e11'] },
  { name: 'minAmountMinor 0 = every amount', filter: { minAmountMinor: '0' }, expected: ALL },
  { name: 'customerId', filter: { customerId: 'cust-a' }, expected: ['e1', 'e3', 'e7', 'e10'] },
  { name: 'unknown customerId', filter: { customerId: 'cust-zzz' }, expected: [] },
  { name: 'type AND providers', filter: { types: ['PAYMENT_COMPLETED'], providers: ['mpesa', 'paystack'] }, expected: ['e1', 'e3', 'e10'] },
  {
    name: 'types AND currency AND min amount',
    filter: { types: ['PAYMENT_COMPLETED', 'PAYMENT_REFUNDED'], currencies: ['NGN'], minAmountMinor: '150000' },
    expected: ['e3'],
  },
  { name: 'customer AND method AND currency', filter: { customerId: 'cust-a', paymentMethods: ['MOBILE_MONEY'], currencies: ['KES'] }, expected: ['e1'] },
  { name: 'empty list AND provider AND min amount', filter: { types: [], providers: ['mpesa'], minAmountMinor: '100000' }, expected: ['e1', 'e10', 'e11'] },
  { name: 'method AND customer', filter: { paymentMethods: ['CARD'], customerId: 'cust-c' }, expected: ['e4'] },
  { name: 'contradictory fields', filter: { types: ['PAYMENT_FAILED'], currencies: ['NGN'] }, expected: [] },
];

type LiveData = { paymentEvents: { eventId: string; cursor: string; merchantSeq: string } };


for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `payment feed (${mode})`, () => {
    let t: TestApp;
    const sockets = new Sockets(() => t);
    const prisma = () => t.db.prisma;

    beforeAll(async () => {
      t = await startTestApp({ mode });
    });
    afterEach(() => sockets.closeAll());
    afterAll(() => t?.stop());

    async function ingestOne(m: TestMerchant, input: PaymentEventInput) {
      const res = await t.gql(IngestOne, { event: input }, { token: m.token });
      expect(res.errors).toBeUndefined();
      expect(res.data?.ingestPaymentEvent.status).toBe('INGESTED');
      return res.data!.ingestPaymentEvent.event!;
    }

    async function ingestMany(m: TestMerchant, events: PaymentEventInput[]) {
      const res = await t.gql(IngestMany, { events }, { token: m.token });
      expect(res.errors).toBeUndefined();
      expect(res.data?.ingestPaymentEvents).toMatchObject({ ingested: events.length, duplicates: 0, rejected: 0 });
      return res.data!.ingestPaymentEvents.results;
    }

    /** Event ids of the merchant's stored events after a cursor, in merchant-sequence order. */
    async function storedAfter(merchantId: string, cursor: string) {
      const rows = await prisma().paymentEvent.findMany({ where: { merchantId, seq: { gt: BigInt(cursor) } }, orderBy: { merchantSeq: 'asc' } });
      return rows.map((r) => ({ eventId: r.eventId, merchantSeq: r.merchantSeq.toString(), cursor: r.seq.toString() }));
    }

    describe('filters', () => {
      it(
        'return exactly the matching events, the same on the live subscription and the query',
        async () => {
          const m = await newMerchant(t);
          const client = sockets.open(m.token);
          const subs: Collector<LiveData>[] = [];
          for (const c of FILTER_CASES) {
            subs.push(await sockets.live(client, LiveEvents, c.filter === null ? {} : { filter: c.filter }, subs.length + 1));
          }

          // Half as one batch, half one by one, all after every subscription is live.
          const inputs = ALL.map((key) => eventInput({ eventId: key, reference: `REF-${key}`, ...FIXTURE[key] }));
          await ingestMany(m, inputs.slice(0, 6));
          for (const input of inputs.slice(6)) await ingestOne(m, input);
          expect(await rowCount(t, m.id)).toBe(12);

          for (const [i, c] of FILTER_CASES.entries()) await subs[i]!.waitFor(c.expected.length, WAIT_MS);
          await new Promise((r) => setTimeout(r, QUIET_MS));

          const stored = await prisma().paymentEvent.findMany({ where: { merchantId: m.id }, orderBy: { merchantSeq: 'asc' } });
          const order = stored.map((r) => r.eventId);
          expect(order).toEqual(ALL);

          for (const [i, c] of FILTER_CASES.entries()) {
            const sub = subs[i]!;
            expect(sub.results.filter((r) => r.errors), `${c.name}: subscription errors`).toEqual([]);
            const live = sub.data().map((d) => d.paymentEvents.eventId);
            expect(live, `${c.name}: subscription`).toEqual(c.expected);

            const res = await t.gql(ListEvents, { filter: c.filter, first: 100, order: 'ASC' }, { token: m.token });
            expect(res.errors, `${c.name}: query errors`).toBeUndefined();
            const queried = res.data!.paymentEvents.edges.map((e) => e.node.eventId);
            expect(queried, `${c.name}: query`).toEqual(c.expected);
            expect(queried, `${c.name}: query = subscription`).toEqual(live);
          }
        },
        180_000,
      );

      it('a merchant cannot widen its scope with filter.merchantId', async () => {
        const m = await newMerchant(t);
        const other = await newMerchant(t);
        await ingestOne(other, eventInput());
        const res = await t.gql(ListEvents, { filter: { merchantId: other.id } }, { token: m.token });
        expect(errorCodes(res)).toEqual(['FORBIDDEN']);
        expect(res.data?.paymentEvents ?? null).toBeNull();

        const sub = collect(sockets.open(m.token), LiveEvents, { filter: { merchantId: other.id } });
        expect(await subscriptionErrorCodes(sub, WAIT_MS)).toEqual(['FORBIDDEN']);
        expect(sub.data()).toEqual([]);
      });
    });

    describe('paging (Relay)', () => {
      it(
        'pages cover every event exactly once, newest first by default, oldest first with ASC',
        async () => {
          const m = await newMerchant(t);
          const inputs = Array.from({ length: 23 }, (_, i) => eventInput({ eventId: `p-${i}`, type: i % 3 === 0 ? 'PAYMENT_FAILED' : 'PAYMENT_COMPLETED' }));
          await ingestMany(m, inputs.slice(0, 10));
          for (const input of inputs.slice(10)) await ingestOne(m, input);

          const stored = await prisma().paymentEvent.findMany({ where: { merchantId: m.id }, orderBy: { seq: 'asc' } });
          const asc = stored.map((r) => r.eventId);
          expect(asc).toEqual(inputs.map((i) => i.eventId));

          async function allPages(order: 'ASC' | 'DESC' | undefined, first: number, filter?: PaymentEventFilter) {
            const pages: Array<{ ids: string[]; hasNextPage: boolean }> = [];
            let after: string | undefined;
            for (let guard = 0; guard < 50; guard++) {
              const res = await t.gql(ListEvents, { first, ...(after ? { after } : {}), ...(order ? { order } : {}), ...(filter ? { filter } : {}) }, { token: m.token });
              expect(res.errors).toBeUndefined();
              const conn = res.data!.paymentEvents;
              for (const edge of conn.edges) {
                expect(edge.cursor).toBe(edge.node.cursor);
                expect(edge.node.merchantId).toBe(m.id);
              }
              expect(conn.pageInfo.startCursor).toBe(conn.edges[0]?.cursor ?? null);
              expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1)?.cursor ?? null);
              expect(conn.pageInfo.hasPreviousPage).toBe(after !== undefined);
              expect(conn.edges.length).toBeLessThanOrEqual(first);
              pages.push({ ids: conn.edges.map((e) => e.node.eventId), hasNextPage: conn.pageInfo.hasNextPage });
              if (!conn.pageInfo.hasNextPage) return pages;
              after = conn.pageInfo.endCursor!;
            }
            throw new Error('paging did not end');
          }

          // Default order is DESC (newest first).
          const desc = await allPages(undefined, 5);
          expect(desc.map((p) => p.ids.length)).toEqual([5, 5, 5, 5, 3]);
          expect(desc.map((p) => p.hasNextPage)).toEqual([true, true, true, true, false]);
          expect(desc.flatMap((p) => p.ids)).toEqual([...asc].reverse());
          expect(await allPages('DESC', 5)).toEqual(desc);

          const ascPages = await allPages('ASC', 7);
          expect(ascPages.map((p) => p.ids.length)).toEqual([7, 7, 7, 2]);
          expect(ascPages.map((p) => p.hasNextPage)).toEqual([true, true, true, false]);
          expect(ascPages.flatMap((p) => p.ids)).toEqual(asc);

          // A page size that divides the total exactly ends with hasNextPage false on the last full page.
          const exact = await allPages('ASC', 23);
          expect(exact).toEqual([{ ids: asc, hasNextPage: false }]);
          expect((await allPages('ASC', 22)).map((p) => p.ids.length)).toEqual([22, 1]);
          expect((await allPages('DESC', 500))[0]).toEqual({ ids: [...asc].reverse(), hasNextPage: false });

          // Paging with a filter.
          const failed = stored.filter((r) => r.type === 'payment.failed').map((r) => r.eventId);
          expect(failed).toHaveLength(8);
          const filteredPages = await allPages('ASC', 3, { types: ['PAYMENT_FAILED'] });
          expect(filteredPages.map((p) => p.ids.length)).toEqual([3, 3, 2]);
          expect(filteredPages.flatMap((p) => p.ids)).toEqual(failed);
          expect((await allPages('DESC', 3, { types: ['PAYMENT_FAILED'] })).flatMap((p) => p.ids)).toEqual([...failed].reverse());

          // After the newest event in ASC order (or the oldest in DESC): an empty last page.
          const lastCursor = stored.at(-1)!.seq.toString();
          const tail = await t.gql(ListEvents, { first: 5, after: lastCursor, order: 'ASC' }, { token: m.token });
          expect(tail.data?.paymentEvents.edges).toEqual([]);
          expect(tail.data?.paymentEvents.pageInfo.hasNextPage).toBe(false);
          const head = await t.gql(ListEvents, { first: 5, after: stored[0]!.seq.toString(), order: 'DESC' }, { token: m.token });
          expect(head.data?.paymentEvents.edges).toEqual([]);
        },
        120_000,
      );

      it('refuses first outside 1..500 and last/before with BAD_USER_INPUT', async () => {
        const m = await newMerchant(t);
        await ingestOne(m, eventInput());
        for (const first of [0, 501, -1]) {
          const res = await t.gql(ListEvents, { first }, { token: m.token });
          expect(errorCodes(res), `first: ${first}`).toEqual(['BAD_USER_INPUT']);
          expect(res.data?.paymentEvents ?? null).toBeNull();
        }
        expect((await t.gql(ListEvents, { first: 1 }, { token: m.token })).data?.paymentEvents.edges).toHaveLength(1);
        expect((await t.gql(ListEvents, { first: 500 }, { token: m.token })).data?.paymentEvents.edges).toHaveLength(1);
        const last = await t.post({ query: '{ paymentEvents(last: 5) { edges { cursor } } }' }, { token: m.token });
        expect(errorCodes(last.json)).toEqual(['BAD_USER_INPUT']);
      });

      it('refuses a cursor that is not a sequence number with BAD_USER_INPUT, on the query and the subscription', async () => {
        const m = await newMerchant(t);
        await ingestOne(m, eventInput());
        for (const after of ['abc', '-1', '1.5', '', '12345678901234567890']) {
          const res = await t.gql(ListEvents, { first: 5, after }, { token: m.token });
          expect(errorCodes(res), `after: "${after}"`).toEqual(['BAD_USER_INPUT']);
        }
        const sub = collect(sockets.open(m.token), LiveEvents, { after: 'abc' });
        expect(await subscriptionErrorCodes(sub, WAIT_MS)).toEqual(['BAD_USER_INPUT']);
        expect(sub.data()).toEqual([]);
      });

      it('refuses a cursor beyond the 64-bit range ("9999999999999999999") with BAD_USER_INPUT on the query', async () => {
        const m = await newMerchant(t);
        await ingestOne(m, eventInput());
        for (const order of ['ASC', 'DESC'] as const) {
          const res = await t.gql(ListEvents, { first: 5, after: '9999999999999999999', order }, { token: m.token });
          expect(errorCodes(res), order).toEqual(['BAD_USER_INPUT']);
        }
      });

      it('refuses a cursor beyond the 64-bit range ("9999999999999999999") with BAD_USER_INPUT on the subscription', async () => {
        const m = await newMerchant(t);
        await ingestOne(m, eventInput());
        const sub = collect(sockets.open(m.token), LiveEvents, { after: '9999999999999999999' });
        expect(await subscriptionErrorCodes(sub, WAIT_MS)).toEqual(['BAD_USER_INPUT']);
      });
    });

    describe('resume with after', () => {
      it(
        'replays everything after the cursor exactly once, in order, across reconnects with concurrent ingests',
        async () => {
          const m = await newMerchant(t);
          let n = 0;
          const next = (tag: string) => eventInput({ eventId: `r-${tag}-${n++}` });

          // A first connection sees a few events live.
          const first = sockets.open(m.token);
          const sub1 = await sockets.live(first, LiveEvents, {}, 1);
          for (let i = 0; i < 3; i++) await ingestOne(m, next('live'));
          const seen = (await receiveExactly(sub1, 3)).map((d) => d.paymentEvents);
          let lastCursor = seen.at(-1)!.cursor;
          let client = first;
          let total = 3;

          for (let round = 0; round < 3; round++) {
            // Disconnect, and wait until the server let the subscription go.
            await client.dispose();
            await waitUntil(() => t.pubsub.activeSubscriptions() === 0, WAIT_MS, () => 'old subscription released');

            // Missed while disconnected: a batch and single events.
            await ingestMany(m, [next(`off${round}`), next(`off${round}`), next(`off${round}`), next(`off${round}`), next(`off${round}`)]);
            for (let i = 0; i < 5; i++) await ingestOne(m, next(`off${round}`));

            // Reconnect with the cursor while three producers keep ingesting through the hand-over
            // (replay, then live), until ten more events went in after the subscription was active.
            client = sockets.open(m.token);
            const sub = collect(client, LiveEvents, { after: lastCursor });
            let pumping = true;
            let active = false;
            let sinceActive = 0;
            let during = 0;
            const producer = async () => {
              while (pumping) {
                const res = await t.gql(IngestOne, { event: next(`hand${round}`) }, { token: m.token });
                expect(res.data?.ingestPaymentEvent.status).toBe('INGESTED');
                during += 1;
                if (active && ++sinceActive >= 10) pumping = false;
                if (during >= 500) throw new Error('the resumed subscription never became active');
              }
            };
            const producers = Promise.all([producer(), producer(), producer()]);
            try {
              await waitUntil(() => t.pubsub.activeSubscriptions() >= 1, WAIT_MS, () => 'resumed subscription active');
              active = true;
            } finally {
              if (!active) pumping = false;
              await producers;
            }
            // Everything so far arrives without needing a later event to reveal a gap.
            const sofar = await storedAfter(m.id, lastCursor);
            await sub.waitFor(sofar.length, WAIT_MS);
            expect(sub.data().map((d) => d.paymentEvents.eventId)).toEqual(sofar.map((e) => e.eventId));

            // And a few more in parallel once it is surely live.
            await Promise.all(Array.from({ length: 5 }, () => ingestOne(m, next(`after${round}`))));

            const expected = await storedAfter(m.id, lastCursor);
            expect(expected).toHaveLength(10 + during + 5);
            total += 10 + during + 5;
            const got = (await receiveExactly(sub, expected.length)).map((d) => d.paymentEvents);
            expect(got.map((e) => e.eventId)).toEqual(expected.map((e) => e.eventId));
            expect(got.map((e) => e.merchantSeq)).toEqual(expected.map((e) => e.merchantSeq));
            expect(got.map((e) => e.cursor)).toEqual(expected.map((e) => e.cursor));
            expect(new Set(got.map((e) => e.eventId)).size).toBe(got.length);
            for (let i = 1; i < got.length; i++) expect(BigInt(got[i]!.merchantSeq)).toBe(BigInt(got[i - 1]!.merchantSeq) + 1n);
            lastCursor = got.at(-1)!.cursor;
          }
          expect(await rowCount(t, m.id)).toBe(total);
        },
        240_000,
      );

      it('replays only the matching events when resuming with a filter', async () => {
        const m = await newMerchant(t);
        const base = await ingestOne(m, eventInput({ eventId: 'base' }));
        const inputs = ALL.map((key) => eventInput({ eventId: key, ...FIXTURE[key] }));
        await ingestMany(m, inputs);
        const sub = collect(sockets.open(m.token), LiveEvents, { after: base.cursor, filter: { types: ['PAYMENT_COMPLETED'], providers: ['mpesa', 'paystack'] } });
        await waitUntil(() => t.pubsub.activeSubscriptions() >= 1, WAIT_MS);
        await ingestOne(m, eventInput({ eventId: 'live-match', type: 'PAYMENT_COMPLETED', provider: 'mpesa' }));
        await ingestOne(m, eventInput({ eventId: 'live-miss', type: 'PAYMENT_FAILED', provider: 'mpesa' }));
        const got = await receiveExactly(sub, 4);
        expect(got.map((d) => d.paymentEvents.eventId)).toEqual(['e1', 'e3', 'e10', 'live-match']);
      });

      it('with after = the newest cursor replays nothing and continues live', async () => {
        const m = await newMerchant(t);
        const events = [await ingestOne(m, eventInput()), await ingestOne(m, eventInput())];
        const sub = collect(sockets.open(m.token), LiveEvents, { after: events[1]!.cursor });
        await waitUntil(() => t.pubsub.activeSubscriptions() >= 1, WAIT_MS);
        const live = await ingestOne(m, eventInput());
        const got = await receiveExactly(sub, 1);
        expect(got[0]?.paymentEvents.eventId).toBe(live.eventId);
      });
    });

    describe('gap filling', () => {
      it('delivers events whose publish was lost, before the next live event, in merchant-sequence order', async () => {
        const m = await newMerchant(t);
        const client = sockets.open(m.token);
        const all = await sockets.live(client, LiveEvents, {}, 1);
        const onlyGap = await sockets.live(client, LiveEvents, { filter: { customerId: 'cust-gap' } }, 2);

        const e1 = await ingestOne(m, eventInput({ eventId: 'g-e1' }));
        await all.waitFor(1, WAIT_MS);

        // Two events committed without a publish (as if the process died between commit and publish).
        await prisma().$transaction(async (tx) => {
          const [head] = await tx.$queryRaw<{ last_event_seq: bigint }[]>`SELECT last_event_seq FROM merchants WHERE id = ${m.id} FOR UPDATE`;
          const seq = head!.last_event_seq;
          for (const [i, eventId] of ['g-lost1', 'g-lost2'].entries()) {
            await tx.$executeRaw`
              INSERT INTO payment_events (merchant_id, merchant_seq, event_id, schema_version, type, provider, payment_method, amount_minor, fee_minor, currency, customer_id, occurred_at, source, payment_key)
              VALUES (${m.id}, ${seq + BigInt(i) + 1n}, ${eventId}, 2, 'payment.completed', 'mpesa', 'mobile_money', 4200, 42, 'KES', 'cust-gap', now(), 'api', ${`evt:${eventId}`})`;
          }
          await tx.$executeRaw`UPDATE merchants SET last_event_seq = ${seq + 2n} WHERE id = ${m.id}`;
        });
        // Nothing was published for them.
        await new Promise((r) => setTimeout(r, QUIET_MS));
        expect(all.results).toHaveLength(1);
        expect(onlyGap.results).toHaveLength(0);

        const e4 = await ingestOne(m, eventInput({ eventId: 'g-e4' }));
        expect(e4.merchantSeq).toBe('4');

        const got = (await receiveExactly(all, 4)).map((d) => d.paymentEvents);
        expect(got.map((e) => e.eventId)).toEqual([e1.eventId, 'g-lost1', 'g-lost2', 'g-e4']);
        expect(got.map((e) => e.merchantSeq)).toEqual(['1', '2', '3', '4']);
        const lost = got[1] as unknown as { amount: unknown; fee: unknown };
        expect(lost.amount).toEqual({ amountMinor: '4200', currency: 'KES', amount: '42.00' });
        expect(lost.fee).toEqual({ amountMinor: '42', currency: 'KES', amount: '0.42' });

        const gapOnly = (await receiveExactly(onlyGap, 2)).map((d) => d.paymentEvents.eventId);
        expect(gapOnly).toEqual(['g-lost1', 'g-lost2']);
      });
    });
  });
}
