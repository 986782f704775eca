/**
 * The range rules of docs/analytics.md ("no input can break a sum or a later query"): amounts up
 * to 10^15 accepted, above refused per item with AMOUNT_OUT_OF_RANGE while the neighbours are
 * stored, values beyond 64 bits refused by the typed BigInt input (whole request) and per item by
 * ingestEnvelopes. Sums beyond 2^63: tests/oracle/sums.oracle.test.ts. Both modes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MODES, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { NEEDS } from '../support/tenants.js';
import { checkAll, checkIngest, type CheckOptions } from './drive.js';
import type { RawEvent } from './model.js';
import * as S from './server.js';
import { MAX_AMOUNT } from './streams.js';

const HOUR = 3_600_000;

function options(now: number, tag: string, refs: string[], wallets: string[], owners: string[]): CheckOptions {
  return { from: now - 3 * 24 * HOUR, to: now + 24 * HOUR, days: 7, limit: 3, references: refs, walletIds: wallets.map((w) => `${w}${tag}`), owners, trackOnlyListed: true };
}

for (const mode of MODES) {
  await describeWith(NEEDS[mode], `oracle: range rules (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await S.startOracleApp(mode);
    });
    afterAll(() => t?.stop());

    it('accepts 10^15 exactly, refuses 10^15 + 1 and 5·10^18 (amount or fee) per item with AMOUNT_OUT_OF_RANGE, stores the neighbours, and every answer stays exact', async () => {
      const tag = randomUUID().slice(0, 6);
      const tenant = await S.newTenant(t, 'Asia/Kathmandu');
      const now = Date.now() - 20 * 60_000;
      const cust = `c${tag}`;
      let i = 0;
      const ev = (over: Partial<RawEvent>): RawEvent => ({
        eventId: `e${i++}`, type: 'payment.completed', provider: 'mpesa', paymentMethod: 'card', amountMinor: 100n, feeMinor: 1n, currency: 'KWD',
        customerId: cust, productId: 'p1', productName: 'Gold', walletId: `w${tag}`, occurredAt: now + i * 2, ...over,
      });
      const batch = [
        ev({ reference: 'R1', amountMinor: MAX_AMOUNT, feeMinor: MAX_AMOUNT }),
        ev({ reference: 'R2', amountMinor: MAX_AMOUNT + 1n }),
        ev({ reference: 'R3', amountMinor: 100n }),
        ev({ reference: 'R4', feeMinor: MAX_AMOUNT + 1n }),
        ev({ reference: 'R5', amountMinor: 5_000_000_000_000_000_000n }),
        ev({ reference: 'R6', type: 'refund.processed', amountMinor: MAX_AMOUNT }),
        ev({ reference: 'R1', type: 'payment.refunded', amountMinor: MAX_AMOUNT - 1n }),
        ev({ reference: 'T1', type: 'transfer.success', amountMinor: MAX_AMOUNT }),
        ev({ reference: 'T2', type: 'transfer.success', amountMinor: 9_223_372_036_854_775_807n }),
      ];
      const expected: S.Expected[] = batch.map((e) => (e.amountMinor > MAX_AMOUNT || e.feeMinor > MAX_AMOUNT ? { status: 'REJECTED', code: 'AMOUNT_OUT_OF_RANGE' } : { status: 'INGESTED' }));
      const a = await S.ask(t, S.Q.ingest, { events: batch.map(S.toInput) }, tenant.auth);
      const problems = checkIngest('batch', batch, expected, a);
      const stored = batch.filter((_, k) => expected[k]!.status === 'INGESTED');
      problems.push(...(await checkAll(t, tenant, stored, options(now, tag, ['R1', 'R2', 'R5', 'T1', 'T2'], ['w'], [cust]))));
      S.report(`range (${mode}, merchant ${tenant.id})`, problems);
    });

    it('refuses a typed BigInt beyond 64 bits for the whole request (BAD_USER_INPUT, nothing stored), and ingestEnvelopes refuses it per item', async () => {
      const tenant = await S.newTenant(t, 'UTC');
      const now = Date.now() - 60_000;
      const good: RawEvent = { eventId: 'ok1', type: 'payment.completed', provider: 'mpesa', amountMinor: 700n, feeMinor: 0n, currency: 'UGX', reference: 'G1', occurredAt: now };
      const huge = { ...S.toInput({ ...good, eventId: 'big1', reference: 'B1' }), amountMinor: '18446744073709551616' };
      const typed = await S.ask(t, S.Q.ingest, { events: [S.toInput(good), huge] }, tenant.auth);
      expect(S.errorCodes(typed), JSON.stringify(typed.errors)).toContain('BAD_USER_INPUT');
      const daily = await S.must(t, 'analytics', S.Q.analytics, { from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 86_400_000).toISOString(), g: 'DAILY' }, tenant.auth);
      expect(daily.analytics, 'a refused request stores nothing').toEqual([]);

      const envelopes = [
        { ...S.toInput(good), type: 'payment.completed', schemaVersion: 2 },
        { ...huge, type: 'payment.completed', schemaVersion: 2 },
        { schemaVersion: 2, eventId: 'big2', type: 'payment.completed', provider: 'mpesa', amountMinor: '1000', feeMinor: '99999999999999999999999', currency: 'UGX', reference: 'B2', occurredAt: new Date(now).toISOString() },
        // version 1: major units, converted exactly: 10 000 000 000 000.01 KES = 10^15 + 1 minor units
        { transaction_id: 'v1big', event_type: 'payment_succeeded', amount: '10000000000000.01', currency: 'KES', provider: 'mpesa', reference: 'B3', occurred_at: new Date(now).toISOString() },
        { transaction_id: 'v1max', event_type: 'payment_succeeded', amount: '10000000000000.00', currency: 'KES', provider: 'mpesa', reference: 'G2', occurred_at: new Date(now + 2).toISOString() },
      ];
      const env = await S.ask(t, S.Q.envelopes, { envelopes }, tenant.auth);
      const expected: S.Expected[] = [{ status: 'INGESTED' }, { status: 'REJECTED', code: 'AMOUNT_OUT_OF_RANGE' }, { status: 'REJECTED', code: 'AMOUNT_OUT_OF_RANGE' }, { status: 'REJECTED', code: 'AMOUNT_OUT_OF_RANGE' }, { status: 'INGESTED' }];
      const names = envelopes.map((e, k) => ({ ...good, eventId: String((e as { eventId?: string }).eventId ?? (e as { transaction_id?: string }).transaction_id ?? k) }));
      const problems = checkIngest('ingestEnvelopes', names, expected, env);
      const stored: RawEvent[] = [good, { eventId: 'v1max', type: 'payment.completed', provider: 'mpesa', amountMinor: MAX_AMOUNT, feeMinor: 0n, currency: 'KES', reference: 'G2', occurredAt: now + 2 }];
      problems.push(...(await checkAll(t, tenant, stored, options(now, 'x', ['G1', 'G2', 'B1', 'B3'], [], []))));
      S.report(`range envelopes (${mode}, merchant ${tenant.id})`, problems);
    });
  });
}
