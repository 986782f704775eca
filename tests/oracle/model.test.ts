/**
 * The oracle itself, held to the worked examples of docs/analytics.md, docs/wallets.md,
 * docs/tracking.md and issue #13 (no server): if the model misread a sentence, this fails.
 */
import { describe, expect, it } from 'vitest';
import * as m from './model.js';
import type { RawEvent } from './model.js';

let n = 0;
const ev = (over: Partial<RawEvent> & Pick<RawEvent, 'type'>): RawEvent => ({
  eventId: `e${n++}`,
  provider: 'mpesa',
  amountMinor: 0n,
  feeMinor: 0n,
  currency: 'KES',
  occurredAt: Date.parse('2026-11-21T10:00:00Z'),
  ...over,
});
const at = (iso: string) => Date.parse(iso);

describe('oracle model (docs/analytics.md)', () => {
  it('counts the fee of the completion that counts (largest amount), whatever else (issue #13, defect 1)', () => {
    const events = [
      ev({ type: 'payment.completed', reference: 'R1', amountMinor: 500n, feeMinor: 7n, occurredAt: at('2026-11-21T10:00:00Z') }),
      ev({ type: 'payment.completed', reference: 'R1', amountMinor: 1000n, feeMinor: 3n, occurredAt: at('2026-11-21T10:05:00Z') }),
    ];
    const [b] = m.dailyBuckets(events, 'UTC');
    expect(b!.totals).toMatchObject({ transactions: 1, succeeded: 1, gross: 1000n, fees: 3n, net: 997n });
  });

  it('breaks a tie of equal largest amounts by the earliest completion (event order, then id by code points)', () => {
    const t = at('2026-11-21T10:00:00Z');
    const p = m.derivePayment([
      ev({ eventId: 'e9', type: 'payment.completed', reference: 'R', amountMinor: 1000n, feeMinor: 9n, occurredAt: t }),
      ev({ eventId: 'e10', type: 'payment.completed', reference: 'R', amountMinor: 1000n, feeMinor: 10n, occurredAt: t }),
    ]);
    expect(p.fees).toBe(10n); // "e10" < "e9"
  });

  it('moves a payment to the bucket of a late earlier event and leaves no empty bucket (defect 2)', () => {
    const events = [
      ev({ type: 'payment.completed', reference: 'R1', amountMinor: 100n, occurredAt: at('2026-11-21T10:00:00Z') }),
      ev({ type: 'payment.initiated', reference: 'R1', occurredAt: at('2026-11-20T23:59:00Z') }),
    ];
    expect(m.dailyBuckets(events, 'UTC').map((b) => b.bucket)).toEqual(['2026-11-20']);
    expect(m.hourlyBuckets(events).map((b) => new Date(Number(b.bucket)).toISOString())).toEqual(['2026-11-20T23:00:00.000Z']);
  });

  it('buckets a payment started at 23:58 and completed at 00:03 on the day it started, in the merchant timezone', () => {
    // 23:58 in Kathmandu (+05:45) is 18:13Z.
    const events = [
      ev({ type: 'payment.initiated', reference: 'R', occurredAt: at('2026-11-20T18:13:00Z') }),
      ev({ type: 'payment.completed', reference: 'R', amountMinor: 5n, occurredAt: at('2026-11-20T18:18:00Z') }),
    ];
    expect(m.dailyBuckets(events, 'Asia/Kathmandu').map((b) => b.bucket)).toEqual(['2026-11-20']);
    expect(m.dailyBuckets(events, 'UTC').map((b) => b.bucket)).toEqual(['2026-11-20']);
    expect(m.localDay(at('2026-11-20T18:15:00Z'), 'Asia/Kathmandu')).toBe('2026-11-21');
  });

  it('caps refunds at the gross, lets net go negative, and counts a completion over any failure', () => {
    const p = m.derivePayment([
      ev({ type: 'payment.failed', reference: 'R', occurredAt: at('2026-11-21T11:00:00Z') }),
      ev({ type: 'payment.completed', reference: 'R', amountMinor: 500n, feeMinor: 20n }),
      ev({ type: 'payment.refunded', reference: 'R', amountMinor: 400n }),
      ev({ type: 'refund.processed', reference: 'R', amountMinor: 300n }),
    ]);
    expect(p).toMatchObject({ succeeded: true, failed: false, refunded: true, gross: 500n, fees: 20n, refundedAmount: 500n, net: -20n });
  });

  it('keeps the same reference in two currencies apart, and ignores transfers', () => {
    const events = [
      ev({ type: 'payment.completed', reference: 'R', amountMinor: 1n, currency: 'KES' }),
      ev({ type: 'payment.completed', reference: 'R', amountMinor: 1n, currency: 'XOF' }),
      ev({ type: 'transfer.success', reference: 'R', amountMinor: 9n }),
    ];
    expect(m.derivePayments(events).map((p) => p.currency).sort()).toEqual(['KES', 'XOF']);
  });

  it('counts a new customer once, in the bucket and currency of their first payment', () => {
    const events = [
      ev({ type: 'payment.completed', reference: 'B', customerId: 'alice', currency: 'XOF', occurredAt: at('2026-11-22T10:00:00Z') }),
      ev({ type: 'payment.completed', reference: 'A', customerId: 'alice', currency: 'KES', occurredAt: at('2026-11-21T10:00:00Z') }),
      ev({ type: 'payment.completed', reference: 'C', customerId: 'alice', currency: 'KES', occurredAt: at('2026-11-21T10:00:00Z') }),
    ];
    const marks = m.dailyBuckets(events, 'UTC').map((b) => [b.bucket, b.totals.currency, b.totals.newCustomers]);
    expect(marks).toEqual([
      ['2026-11-21', 'KES', 1],
      ['2026-11-22', 'XOF', 0],
    ]);
    expect(m.customers(events, 'UTC', '2026-11-22', 10, 'KES')).toMatchObject({ customers: 1, returning: 1, newToday: 0 });
  });

  it('formats the derived figures exactly: truncated success rate, growth toward zero, share', () => {
    expect(m.successRate(2, 3)).toBe(66.66);
    expect(m.successRate(0, 0)).toBeNull();
    expect(m.growth(1n, 3n)).toBe(-66.66);
    expect(m.growth(-5n, -3n)).toBe(-66.66);
    expect(m.growth(1n, 0n)).toBeNull();
    expect(m.share(1, 3)).toBe(33.33);
    expect(m.formatAmount(-5n, 'KES')).toBe('-0.05');
    expect(m.formatAmount(1234n, 'KWD')).toBe('1.234');
    expect(m.formatAmount(500n, 'XOF')).toBe('500');
  });
});

describe('oracle model (docs/wallets.md)', () => {
  it('gives the same balances whatever the batching: pending then completed, the completed amount counts (defect 3)', () => {
    const events = [
      ev({ type: 'payment.pending', reference: 'R1', walletId: 'W', amountMinor: 500n, occurredAt: at('2026-11-21T10:00:00Z') }),
      ev({ type: 'payment.completed', reference: 'R1', walletId: 'W', amountMinor: 500n, customerId: 'alice', occurredAt: at('2026-11-21T10:01:00Z') }),
    ];
    expect(m.wallets(events)).toMatchObject([{ id: 'W', ownerId: 'alice', currency: 'KES', available: 500n, pending: 0n }]);
  });

  // Issue #13 says "the documented result is 0" for this example; docs/wallets.md (now the
  // definition) says events that arrived before the opening "count like any other", so the
  // debit applies. The oracle follows the docs; the conflict is in the report.
  it('applies a transfer whose events arrived before the wallet opened (defect 3, second example): the transfer debits', () => {
    // reference-less: each event its own payment / transfer.
    const events = [
      ev({ type: 'transfer.success', walletId: 'W', amountMinor: 30_627_220_118n, occurredAt: at('2026-11-21T10:00:00Z') }),
      ev({ type: 'payment.processing', walletId: 'W', amountMinor: 0n, customerId: 'alice', occurredAt: at('2026-11-21T10:01:00Z') }),
    ];
    const [w] = m.wallets(events);
    expect(w).toMatchObject({ ownerId: 'alice', available: -30_627_220_118n, pending: 0n });
  });

  it('never holds a failed deposit again, whatever its processing events (defect 4)', () => {
    const events = [
      ev({ type: 'payment.pending', reference: 'R1', walletId: 'W', customerId: 'alice', amountMinor: 500n, occurredAt: at('2026-11-21T10:00:00Z') }),
      ev({ type: 'payment.failed', reference: 'R1', occurredAt: at('2026-11-21T10:10:00Z') }),
      ev({ type: 'payment.processing', reference: 'R1', amountMinor: 500n, occurredAt: at('2026-11-21T10:05:00Z') }),
    ];
    expect(m.wallets(events)).toMatchObject([{ available: 0n, pending: 0n }]);
  });

  it('reverses a transfer failed later and debits one retried later; opening follows the earliest event naming a customer', () => {
    const events = [
      ev({ type: 'payment.completed', reference: 'D', walletId: 'W', customerId: 'bob', currency: 'UGX', amountMinor: 900n, occurredAt: at('2026-11-21T09:00:00Z') }),
      ev({ type: 'payment.completed', reference: 'E', walletId: 'W', customerId: 'alice', amountMinor: 100n, occurredAt: at('2026-11-21T08:00:00Z') }),
      ev({ type: 'transfer.success', reference: 'T1', walletId: 'W', amountMinor: 40n, occurredAt: at('2026-11-21T10:00:00Z') }),
      ev({ type: 'transfer.failed', reference: 'T1', amountMinor: 40n, occurredAt: at('2026-11-21T10:05:00Z') }),
      ev({ type: 'transfer.failed', reference: 'T2', walletId: 'W', amountMinor: 30n, occurredAt: at('2026-11-21T10:00:00Z') }),
      ev({ type: 'transfer.success', reference: 'T2', amountMinor: 30n, occurredAt: at('2026-11-21T10:05:00Z') }),
    ];
    // Opened by alice's KES event (08:00): bob's UGX deposit does not apply; T1 reversed, T2 debited.
    expect(m.wallets(events)).toMatchObject([{ ownerId: 'alice', currency: 'KES', available: 70n, pending: 0n }]);
  });
});

describe('oracle model (docs/tracking.md)', () => {
  it('payment: the highest rank; transfer: the latest event', () => {
    const events = [
      ev({ type: 'payment.completed', reference: 'R', amountMinor: 250n, occurredAt: at('2026-11-21T10:05:00Z') }),
      ev({ type: 'payment.pending', reference: 'R', amountMinor: 1n, occurredAt: at('2026-11-21T10:06:00Z') }),
      ev({ type: 'transfer.success', reference: 'R', amountMinor: 7n, occurredAt: at('2026-11-21T10:00:00Z') }),
      ev({ type: 'transfer.failed', reference: 'R', amountMinor: 8n, occurredAt: at('2026-11-21T10:01:00Z') }),
    ];
    expect(m.tracked(events, 'payment', 'R')).toMatchObject({ status: 'COMPLETED', final: true, setter: { amountMinor: 250n } });
    expect(m.tracked(events, 'transfer', 'R')).toMatchObject({ status: 'FAILED', final: true, setter: { amountMinor: 8n } });
    expect(m.tracked(events, 'payment', 'nope')).toBeUndefined();
  });
});
