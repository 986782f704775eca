/**
 * What counts (docs/analytics.md), as a pure function of a payment's events — whatever order
 * they arrived in and however often:
 * - a payment is the events of one merchant sharing a payment key (provider reference, or the
 *   event itself) and a currency; transfers are not payments;
 * - it is ONE transaction, bucketed by its earliest event in event order (`occurredAt`, then
 *   event id by code points: ../payments/event-order.ts);
 * - succeeded when any `payment.completed` exists; gross and fee are those of the completion
 *   that counts (`countedCompletion`: the largest amount, then the earliest);
 *   failed when a `payment.failed` exists and it did not succeed;
 * - refunded amount: the sum of its `payment.refunded` / `refund.processed` events, at most its
 *   gross (nothing for a payment that did not succeed); net = gross − fee − refunded amount;
 * - customer, payment method and product: the first event (same order) that names one.
 */
import { byEventOrder } from '../payments/event-order.js';
import { PAYMENT_EVENT_TYPES, type PaymentEventRecord, type PaymentEventType } from '../payments/types.js';

/** Every event type but transfers belongs to a payment. */
const PAYMENT_TYPES: ReadonlySet<PaymentEventType> = new Set(PAYMENT_EVENT_TYPES.filter((t) => !t.startsWith('transfer.')));
const REFUND_TYPES: ReadonlySet<PaymentEventType> = new Set(['payment.refunded', 'refund.processed']);

export function countsAsPayment(type: PaymentEventType): boolean {
  return PAYMENT_TYPES.has(type);
}

export type PaymentEventFacts = Pick<
  PaymentEventRecord,
  'eventId' | 'type' | 'amountMinor' | 'feeMinor' | 'currency' | 'customerId' | 'paymentMethod' | 'productId' | 'productName' | 'occurredAt'
>;

export interface PaymentState {
  currency: string;
  firstAt: Date;
  lastAt: Date;
  customerId: string | null;
  paymentMethod: string | null;
  productId: string | null;
  productName: string | null;
  succeeded: boolean;
  failed: boolean;
  refunded: boolean;
  grossMinor: bigint;
  feeMinor: bigint;
  refundedMinor: bigint;
  events: number;
}

/**
 * The completion that counts (docs/analytics.md): the `payment.completed` with the largest amount;
 * among several with that amount, the earliest in event order. Its amount is the gross, its fee
 * the fee, and (docs/wallets.md) its amount is what a deposit credits.
 */
export function countedCompletion<E extends Pick<PaymentEventFacts, 'type' | 'amountMinor' | 'occurredAt' | 'eventId'>>(events: readonly E[]): E | undefined {
  let best: E | undefined;
  for (const e of events) {
    if (e.type !== 'payment.completed') continue;
    if (best === undefined || e.amountMinor > best.amountMinor || (e.amountMinor === best.amountMinor && byEventOrder(e, best) < 0)) best = e;
  }
  return best;
}

/** The state of one payment from all its events (one currency, payment types only). */
export function derivePayment(events: readonly PaymentEventFacts[]): PaymentState {
  const sorted = [...events].sort(byEventOrder);
  const first = sorted[0];
  if (!first) throw new Error('a payment has at least one event');
  const firstNamed = (key: 'customerId' | 'paymentMethod' | 'productId') => sorted.find((e) => e[key] !== null) ?? null;
  const counted = countedCompletion(sorted);
  const succeeded = counted !== undefined;
  const grossMinor = counted?.amountMinor ?? 0n;
  const feeMinor = counted?.feeMinor ?? 0n;
  const refundSum = sorted.filter((e) => REFUND_TYPES.has(e.type)).reduce((sum, e) => sum + e.amountMinor, 0n);
  const refundedMinor = succeeded ? (refundSum < grossMinor ? refundSum : grossMinor) : 0n;
  const product = firstNamed('productId');
  return {
    currency: first.currency,
    firstAt: first.occurredAt,
    lastAt: sorted.reduce((max, e) => (e.occurredAt > max ? e.occurredAt : max), first.occurredAt),
    customerId: firstNamed('customerId')?.customerId ?? null,
    paymentMethod: firstNamed('paymentMethod')?.paymentMethod ?? null,
    productId: product?.productId ?? null,
    productName: product?.productName ?? null,
    succeeded,
    failed: !succeeded && sorted.some((e) => e.type === 'payment.failed'),
    refunded: refundedMinor > 0n,
    grossMinor,
    feeMinor,
    refundedMinor,
    events: sorted.length,
  };
}

export function netMinor(p: Pick<PaymentState, 'grossMinor' | 'feeMinor' | 'refundedMinor'>): bigint {
  return p.grossMinor - p.feeMinor - p.refundedMinor;
}

/** The UTC hour and the merchant-local day (YYYY-MM-DD) of an instant. */
export function buckets(at: Date, timeZone: string): { hourUtc: Date; dayLocal: string } {
  const hourUtc = new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
  return { hourUtc, dayLocal: localDay(at, timeZone) };
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
export function localDay(at: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    // en-CA formats dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(at);
}
