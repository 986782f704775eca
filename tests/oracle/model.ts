/**
 * The independent oracle: every number of docs/analytics.md, docs/wallets.md and the status
 * rules of docs/tracking.md, recomputed from a merchant's raw events. Written from those pages
 * only (never from src/analytics, src/wallets, src/tracking or the effect SQL), so that a reading
 * the implementation got wrong is not shared here. Pure functions: no I/O, no clock (today and
 * now are arguments), money as bigint only.
 *
 * Where the docs are silent the choice made is marked "reading:" and listed in the report.
 */

export const EVENT_TYPES = [
  'payment.initiated',
  'payment.pending',
  'payment.processing',
  'payment.completed',
  'payment.failed',
  'payment.refunded',
  'refund.processed',
  'transfer.success',
  'transfer.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const PAYMENT_METHODS = ['mobile_money', 'card', 'bank_transfer', 'ussd', 'qr', 'wallet'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** One stored event: the envelope fields the numbers depend on (docs/events.md, version 2). */
export interface RawEvent {
  eventId: string;
  type: EventType;
  provider: string;
  paymentMethod?: PaymentMethod | undefined;
  amountMinor: bigint;
  feeMinor: bigint;
  currency: string;
  customerId?: string | undefined;
  productId?: string | undefined;
  productName?: string | undefined;
  walletId?: string | undefined;
  reference?: string | undefined;
  /** Epoch milliseconds (occurredAt is stored with millisecond precision). */
  occurredAt: number;
}

/** docs/events.md: ISO 4217 exponents. */
const EXPONENTS: Record<string, number> = {
  KES: 2, NGN: 2, GHS: 2, USD: 2,
  XOF: 0, XAF: 0, UGX: 0, RWF: 0, JPY: 0,
  BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3,
};

export function exponent(currency: string): number {
  const e = EXPONENTS[currency];
  if (e === undefined) throw new Error(`oracle: no exponent known for ${currency}`);
  return e;
}

/** `Money.amount`: the exact decimal string in major units (reading: a minus sign in front for negatives). */
export function formatAmount(minor: bigint, currency: string): string {
  const e = exponent(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString();
  if (e === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(e + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -e)}.${padded.slice(-e)}`;
}

/** Strings compared by Unicode code points (not UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const ca = Array.from(a, (c) => c.codePointAt(0)!);
  const cb = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i]! - cb[i]!;
  return ca.length - cb.length;
}

/** Event order: occurredAt, then event id by code points. Arrival never decides. */
export function eventOrder(a: RawEvent, b: RawEvent): number {
  return a.occurredAt - b.occurredAt || compareCodePoints(a.eventId, b.eventId);
}

const isPaymentType = (t: EventType) => t.startsWith('payment.') || t === 'refund.processed';
const isRefund = (t: EventType) => t === 'payment.refunded' || t === 'refund.processed';
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/**
 * The payment key. Reading: a reference and an event id are different namespaces (the ledger's
 * paymentKey is "ref:<reference>" / "evt:<eventId>"); the generators never let the two kinds tie
 * where the raw key would break a tie, so either reading gives the same numbers.
 */
export function paymentKeyOf(e: RawEvent): { kind: 'ref' | 'evt'; key: string } {
  return e.reference !== undefined ? { kind: 'ref', key: e.reference } : { kind: 'evt', key: e.eventId };
}

export interface Payment {
  /** The raw key: the reference, or the event id of a reference-less event. */
  key: string;
  keyKind: 'ref' | 'evt';
  currency: string;
  /** Its events in event order. */
  events: RawEvent[];
  /** occurredAt of its earliest event: the bucket instant. */
  start: number;
  succeeded: boolean;
  failed: boolean;
  refunded: boolean;
  /** The completion that counts (largest amount, then earliest), when it succeeded. */
  counting: RawEvent | undefined;
  gross: bigint;
  fees: bigint;
  refundedAmount: bigint;
  net: bigint;
  customerId: string | undefined;
  paymentMethod: string;
  productId: string | undefined;
  productName: string | undefined;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

const groupKey = (e: RawEvent) => {
  const { kind, key } = paymentKeyOf(e);
  return `${kind}:${key}\u0000${e.currency}`;
};

/** Derives one payment from all its events (docs/analytics.md, "What counts"). */
export function derivePayment(unordered: readonly RawEvent[]): Payment {
  const events = [...unordered].sort(eventOrder);
  const first = events[0]!;
  const { kind, key } = paymentKeyOf(first);
  const completions = events.filter((e) => e.type === 'payment.completed');
  const succeeded = completions.length > 0;
  let counting: RawEvent | undefined;
  for (const c of completions) if (!counting || c.amountMinor > counting.amountMinor) counting = c; // ordered: the first of the largest wins ties
  const gross = counting?.amountMinor ?? 0n;
  const fees = counting?.feeMinor ?? 0n;
  const refunds = events.filter((e) => isRefund(e.type)).reduce((s, e) => s + e.amountMinor, 0n);
  const refundedAmount = succeeded ? min(refunds, gross) : 0n;
  const productEvent = events.find((e) => e.productId !== undefined);
  return {
    key,
    keyKind: kind,
    currency: first.currency,
    events,
    start: first.occurredAt,
    succeeded,
    failed: !succeeded && events.some((e) => e.type === 'payment.failed'),
    refunded: refundedAmount > 0n,
    counting,
    gross,
    fees,
    refundedAmount,
    net: gross - fees - refundedAmount,
    customerId: events.find((e) => e.customerId !== undefined)?.customerId,
    paymentMethod: events.find((e) => e.paymentMethod !== undefined)?.paymentMethod ?? 'unknown',
    productId: productEvent?.productId,
    productName: productEvent?.productName,
  };
}

/** Every payment of a merchant: `payment.*` and `refund.processed` events grouped by payment key and currency. */
export function derivePayments(events: readonly RawEvent[]): Payment[] {
  return [...groupBy(events.filter((e) => isPaymentType(e.type)), groupKey).values()].map(derivePayment);
}

/** Payment order for the first/most-recent rules: bucket instant, then payment key, then currency (code points). */
export function paymentOrder(a: Payment, b: Payment): number {
  return a.start - b.start || compareCodePoints(a.key, b.key) || compareCodePoints(a.currency, b.currency);
}

// ---- time ---------------------------------------------------------------------------------

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** The calendar day (YYYY-MM-DD) of an instant in an IANA timezone. */
export function localDay(ms: number, timezone: string): string {
  let f = dayFormats.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timezone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** The start of the UTC hour of an instant, in epoch ms. */
export const utcHour = (ms: number) => Math.floor(ms / 3_600_000) * 3_600_000;

/** YYYY-MM-DD plus n calendar days. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

// ---- aggregates ---------------------------------------------------------------------------

export interface Totals {
  currency: string;
  transactions: number;
  succeeded: number;
  failed: number;
  refunded: number;
  newCustomers: number;
  gross: bigint;
  fees: bigint;
  net: bigint;
  refundedAmount: bigint;
}

export const emptyTotals = (currency: string): Totals => ({
  currency, transactions: 0, succeeded: 0, failed: 0, refunded: 0, newCustomers: 0, gross: 0n, fees: 0n, net: 0n, refundedAmount: 0n,
});

function addPayment(t: Totals, p: Payment): void {
  t.transactions += 1;
  if (p.succeeded) t.succeeded += 1;
  if (p.failed) t.failed += 1;
  if (p.refunded) t.refunded += 1;
  t.gross += p.gross;
  t.fees += p.fees;
  t.net += p.net;
  t.refundedAmount += p.refundedAmount;
}

export function sumTotals(currency: string, parts: readonly Totals[]): Totals {
  const t = emptyTotals(currency);
  for (const p of parts) {
    t.transactions += p.transactions;
    t.succeeded += p.succeeded;
    t.failed += p.failed;
    t.refunded += p.refunded;
    t.newCustomers += p.newCustomers;
    t.gross += p.gross;
    t.fees += p.fees;
    t.net += p.net;
    t.refundedAmount += p.refundedAmount;
  }
  return t;
}

/** Each customer's first payment (bucket instant, then key, then currency), once per merchant. */
export function firstPayments(payments: readonly Payment[]): Map<string, Payment> {
  const first = new Map<string, Payment>();
  for (const p of payments) {
    if (p.customerId === undefined) continue;
    const seen = first.get(p.customerId);
    if (!seen || paymentOrder(p, seen) < 0) first.set(p.customerId, p);
  }
  return first;
}

export interface Bucket {
  /** YYYY-MM-DD (DAILY) or the UTC hour start in epoch ms as a string of digits (HOURLY). */
  bucket: string;
  totals: Totals;
}

function buckets(events: readonly RawEvent[], bucketOf: (p: Payment) => string): Bucket[] {
  const payments = derivePayments(events);
  const firsts = new Set(firstPayments(payments).values());
  const out = new Map<string, Bucket>();
  for (const p of payments) {
    const bucket = bucketOf(p);
    const k = `${bucket}\u0000${p.currency}`;
    let b = out.get(k);
    if (!b) out.set(k, (b = { bucket, totals: emptyTotals(p.currency) }));
    addPayment(b.totals, p);
    if (firsts.has(p)) b.totals.newCustomers += 1;
  }
  // Empty buckets are left out by construction: a bucket exists only for a payment in it.
  return [...out.values()].sort((a, b) => compareCodePoints(a.bucket, b.bucket) || compareCodePoints(a.totals.currency, b.totals.currency));
}

/** DAILY buckets: the merchant-local day of each payment's earliest event, per currency. */
export const dailyBuckets = (events: readonly RawEvent[], timezone: string) => buckets(events, (p) => localDay(p.start, timezone));

/** HOURLY buckets: the UTC hour of each payment's earliest event, per currency; `bucket` is the hour start in ms. */
export const hourlyBuckets = (events: readonly RawEvent[]) => buckets(events, (p) => String(utcHour(p.start)).padStart(15, '0'));

/** successRate: floor(succeeded × 10000 / transactions) / 100; null when there are no transactions. */
export function successRate(succeeded: number, transactions: number): number | null {
  if (transactions === 0) return null;
  return Number((BigInt(succeeded) * 10_000n) / BigInt(transactions)) / 100;
}

/** Growth: (today − yesterday) × 10000 / |yesterday|, truncated toward zero, / 100; null when yesterday is 0. */
export function growth(today: bigint, yesterday: bigint): number | null {
  if (yesterday === 0n) return null;
  return Number(((today - yesterday) * 10_000n) / (yesterday < 0n ? -yesterday : yesterday)) / 100;
}

/** share: part × 10000 / whole, truncated, / 100 (reading: null when whole is 0, which a listed method never has). */
export function share(part: number, whole: number): number | null {
  if (whole === 0) return null;
  return Number((BigInt(part) * 10_000n) / BigInt(whole)) / 100;
}

export interface MethodDay {
  day: string;
  paymentMethod: string;
  currency: string;
  transactions: number;
  succeeded: number;
  gross: bigint;
}

/** Per payment method per merchant-local day. */
export function methodDays(events: readonly RawEvent[], timezone: string): MethodDay[] {
  const out = new Map<string, MethodDay>();
  for (const p of derivePayments(events)) {
    const day = localDay(p.start, timezone);
    const k = `${day}\u0000${p.paymentMethod}\u0000${p.currency}`;
    let m = out.get(k);
    if (!m) out.set(k, (m = { day, paymentMethod: p.paymentMethod, currency: p.currency, transactions: 0, succeeded: 0, gross: 0n }));
    m.transactions += 1;
    if (p.succeeded) m.succeeded += 1;
    m.gross += p.gross;
  }
  return [...out.values()];
}

export interface ProductDay {
  day: string;
  productId: string;
  currency: string;
  sold: number;
  revenue: bigint;
}

/** Per product per day: succeeded payments of the product and their gross − refunded amount. */
export function productDays(events: readonly RawEvent[], timezone: string): ProductDay[] {
  const out = new Map<string, ProductDay>();
  for (const p of derivePayments(events)) {
    if (p.productId === undefined || !p.succeeded) continue;
    const day = localDay(p.start, timezone);
    const k = `${day}\u0000${p.productId}\u0000${p.currency}`;
    let d = out.get(k);
    if (!d) out.set(k, (d = { day, productId: p.productId, currency: p.currency, sold: 0, revenue: 0n }));
    d.sold += 1;
    d.revenue += p.gross - p.refundedAmount;
  }
  return [...out.values()];
}

/**
 * A product's name: the productName of its most recent payment that carries one (latest bucket
 * instant, then largest key, then largest currency). Reading: over all its payments, every
 * currency and all time, succeeded or not; a payment "carries" the name of the event its
 * productId was taken from.
 */
export function productNames(events: readonly RawEvent[]): Map<string, string> {
  const latest = new Map<string, Payment>();
  for (const p of derivePayments(events)) {
    if (p.productId === undefined || p.productName === undefined) continue;
    const seen = latest.get(p.productId);
    if (!seen || paymentOrder(p, seen) > 0) latest.set(p.productId, p);
  }
  return new Map([...latest].map(([id, p]) => [id, p.productName!]));
}

export interface CustomerRow {
  customerId: string;
  currency: string;
  transactions: number;
  succeeded: number;
  spent: bigint;
  firstSeen: number;
  lastSeen: number;
}

/**
 * Per customer and currency. Reading: first/last seen range over the events of every payment
 * whose customer it is (not only the succeeded ones).
 */
export function customerRows(events: readonly RawEvent[]): CustomerRow[] {
  const out = new Map<string, CustomerRow>();
  for (const p of derivePayments(events)) {
    if (p.customerId === undefined) continue;
    const k = `${p.customerId}\u0000${p.currency}`;
    let r = out.get(k);
    if (!r) out.set(k, (r = { customerId: p.customerId, currency: p.currency, transactions: 0, succeeded: 0, spent: 0n, firstSeen: Infinity, lastSeen: -Infinity }));
    r.transactions += 1;
    if (p.succeeded) {
      r.succeeded += 1;
      r.spent += p.gross - p.refundedAmount;
    }
    for (const e of p.events) {
      r.firstSeen = Math.min(r.firstSeen, e.occurredAt);
      r.lastSeen = Math.max(r.lastSeen, e.occurredAt);
    }
  }
  return [...out.values()];
}

// ---- the answers --------------------------------------------------------------------------

export interface CurrencyOverview {
  currency: string;
  today: Totals;
  yesterday: Totals;
  thisMonth: Totals;
  growth: { transactions: number | null; gross: number | null; net: number | null };
}

/**
 * dashboardOverview for a merchant-local `today` (YYYY-MM-DD). Reading: a currency is listed when
 * it has a DAILY bucket today, yesterday or earlier this month.
 */
export function dashboardOverview(events: readonly RawEvent[], timezone: string, today: string): CurrencyOverview[] {
  const daily = dailyBuckets(events, timezone);
  const yesterday = addDays(today, -1);
  const monthStart = `${today.slice(0, 8)}01`;
  const currencies = [...new Set(daily.filter((b) => b.bucket === yesterday || (b.bucket >= monthStart && b.bucket <= today)).map((b) => b.totals.currency))].sort(compareCodePoints);
  return currencies.map((currency) => {
    const of = (pick: (day: string) => boolean) => sumTotals(currency, daily.filter((b) => b.totals.currency === currency && pick(b.bucket)).map((b) => b.totals));
    const t = of((d) => d === today);
    const y = of((d) => d === yesterday);
    return {
      currency,
      today: t,
      yesterday: y,
      thisMonth: of((d) => d >= monthStart && d <= today),
      growth: { transactions: growth(BigInt(t.transactions), BigInt(y.transactions)), gross: growth(t.gross, y.gross), net: growth(t.net, y.net) },
    };
  });
}

/** The last `days` merchant-local days, today included. */
export const inWindow = (day: string, today: string, days: number) => day <= today && day >= addDays(today, -(days - 1));

export interface MethodStats {
  paymentMethod: string;
  currency: string;
  transactions: number;
  succeeded: number;
  successRate: number | null;
  share: number | null;
  gross: bigint;
}

/** paymentMethods(days): methods with transactions > 0, per currency by transactions desc, then method name. */
export function paymentMethods(events: readonly RawEvent[], timezone: string, today: string, days: number): MethodStats[] {
  const rows = new Map<string, MethodStats>();
  for (const d of methodDays(events, timezone)) {
    if (!inWindow(d.day, today, days)) continue;
    const k = `${d.currency}\u0000${d.paymentMethod}`;
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { paymentMethod: d.paymentMethod, currency: d.currency, transactions: 0, succeeded: 0, successRate: null, share: null, gross: 0n }));
    r.transactions += d.transactions;
    r.succeeded += d.succeeded;
    r.gross += d.gross;
  }
  const perCurrency = new Map<string, number>();
  for (const r of rows.values()) perCurrency.set(r.currency, (perCurrency.get(r.currency) ?? 0) + r.transactions);
  return [...rows.values()]
    .filter((r) => r.transactions > 0)
    .map((r) => ({ ...r, successRate: successRate(r.succeeded, r.transactions), share: share(r.transactions, perCurrency.get(r.currency)!) }))
    .sort((a, b) => compareCodePoints(a.currency, b.currency) || b.transactions - a.transactions || compareCodePoints(a.paymentMethod, b.paymentMethod));
}

export interface ProductStats {
  productId: string;
  productName: string | null;
  sold: number;
  revenue: bigint;
}

/** topProducts(days, limit, currency): by revenue desc, sold desc, product id; only sold > 0. */
export function topProducts(events: readonly RawEvent[], timezone: string, today: string, days: number, limit: number, currency: string): ProductStats[] {
  const names = productNames(events);
  const rows = new Map<string, ProductStats>();
  for (const d of productDays(events, timezone)) {
    if (d.currency !== currency || !inWindow(d.day, today, days)) continue;
    let r = rows.get(d.productId);
    if (!r) rows.set(d.productId, (r = { productId: d.productId, productName: names.get(d.productId) ?? null, sold: 0, revenue: 0n }));
    r.sold += d.sold;
    r.revenue += d.revenue;
  }
  return [...rows.values()]
    .filter((r) => r.sold > 0)
    .sort((a, b) => (a.revenue === b.revenue ? 0 : a.revenue > b.revenue ? -1 : 1) || b.sold - a.sold || compareCodePoints(a.productId, b.productId))
    .slice(0, limit);
}

export interface CustomerSummary {
  currency: string;
  customers: number;
  returning: number;
  newToday: number;
  topSpenders: CustomerRow[];
}

/**
 * customers(limit, currency). Reading: `newToday` counts new customers in today's DAILY buckets
 * of every currency (a customer is new once per merchant, whatever the currency).
 */
export function customers(events: readonly RawEvent[], timezone: string, today: string, limit: number, currency: string): CustomerSummary {
  const payments = derivePayments(events);
  const perCustomer = new Map<string, number>();
  for (const p of payments) if (p.customerId !== undefined) perCustomer.set(p.customerId, (perCustomer.get(p.customerId) ?? 0) + 1);
  const newToday = [...firstPayments(payments).values()].filter((p) => localDay(p.start, timezone) === today).length;
  return {
    currency,
    customers: perCustomer.size,
    returning: [...perCustomer.values()].filter((n) => n > 1).length,
    newToday,
    topSpenders: customerRows(events)
      .filter((r) => r.currency === currency)
      .sort((a, b) => (a.spent === b.spent ? 0 : a.spent > b.spent ? -1 : 1) || compareCodePoints(a.customerId, b.customerId))
      .slice(0, limit),
  };
}

// ---- wallets ------------------------------------------------------------------------------

export interface WalletModel {
  id: string;
  ownerId: string;
  currency: string;
  available: bigint;
  pending: bigint;
  /** The opening event's id. */
  openedBy: string;
}

export type ContributionStatus = 'completed' | 'failed' | 'held' | 'none' | 'debited' | 'reversed';

export interface Contribution {
  kind: 'deposit' | 'transfer';
  key: string;
  currency: string;
  /** The wallet named by its earliest event naming one. */
  walletId: string | undefined;
  status: ContributionStatus;
  available: bigint;
  pending: bigint;
  /** Applied to that wallet (open, same currency). */
  applied: boolean;
}

function contribution(kind: 'deposit' | 'transfer', unordered: readonly RawEvent[]): Omit<Contribution, 'applied'> {
  const events = [...unordered].sort(eventOrder);
  const { key } = paymentKeyOf(events[0]!);
  const base = { kind, key, currency: events[0]!.currency, walletId: events.find((e) => e.walletId !== undefined)?.walletId };
  const largest = (type: EventType) => events.filter((e) => e.type === type).reduce<bigint | undefined>((m, e) => (m === undefined || e.amountMinor > m ? e.amountMinor : m), undefined);
  if (kind === 'deposit') {
    const c = largest('payment.completed');
    if (c !== undefined) {
      const refunds = events.filter((e) => isRefund(e.type)).reduce((s, e) => s + e.amountMinor, 0n);
      return { ...base, status: 'completed', available: c - min(refunds, c), pending: 0n };
    }
    if (events.some((e) => e.type === 'payment.failed')) return { ...base, status: 'failed', available: 0n, pending: 0n };
    const held = events.filter((e) => e.type === 'payment.pending' || e.type === 'payment.processing').reduce<bigint | undefined>((m, e) => (m === undefined || e.amountMinor > m ? e.amountMinor : m), undefined);
    if (held !== undefined) return { ...base, status: 'held', available: 0n, pending: held };
    return { ...base, status: 'none', available: 0n, pending: 0n };
  }
  const latest = events[events.length - 1]!;
  if (latest.type === 'transfer.success') return { ...base, status: 'debited', available: -largest('transfer.success')!, pending: 0n };
  if (events.some((e) => e.type === 'transfer.success')) return { ...base, status: 'reversed', available: 0n, pending: 0n };
  return { ...base, status: 'failed', available: 0n, pending: 0n };
}

/** Which wallets are open, with owner and currency (docs/wallets.md, "The wallet"). */
export function openWallets(events: readonly RawEvent[]): Map<string, { ownerId: string; currency: string; openedBy: string }> {
  const out = new Map<string, { ownerId: string; currency: string; openedBy: string }>();
  for (const e of [...events].sort(eventOrder)) {
    if (e.walletId === undefined || e.customerId === undefined || out.has(e.walletId)) continue;
    out.set(e.walletId, { ownerId: e.customerId, currency: e.currency, openedBy: e.eventId });
  }
  return out;
}

/** Every deposit and transfer of a merchant, with what it contributes and whether it is applied. */
export function contributions(events: readonly RawEvent[]): Contribution[] {
  const open = openWallets(events);
  const groups = groupBy(events, (e) => `${isPaymentType(e.type) ? 'deposit' : 'transfer'}\u0000${groupKey(e)}`);
  return [...groups.entries()].map(([k, list]) => {
    const c = contribution(k.startsWith('deposit') ? 'deposit' : 'transfer', list);
    const w = c.walletId === undefined ? undefined : open.get(c.walletId);
    return { ...c, applied: w !== undefined && w.currency === c.currency };
  });
}

/** A merchant's wallets and their balances (not the version: that depends on arrival, by design). */
export function wallets(events: readonly RawEvent[]): WalletModel[] {
  const open = openWallets(events);
  const out = new Map<string, WalletModel>([...open].map(([id, w]) => [id, { id, ...w, available: 0n, pending: 0n }]));
  for (const c of contributions(events)) {
    if (!c.applied) continue;
    const w = out.get(c.walletId!)!;
    w.available += c.available;
    w.pending += c.pending;
  }
  return [...out.values()].sort((a, b) => compareCodePoints(a.id, b.id));
}

// ---- tracking (docs/tracking.md) ---------------------------------------------------------

export type TrackingStatus = 'INITIATED' | 'PENDING' | 'PROCESSING' | 'FAILED' | 'COMPLETED' | 'REFUNDED';

const PAYMENT_STATUS: Partial<Record<EventType, { status: TrackingStatus; rank: number }>> = {
  'payment.initiated': { status: 'INITIATED', rank: 1 },
  'payment.pending': { status: 'PENDING', rank: 2 },
  'payment.processing': { status: 'PROCESSING', rank: 3 },
  'payment.failed': { status: 'FAILED', rank: 4 },
  'payment.completed': { status: 'COMPLETED', rank: 5 },
  'payment.refunded': { status: 'REFUNDED', rank: 6 },
  'refund.processed': { status: 'REFUNDED', rank: 6 },
};
const TRANSFER_STATUS: Partial<Record<EventType, TrackingStatus>> = { 'transfer.success': 'COMPLETED', 'transfer.failed': 'FAILED' };
const FINAL: ReadonlySet<TrackingStatus> = new Set(['FAILED', 'COMPLETED', 'REFUNDED']);

export interface Tracked {
  kind: 'payment' | 'transfer';
  reference: string;
  status: TrackingStatus;
  final: boolean;
  /** The event that set the status. */
  setter: RawEvent;
  history: { event: RawEvent; status: TrackingStatus }[];
}

/**
 * paymentStatus / transferStatus of a reference; undefined when no event of that kind names it.
 * Reading: every event with the reference counts, whatever its currency.
 */
export function tracked(events: readonly RawEvent[], kind: 'payment' | 'transfer', reference: string): Tracked | undefined {
  const mine = events.filter((e) => e.reference === reference && (kind === 'payment' ? isPaymentType(e.type) : !isPaymentType(e.type))).sort(eventOrder);
  if (mine.length === 0) return undefined;
  const statusOf = (e: RawEvent): TrackingStatus => (kind === 'payment' ? PAYMENT_STATUS[e.type]!.status : TRANSFER_STATUS[e.type]!);
  let setter = mine[mine.length - 1]!;
  if (kind === 'payment') {
    // The highest rank seen; its latest event (event order) sets amount, provider, updatedAt.
    const top = Math.max(...mine.map((e) => PAYMENT_STATUS[e.type]!.rank));
    setter = mine.filter((e) => PAYMENT_STATUS[e.type]!.rank === top).at(-1)!;
  }
  const status = statusOf(setter);
  return { kind, reference, status, final: FINAL.has(status), setter, history: mine.map((event) => ({ event, status: statusOf(event) })) };
}
