/**
 * Random payment-event streams and the ways of delivering one (shared by the metamorphic
 * invariant test and the ingest equivalence test): payments sharing references, late events,
 * several completions, refunds above the gross, wallets, transfers and reversals, orders paid by
 * completions, in merchant time zones around a UTC midnight.
 */
import fc from 'fast-check';

export const TYPES = [
  'payment.initiated',
  'payment.pending',
  'payment.processing',
  'payment.completed',
  'payment.completed',
  'payment.failed',
  'payment.refunded',
  'refund.processed',
  'transfer.success',
  'transfer.failed',
] as const;
// Kathmandu +05:45, Lord Howe +10:30/+11, Chatham +13:45, Nairobi +3, St John's −03:30, UTC.
export const ZONES = ['Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Africa/Nairobi', 'America/St_Johns', 'UTC'] as const;
export const CURRENCIES = ['KES', 'NGN', 'XOF', 'UGX', 'KWD'] as const;
// Around a UTC midnight, so merchant-local days differ from UTC's.
export const BASE = Date.UTC(2026, 10, 20);
export const ORDERS = { O1: { currency: 'KES', amount: 5_000n }, O2: { currency: 'NGN', amount: 20_000n } } as const;

export const eventArb = fc.record({
  reference: fc.option(fc.constantFrom('R1', 'R2', 'R3', 'R4', 'T1', 'T2'), { nil: null, freq: 5 }),
  type: fc.constantFrom(...TYPES),
  amountMinor: fc.oneof({ weight: 6, arbitrary: fc.bigInt({ min: 0n, max: 50_000n }) }, { weight: 1, arbitrary: fc.constantFrom(0n, 5_000n, 20_000n, 10n ** 15n) }),
  feeMinor: fc.bigInt({ min: 0n, max: 900n }),
  currency: fc.oneof({ weight: 4, arbitrary: fc.constant('KES') }, { weight: 1, arbitrary: fc.constantFrom(...CURRENCIES) }),
  customerId: fc.option(fc.constantFrom('c1', 'c2', 'c3'), { nil: null }),
  paymentMethod: fc.option(fc.constantFrom('card', 'mobile_money', 'ussd'), { nil: null }),
  product: fc.option(fc.constantFrom(['p1', 'Tea'], ['p1', 'Chai'], ['p2', 'Mandazi'], ['p2', null]), { nil: null }),
  walletId: fc.option(fc.constantFrom('W1', 'W2'), { nil: null, freq: 2 }),
  order: fc.option(fc.constantFrom('O1', 'O2'), { nil: null, freq: 3 }),
  // Minutes from BASE; ties (the same minute) are common on purpose.
  minute: fc.integer({ min: -300, max: 300 }).map((m) => m - (m % 7)),
});

export const streamArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  events: fc.array(eventArb, { minLength: 1, maxLength: 16 }),
  seed: fc.integer(),
});
export type Stream = typeof streamArb extends fc.Arbitrary<infer T> ? T : never;

/** mulberry32: the variants' shuffles and splits, reproducible from the stream's seed. */
export function rng(seed: number) {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}
export const shuffle = <T>(items: readonly T[], next: (n: number) => number): T[] => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = next(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};
export const split = <T>(items: readonly T[], next: (n: number) => number, maxSize: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; ) {
    const size = 1 + next(maxSize);
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
};

export type Envelope = Record<string, unknown>;

export function envelopes(merchantId: string, orders: Record<string, string>, s: Stream): Envelope[] {
  return s.events.map((e, i) => ({
    schemaVersion: 2,
    eventId: `e${i}`,
    merchantId,
    type: e.type,
    provider: 'mpesa',
    amountMinor: e.amountMinor.toString(),
    feeMinor: e.feeMinor.toString(),
    currency: e.currency,
    reference: e.reference,
    customerId: e.customerId,
    paymentMethod: e.paymentMethod,
    productId: e.product?.[0] ?? null,
    productName: e.product?.[1] ?? null,
    walletId: e.walletId,
    orderId: e.order ? orders[e.order] : null,
    occurredAt: new Date(BASE + e.minute * 60_000).toISOString(),
  }));
}

/** The five ways of delivering one stream; each returns the batches per pipeline. */
export const VARIANTS: Record<string, (events: Envelope[], next: (n: number) => number) => Envelope[][][]> = {
  'one batch': (events) => [[events]],
  'shuffled, split at random': (events, next) => [split(shuffle(events, next), next, 5)],
  'one by one, reversed': (events) => [[...events].reverse().map((e) => [e])],
  'two pipelines at once': (events, next) => {
    const a: Envelope[] = [];
    const b: Envelope[] = [];
    for (const e of shuffle(events, next)) {
      const where = next(3);
      if (where !== 1) a.push(e);
      if (where !== 0) b.push(e);
    }
    return [split(a, next, 4), split(shuffle(b, next), next, 4)];
  },
  'with redeliveries': (events, next) => {
    const batches = split(shuffle(events, next), next, 3);
    return [batches.map((batch, i) => [...batch, ...(next(2) === 0 ? [batch[0]!] : []), ...(i > 0 && next(2) === 0 ? [events[next(events.length)]!] : [])])];
  },
};

