/** src/analytics/ranges.ts and ratios.ts: the ranges the analytics queries accept, and their percentages. */
import { describe, expect, it } from 'vitest';
import { bucketRange, dayCount, MAX_DAYS, MAX_HOURS, reportCurrency, topLimit } from '../../src/analytics/ranges.js';
import { growth, percent, withShares } from '../../src/analytics/ratios.js';

const at = (iso: string) => new Date(iso);

describe('bucket ranges', () => {
  it('starts HOURLY at the hour of `from` and allows at most 744 hours', () => {
    expect(bucketRange(at('2026-03-01T10:45:00Z'), at('2026-03-01T12:00:00Z'), 'HOURLY', 'Africa/Nairobi')).toEqual({
      ok: true,
      value: { granularity: 'HOURLY', from: at('2026-03-01T10:00:00Z'), to: at('2026-03-01T12:00:00Z') },
    });
    const from = at('2026-03-01T00:00:00Z');
    expect(bucketRange(from, new Date(from.getTime() + MAX_HOURS * 3_600_000), 'HOURLY', 'UTC').ok).toBe(true);
    expect(bucketRange(from, new Date(from.getTime() + MAX_HOURS * 3_600_000 + 1), 'HOURLY', 'UTC')).toMatchObject({ ok: false, refusal: { code: 'RANGE_TOO_LARGE', extensions: { max: MAX_HOURS } } });
  });

  it("counts DAILY in the merchant's days, at most 366 of them", () => {
    // 22:30 UTC is already the next day in Nairobi (UTC+3).
    expect(bucketRange(at('2026-03-01T22:30:00Z'), at('2026-03-02T22:30:00Z'), 'DAILY', 'Africa/Nairobi')).toEqual({ ok: true, value: { granularity: 'DAILY', fromDay: '2026-03-02', toDay: '2026-03-03' } });
    expect(bucketRange(at('2026-01-01T12:00:00Z'), at('2027-01-01T12:00:00Z'), 'DAILY', 'UTC').ok).toBe(true);
    expect(bucketRange(at('2026-01-01T12:00:00Z'), at('2027-01-02T12:00:00Z'), 'DAILY', 'UTC')).toMatchObject({ ok: false, refusal: { code: 'RANGE_TOO_LARGE', extensions: { max: MAX_DAYS } } });
  });

  it('refuses `from` after `to`', () => {
    expect(bucketRange(at('2026-03-02T00:00:00Z'), at('2026-03-01T00:00:00Z'), 'DAILY', 'UTC')).toMatchObject({ ok: false, refusal: { code: 'BAD_USER_INPUT' } });
  });

  it('bounds days and limit, and checks the report currency', () => {
    expect(dayCount(undefined)).toEqual({ ok: true, value: 30 });
    expect(dayCount(0).ok).toBe(false);
    expect(dayCount(MAX_DAYS + 1).ok).toBe(false);
    expect(topLimit(null)).toEqual({ ok: true, value: 10 });
    expect(topLimit(101).ok).toBe(false);
    expect(reportCurrency(undefined, 'KES')).toEqual({ ok: true, value: 'KES' });
    expect(reportCurrency('kes', 'KES')).toMatchObject({ ok: false, refusal: { code: 'INVALID_CURRENCY' } });
  });
});

describe('ratios', () => {
  it('rounds percentages down to two decimals, null with nothing to compare', () => {
    expect(percent(1n, 3n)).toBe(33.33);
    expect(percent(0n, 0n)).toBeNull();
    expect(growth(150n, 100n)).toBe(50);
    expect(growth(50n, -100n)).toBe(150);
    expect(growth(1n, 0n)).toBeNull();
    // Exact beyond 2^53.
    expect(percent(2n ** 70n, 2n ** 71n)).toBe(50);
  });

  it("shares each method's transactions within its own currency", () => {
    const rows = withShares([
      { paymentMethod: 'card', currency: 'KES', transactions: 1n },
      { paymentMethod: 'mobile_money', currency: 'KES', transactions: 3n },
      { paymentMethod: 'card', currency: 'UGX', transactions: 2n },
    ]);
    expect(rows.map((r) => r.share)).toEqual([25, 75, 100]);
  });
});
