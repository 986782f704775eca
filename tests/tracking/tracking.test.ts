/** Payment and transfer tracking by provider reference, live, with the access matrix, in both modes and across two instances. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentEventInput } from '../generated/graphql.js';
import { MODES, startTestApp, useTwoInstances, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { collect, subscriptionErrorCodes } from '../support/subscriptions.js';
import { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';
import { PaymentStatus, PaymentTracking, TransferStatus, TransferTracking } from './operations.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 24, 9, minute)).toISOString();

async function ingest(t: TestApp, m: TestMerchant, overrides: Partial<PaymentEventInput>) {
  const res = await t.gql(IngestOne, { event: eventInput(overrides) }, { token: m.token });
  expect(res.errors).toBeUndefined();
  return res.data!.ingestPaymentEvent.event!;
}

for (const mode of MODES) {
  await describeWith(NEEDS[mode], `tracking by reference (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ mode });
    });
    afterAll(() => t?.stop());

    it('streams initiated → pending → completed to a subscriber who came first, then completes', async () => {
      const m = await newMerchant(t);
      const reference = `REF-${randomUUID()}`;
      const sub = collect(t.wsClient({ authorization: `Bearer ${m.token}` }), PaymentTracking, { reference });
      // Nothing stored yet: the first message waits for the first event.
      await new Promise((r) => setTimeout(r, 200));
      expect(sub.results).toEqual([]);
      await ingest(t, m, { reference, type: 'PAYMENT_INITIATED', occurredAt: at(0) });
      await sub.waitFor(1);
      await ingest(t, m, { reference: `OTHER-${randomUUID()}`, type: 'PAYMENT_COMPLETED' });
      await ingest(t, m, { reference, type: 'PAYMENT_PENDING', occurredAt: at(1) });
      await sub.waitFor(2);
      await ingest(t, m, { reference, type: 'PAYMENT_COMPLETED', occurredAt: at(2) });
      expect(await sub.done).toEqual({});
      expect(sub.data().map((d) => [d.paymentTracking.status, d.paymentTracking.final])).toEqual([
        ['INITIATED', false],
        ['PENDING', false],
        ['COMPLETED', true],
      ]);
    });

    it('never moves backwards on a late event; the history is in provider time; a final one sends its state and completes', async () => {
      const m = await newMerchant(t);
      const reference = `REF-${randomUUID()}`;
      const done = await ingest(t, m, { reference, type: 'PAYMENT_COMPLETED', occurredAt: at(5), amountMinor: '250000' });
      const late = await ingest(t, m, { reference, type: 'PAYMENT_PENDING', occurredAt: at(3) });
      const res = await t.gql(PaymentStatus, { reference }, { token: m.token });
      expect(res.data?.paymentStatus).toMatchObject({ reference, merchantId: m.id, kind: 'payment', status: 'COMPLETED', final: true, amount: { amountMinor: '250000', currency: 'KES' } });
      expect(res.data?.paymentStatus?.history.map((h) => [h.status, h.eventId])).toEqual([
        ['PENDING', late.eventId],
        ['COMPLETED', done.eventId],
      ]);
      const sub = collect(t.wsClient({ authorization: `Bearer ${m.token}` }), PaymentTracking, { reference });
      expect(await sub.done).toEqual({});
      expect(sub.data().map((d) => d.paymentTracking.status)).toEqual(['COMPLETED']);
    });

    it('a completion outranks a failure whatever the order (as in the analytics); transfers are tracked apart from payments', async () => {
      const m = await newMerchant(t);
      const reference = `TRF-${randomUUID()}`;
      const sub = collect(t.wsClient({ authorization: `Bearer ${m.token}` }), TransferTracking, { reference });
      await new Promise((r) => setTimeout(r, 200));
      // A payment event with the same reference is not part of the transfer.
      await ingest(t, m, { reference, type: 'PAYMENT_FAILED' });
      await ingest(t, m, { reference, type: 'TRANSFER_SUCCESS' });
      expect(await sub.done).toEqual({});
      expect(sub.data().map((d) => d.transferTracking.status)).toEqual(['COMPLETED']);
      expect((await t.gql(TransferStatus, { reference }, { token: m.token })).data?.transferStatus).toMatchObject({ kind: 'transfer', status: 'COMPLETED', history: [{ status: 'COMPLETED' }] });
      expect((await t.gql(PaymentStatus, { reference }, { token: m.token })).data?.paymentStatus).toMatchObject({ status: 'FAILED', final: true });
      const unknown = await t.gql(PaymentStatus, { reference: 'NOPE' }, { token: m.token });
      expect(unknown.data?.paymentStatus).toBeNull();
    });

    it('refuses empty and oversized references with BAD_USER_INPUT', async () => {
      const m = await newMerchant(t);
      for (const reference of ['', ' ', 'x'.repeat(201)]) {
        expect((await t.gql(PaymentStatus, { reference }, { token: m.token })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      }
    });

    describe('access matrix', () => {
      let m: TestMerchant;
      let other: TestMerchant;
      const reference = `REF-${randomUUID()}`;
      const tokens: Record<string, string | undefined> = {};
      beforeAll(async () => {
        m = await newMerchant(t);
        other = await newMerchant(t);
        await ingest(t, m, { reference, type: 'PAYMENT_PENDING', customerId: 'cust-owner' });
        tokens.merchant = m.token;
        tokens.admin = await t.adminToken();
        tokens.vendor = await t.token({ sub: 'vendor-1', role: 'vendor', merchantId: m.id });
        tokens.otherVendor = await t.token({ sub: 'vendor-2', role: 'vendor', merchantId: other.id });
        tokens.otherMerchant = other.token;
        tokens.owner = await t.token({ sub: 'cust-owner', role: 'customer' });
        tokens.otherCustomer = await t.token({ sub: 'cust-other', role: 'customer' });
        tokens.none = undefined;
      });

      // [who, merchantId argument, expected: 'PENDING' | null | error code]
      const cases: [string, 'own' | 'other' | undefined, string | null][] = [
        ['merchant', undefined, 'PENDING'],
        ['vendor', undefined, 'PENDING'],
        ['admin', 'own', 'PENDING'],
        ['admin', undefined, 'BAD_USER_INPUT'],
        ['owner', 'own', 'PENDING'],
        ['owner', undefined, 'BAD_USER_INPUT'],
        ['otherCustomer', 'own', 'FORBIDDEN'],
        ['otherVendor', undefined, null],
        ['otherVendor', 'own', 'FORBIDDEN'],
        ['otherMerchant', 'own', 'FORBIDDEN'],
        ['none', 'own', 'UNAUTHENTICATED'],
      ];

      for (const [who, arg, expected] of cases) {
        it(`${who} (merchantId: ${arg ?? '—'}) → ${expected ?? 'null (not theirs to see)'}, by query and by subscription`, async () => {
          const merchantId = arg === 'own' ? m.id : arg === 'other' ? other.id : undefined;
          const token = tokens[who];
          const res = await t.gql(PaymentStatus, { reference, merchantId }, { token });
          if (expected === 'PENDING') expect(res.data?.paymentStatus?.status).toBe('PENDING');
          else if (expected === null) expect(res.data?.paymentStatus).toBeNull();
          else expect(res.errors?.[0]?.extensions?.code).toBe(expected);

          if (who === 'none') return; // sockets without credentials are refused at connection_init
          const sub = collect(t.wsClient({ authorization: `Bearer ${token}` }), PaymentTracking, { reference, merchantId });
          if (expected === 'PENDING') {
            await sub.waitFor(1);
            expect(sub.data()[0]!.paymentTracking.status).toBe('PENDING');
          } else if (expected !== null) {
            expect(await subscriptionErrorCodes(sub)).toEqual([expected]);
          }
        });
      }
    });
  });
}

await describeWith(['postgres', 'redis'], 'tracking across two instances', () => {
  const two = useTwoInstances();
  let a: TestApp;
  let b: TestApp;
  beforeAll(() => void ({ a, b } = two));

  it('a customer following on B sees every change ingested on A, then completion', async () => {
    const m = await newMerchant(a);
    const reference = `REF-${randomUUID()}`;
    await ingest(a, m, { reference, type: 'PAYMENT_INITIATED', customerId: 'cust-9', occurredAt: at(0) });
    const customer = await b.token({ sub: 'cust-9', role: 'customer', merchantId: m.id });
    const sub = collect(b.wsClient({ authorization: `Bearer ${customer}` }), PaymentTracking, { reference });
    await sub.waitFor(1);
    await ingest(a, m, { reference, type: 'PAYMENT_PROCESSING', customerId: 'cust-9', occurredAt: at(1) });
    await sub.waitFor(2);
    await ingest(a, m, { reference, type: 'PAYMENT_FAILED', customerId: 'cust-9', occurredAt: at(2) });
    expect(await sub.done).toEqual({});
    expect(sub.data().map((d) => d.paymentTracking.status)).toEqual(['INITIATED', 'PROCESSING', 'FAILED']);
  });
});
