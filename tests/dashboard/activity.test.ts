/**
 * paymentActivity in both modes, on a hand-computed fixture: events per UTC minute and hour by
 * occurredAt (empty buckets included, range ends respected), the provider split with exact
 * per-currency sums, and the same scope and refusals as every dashboard query.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { describeWith } from '../support/services.js';
import { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';
import { ingest } from './helpers.js';
import { Activity } from './operations.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const errorCode = (res: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }) => res.errors?.[0]?.extensions?.code;

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `paymentActivity (${mode})`, () => {
    let t: TestApp;
    let m: TestMerchant;

    beforeAll(async () => {
      t = await startTestApp({ mode });
      m = await newMerchant(t);
      await ingest(t, m.token, [
        eventInput({ eventId: 'a', occurredAt: '2026-11-20T10:00:00.000Z', type: 'PAYMENT_COMPLETED', provider: 'mpesa', amountMinor: '150000', currency: 'KES' }),
        eventInput({ eventId: 'b', occurredAt: '2026-11-20T10:00:59.999Z', type: 'PAYMENT_FAILED', provider: 'mpesa', amountMinor: '700', currency: 'KES' }),
        eventInput({ eventId: 'c', reference: 'PAY-C', occurredAt: '2026-11-20T10:02:30.000Z', type: 'PAYMENT_COMPLETED', provider: 'mpesa', amountMinor: '999999999999999', currency: 'KES' }),
        // The same payment completed again under a new event id, for less: counted once, by its largest completion.
        eventInput({ eventId: 'c-again', reference: 'PAY-C', occurredAt: '2026-11-20T11:59:00.000Z', type: 'PAYMENT_COMPLETED', provider: 'mpesa', amountMinor: '7', currency: 'KES' }),
        eventInput({ eventId: 'd', occurredAt: '2026-11-20T10:02:31.000Z', type: 'PAYMENT_COMPLETED', provider: 'mpesa', amountMinor: '500', currency: 'XOF' }),
        eventInput({ eventId: 'e', occurredAt: '2026-11-20T10:02:40.000Z', type: 'PAYMENT_INITIATED', provider: 'paystack', amountMinor: '100', currency: 'NGN' }),
        eventInput({ eventId: 'f', occurredAt: '2026-11-20T11:15:00.000Z', type: 'PAYMENT_COMPLETED', provider: 'paystack', amountMinor: '250000', currency: 'NGN' }),
        eventInput({ eventId: 'late', occurredAt: '2026-11-20T12:00:00.000Z', provider: 'flutterwave' }),
      ]);
    });
    afterAll(() => t?.stop());

    it('counts events per UTC minute by occurredAt, empty minutes included, `to` excluded', async () => {
      const res = await t.gql(Activity, { from: '2026-11-20T10:00:00Z', to: '2026-11-20T10:04:00Z', granularity: 'MINUTE' }, { token: m.token });
      expect(res.errors).toBeUndefined();
      expect(res.data!.paymentActivity.buckets).toEqual([
        { start: '2026-11-20T10:00:00.000Z', events: 2, completed: 1, failed: 1 },
        { start: '2026-11-20T10:01:00.000Z', events: 0, completed: 0, failed: 0 },
        { start: '2026-11-20T10:02:00.000Z', events: 3, completed: 2, failed: 0 },
        { start: '2026-11-20T10:03:00.000Z', events: 0, completed: 0, failed: 0 },
      ]);
    });

    it('splits by provider with the completed amounts summed exactly per currency', async () => {
      const res = await t.gql(Activity, { from: '2026-11-20T10:00:00Z', to: '2026-11-20T12:00:00Z', granularity: 'HOUR' }, { token: m.token });
      expect(res.data!.paymentActivity.buckets).toEqual([
        { start: '2026-11-20T10:00:00.000Z', events: 5, completed: 3, failed: 1 },
        { start: '2026-11-20T11:00:00.000Z', events: 2, completed: 2, failed: 0 },
      ]);
      expect(res.data!.paymentActivity.providers).toEqual([
        {
          provider: 'mpesa',
          events: 5,
          completed: 4,
          failed: 1,
          completedAmount: [
            // 150000 + 999999999999999, exact; the 7 of c-again is the same payment as c, counted once.
            { amount: '10000000001499.99', amountMinor: '1000000000149999', currency: 'KES' },
            { amount: '500', amountMinor: '500', currency: 'XOF' },
          ],
        },
        { provider: 'paystack', events: 2, completed: 1, failed: 0, completedAmount: [{ amount: '2500.00', amountMinor: '250000', currency: 'NGN' }] },
      ]);
    });

    it('starts at the bucket holding `from` and refuses ranges too large or backwards', async () => {
      const partial = await t.gql(Activity, { from: '2026-11-20T10:02:30.500Z', to: '2026-11-20T10:03:00Z', granularity: 'MINUTE' }, { token: m.token });
      expect(partial.data!.paymentActivity.buckets).toEqual([{ start: '2026-11-20T10:02:00.000Z', events: 2, completed: 1, failed: 0 }]);
      const tooMany = await t.gql(Activity, { from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:01:00Z', granularity: 'MINUTE' }, { token: m.token });
      expect(errorCode(tooMany)).toBe('RANGE_TOO_LARGE');
      const day = await t.gql(Activity, { from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z', granularity: 'MINUTE' }, { token: m.token });
      expect(day.data!.paymentActivity.buckets).toHaveLength(1440);
      expect(errorCode(await t.gql(Activity, { from: '2026-11-01T00:00:00Z', to: '2026-12-02T01:00:00Z', granularity: 'HOUR' }, { token: m.token }))).toBe('RANGE_TOO_LARGE');
      expect(errorCode(await t.gql(Activity, { from: '2026-11-20T10:00:00Z', to: '2026-11-20T10:00:00Z' }, { token: m.token }))).toBe('BAD_USER_INPUT');
    });

    it("keeps to the caller's merchant: another merchant's and anonymous requests are refused", async () => {
      const other = await newMerchant(t);
      const mine = await t.gql(Activity, { from: '2026-11-20T10:00:00Z', to: '2026-11-20T12:00:00Z', granularity: 'HOUR' }, { token: other.token });
      expect(mine.data!.paymentActivity.providers).toEqual([]);
      expect(mine.data!.paymentActivity.buckets.every((b) => b.events === 0)).toBe(true);
      expect(errorCode(await t.gql(Activity, { from: '2026-11-20T10:00:00Z', to: '2026-11-20T12:00:00Z', merchantId: m.id }, { token: other.token }))).toBe('FORBIDDEN');
      expect(errorCode(await t.gql(Activity, { from: '2026-11-20T10:00:00Z', to: '2026-11-20T12:00:00Z' }))).toBe('UNAUTHENTICATED');
      const admin = await t.adminToken();
      expect(errorCode(await t.gql(Activity, { from: '2026-11-20T10:00:00Z', to: '2026-11-20T12:00:00Z' }, { token: admin }))).toBe('BAD_USER_INPUT');
      expect(errorCode(await t.gql(Activity, { from: '2026-11-20T10:00:00Z', to: '2026-11-20T12:00:00Z', merchantId: 'm_nobody' }, { token: admin }))).toBe('MERCHANT_NOT_FOUND');
      const named = await t.gql(Activity, { from: '2026-11-20T10:00:00Z', to: '2026-11-20T12:00:00Z', granularity: 'HOUR', merchantId: m.id }, { token: admin });
      expect(named.data!.paymentActivity.buckets.map((b) => b.events)).toEqual([5, 2]);
    });
  });
}
