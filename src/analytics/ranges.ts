/**
 * The ranges the analytics queries accept (docs/analytics.md): bucket ranges per granularity,
 * `days` and `limit` arguments, and report currencies. Pure checks; the schema throws refusals.
 */
import { isCurrency } from '../lib/currency.js';
import { ErrorCode } from '../lib/error-codes.js';
import { accept, refuse, type Checked } from '../lib/refusal.js';
import { localDay } from './payment-state.js';
import { addDays } from './queries.js';

export const MAX_DAYS = 366;
export const MAX_HOURS = 31 * 24;
export const MAX_LIMIT = 100;
const HOUR_MS = 3_600_000;

export type BucketRange = { granularity: 'HOURLY'; from: Date; to: Date } | { granularity: 'DAILY'; fromDay: string; toDay: string };

/**
 * The buckets from `from` to `to` (inclusive): HOURLY in UTC hours from the start of `from`'s
 * hour (at most MAX_HOURS), DAILY in `timezone`'s days (at most MAX_DAYS).
 */
export function bucketRange(from: Date, to: Date, granularity: 'DAILY' | 'HOURLY', timezone: string): Checked<BucketRange> {
  if (from > to) return refuse(ErrorCode.BadUserInput, '`from` must not be after `to`');
  if (granularity === 'HOURLY') {
    if ((to.getTime() - from.getTime()) / HOUR_MS > MAX_HOURS) return refuse(ErrorCode.RangeTooLarge, `HOURLY covers at most ${MAX_HOURS} hours`, { max: MAX_HOURS });
    return accept({ granularity, from: new Date(Math.floor(from.getTime() / HOUR_MS) * HOUR_MS), to });
  }
  const fromDay = localDay(from, timezone);
  const toDay = localDay(to, timezone);
  if (addDays(fromDay, MAX_DAYS - 1) < toDay) return refuse(ErrorCode.RangeTooLarge, `DAILY covers at most ${MAX_DAYS} days`, { max: MAX_DAYS });
  return accept({ granularity, fromDay, toDay });
}

/** The last `n` merchant-local days (default 30), 1 to MAX_DAYS. */
export function dayCount(n: number | null | undefined): Checked<number> {
  const d = n ?? 30;
  return Number.isInteger(d) && d >= 1 && d <= MAX_DAYS ? accept(d) : refuse(ErrorCode.BadUserInput, `days must be between 1 and ${MAX_DAYS}`);
}

/** How many rows a top list holds (default 10), 1 to MAX_LIMIT. */
export function topLimit(n: number | null | undefined): Checked<number> {
  const l = n ?? 10;
  return Number.isInteger(l) && l >= 1 && l <= MAX_LIMIT ? accept(l) : refuse(ErrorCode.BadUserInput, `limit must be between 1 and ${MAX_LIMIT}`);
}

/** The requested report currency, or the merchant's default. */
export function reportCurrency(requested: string | null | undefined, fallback: string): Checked<string> {
  const currency = requested ?? fallback;
  return isCurrency(currency) ? accept(currency) : refuse(ErrorCode.InvalidCurrency, 'currency must be an ISO 4217 code such as KES');
}
