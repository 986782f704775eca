/**
 * A NUMERIC or BIGINT column's value as a bigint: sums are NUMERIC(38,0) (docs/analytics.md,
 * "Range rules"), which drivers return as strings or Prisma Decimals. Exact for any integer; a
 * fraction would be a bug upstream and throws.
 */
export function bigintOf(value: bigint | number | string | { toFixed(): string } | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not an exact integer: ${value}`);
    return BigInt(value);
  }
  return BigInt(typeof value === 'string' ? value : value.toFixed());
}
