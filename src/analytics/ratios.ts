/**
 * Percentages of the analytics answers, computed exactly on bigint counts and sums and rounded
 * down to two decimals only at the end; null where there is nothing to compare with.
 */

/** `part` of `whole` in percent (two decimals), or null when `whole` is 0. */
export const percent = (part: bigint, whole: bigint): number | null => (whole === 0n ? null : Number((part * 10_000n) / whole) / 100);

/** Change from `before` to `now` in percent of |before| (two decimals), or null when `before` is 0. */
export const growth = (now: bigint, before: bigint): number | null =>
  before === 0n ? null : Number(((now - before) * 10_000n) / (before < 0n ? -before : before)) / 100;

/** Each row with its share of its currency's transactions, in percent. */
export function withShares<R extends { currency: string; transactions: bigint }>(rows: readonly R[]): (R & { share: number | null })[] {
  const totals = new Map<string, bigint>();
  for (const r of rows) totals.set(r.currency, (totals.get(r.currency) ?? 0n) + r.transactions);
  return rows.map((r) => ({ ...r, share: percent(r.transactions, totals.get(r.currency) ?? 0n) }));
}
