/**
 * Money on the page stays exact: amounts arrive as the server's decimal strings (`Money.amount`)
 * and integer minor units, and are only ever handled as strings and BigInt — never parsed into a
 * JS float. Charts plot counts, not amounts.
 */

/** "1234567.50" → "1,234,567.50"; "-500" → "-500". */
export function groupDigits(amount: string): string {
  const negative = amount.startsWith('-');
  const [whole = '0', fraction] = (negative ? amount.slice(1) : amount).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction !== undefined ? `.${fraction}` : ''}`;
}

/** Decimal places of a currency (ISO 4217 per the browser's ICU data: KES 2, XOF 0, UGX 0). */
export function currencyExponent(currency: string): number | undefined {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return undefined;
  }
}

/**
 * A major-unit decimal typed by the user ("1500", "1500.5") to minor units as a digit string,
 * exactly; undefined when it is not a plain non-negative decimal or has more places than the
 * currency allows.
 */
export function majorToMinor(value: string, currency: string): string | undefined {
  const exponent = currencyExponent(currency);
  const match = /^(\d+)(?:\.(\d*))?$/.exec(value.trim().replace(/,/g, ''));
  if (exponent === undefined || !match) return undefined;
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > exponent) return undefined;
  return BigInt(match[1]! + fraction.padEnd(exponent, '0')).toString();
}

/** Growth in percent with one decimal, from exact integers; null without a base to compare with. */
export function growth(now: bigint, before: bigint): string | null {
  if (before === 0n) return null;
  const tenths = ((now - before) * 1000n) / (before < 0n ? -before : before);
  const sign = tenths > 0n ? '+' : tenths < 0n ? '−' : '';
  const abs = tenths < 0n ? -tenths : tenths;
  return `${sign}${abs / 10n}.${abs % 10n}%`;
}

/** part / whole in percent with one decimal, from exact integers. */
export function percent(part: number, whole: number): string {
  if (whole === 0) return '—';
  const tenths = Math.round((part * 1000) / whole);
  return `${Math.floor(tenths / 10)}.${tenths % 10}%`;
}
