import { currencyExponent } from './currency.js';

/** Largest value a PostgreSQL BIGINT holds. */
export const PG_BIGINT_MAX = 9_223_372_036_854_775_807n;
/** The ceiling of a 64-bit value (the `BigInt` scalar, per-payment columns). */
export const MAX_MINOR = PG_BIGINT_MAX;
/**
 * The ceiling of one event's amount or fee (docs/analytics.md, "Range rules"): 10^15 minor units.
 * Sums are NUMERIC(38,0); 2^63 events of at most this much stay below 10^38, so no sequence of
 * accepted events can overflow a sum.
 */
export const MAX_AMOUNT_MINOR = 10n ** 15n;

/** Exact decimal string of a minor-unit amount, e.g. (123456n, 'KES') → "1234.56", (500n, 'XOF') → "500". */
export function formatMinor(amountMinor: bigint, currency: string): string {
  const exponent = currencyExponent(currency) ?? 2;
  const negative = amountMinor < 0n;
  const digits = (negative ? -amountMinor : amountMinor).toString();
  if (exponent === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(exponent + 1, '0');
  const whole = padded.slice(0, -exponent);
  const fraction = padded.slice(-exponent);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

export type ParseMajorResult = { ok: true; minor: bigint } | { ok: false; reason: string; outOfRange?: true };

/**
 * Converts a major-unit decimal ("1000.50", or a JSON number such as 1000.5 from a version-1
 * envelope) to minor units without floating-point arithmetic. More fraction digits than the
 * currency has, exponents, or values beyond BIGINT are refused rather than rounded.
 */
export function parseMajor(value: string | number, currency: string): ParseMajorResult {
  const exponent = currencyExponent(currency);
  if (exponent === undefined) return { ok: false, reason: `unknown currency ${currency}` };
  const text = typeof value === 'number' ? numberToPlainString(value) : value.trim();
  if (text === undefined) return { ok: false, reason: 'amount must be a finite decimal' };
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return { ok: false, reason: 'amount must be a decimal number' };
  const [, sign, whole = '', rawFraction = ''] = match;
  const fraction = rawFraction.replace(/0+$/, '');
  if (fraction.length > exponent) {
    return { ok: false, reason: `${currency} has ${exponent} decimal places; got ${rawFraction.length}` };
  }
  const minor = BigInt(whole + fraction.padEnd(exponent, '0')) * (sign === '-' ? -1n : 1n);
  if (minor > MAX_MINOR || minor < -MAX_MINOR) return { ok: false, reason: 'amount is out of range', outOfRange: true };
  return { ok: true, minor };
}

function numberToPlainString(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  const s = String(n);
  // "1e+21" or "1e-7": such amounts cannot be represented exactly; refuse them.
  return /e/i.test(s) ? undefined : s;
}
