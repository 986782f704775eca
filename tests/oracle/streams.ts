/**
 * Random event streams for the oracle tests (fast-check), and how they are sent: shuffled,
 * split into batches, some batches concurrently, then redeliveries. The numbers may depend only
 * on the set of stored events, so the model never looks at the plan.
 */
import fc from 'fast-check';
import { addDays, type EventType, type PaymentMethod, PAYMENT_METHODS, type RawEvent } from './model.js';

export const TIMEZONES = [
  'UTC',
  'Africa/Nairobi',
  'Asia/Kathmandu', // +05:45
  'Australia/Lord_Howe', // +10:30, +11 from the first Sunday of October
  'Pacific/Chatham', // +12:45, +13:45 from the last Sunday of September
  'America/St_Johns', // −03:30 / −02:30
  'Pacific/Kiritimati', // +14
] as const;
export const CURRENCIES = ['KES', 'NGN', 'XOF', 'UGX', 'KWD'] as const;
export const PROVIDERS = ['mpesa', 'paystack', 'flutterwave', 'mtn_momo', 'airtel_money'] as const;

/** 10^15: the documented per-event bound (inclusive). */
export const MAX_AMOUNT = 1_000_000_000_000_000n;

/** Runs per property: `base` × ANALYTICS_RUNS (default 1). */
export function runs(base: number): number {
  const factor = Number(process.env.ANALYTICS_RUNS ?? '1');
  return Math.max(1, Math.round(base * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}

/** fast-check parameters: a fixed seed (ORACLE_SEED overrides, ORACLE_PATH replays one case), no shrinking (each run drives a server). */
export function fcParams(base: number, seed: number): fc.Parameters<unknown> {
  const path = process.env.ORACLE_PATH;
  return {
    seed: process.env.ORACLE_SEED ? Number(process.env.ORACLE_SEED) : seed,
    numRuns: runs(base),
    endOnFailure: true,
    ...(path ? { path } : {}),
  };
}

export interface EventSpec {
  type: EventType;
  amount: bigint;
  fee: bigint;
  /** Offset from the group's anchor instant, in ms (negative: occurred before the anchor). */
  dt: number;
  provider: string;
  customer?: number | undefined;
  method?: PaymentMethod | undefined;
  product?: number | undefined;
  productName?: number | undefined;
  wallet?: number | undefined;
  /** Reference-less events of a referenced group still share the group's reference unless set. */
  dropReference?: boolean | undefined;
}

export interface GroupSpec {
  /** Index into the reference pool; undefined: each event is its own payment (key = event id). */
  ref?: number | undefined;
  currency: string;
  /** Day offset from the stream's first local day. */
  day: number;
  /** Minutes from local midnight; negative values are before that midnight. */
  minute: number;
  events: EventSpec[];
}

export interface Plan {
  /** Sort keys: the arrival order of the events. */
  order: number[];
  /** Cut after this position of the arrival order. */
  cuts: boolean[];
  /** Send two consecutive batches at once. */
  concurrent: boolean;
  /** Positions (arrival order) sent again afterwards: must come back DUPLICATE. */
  redeliver: number[];
  /** How each batch is sent (cycled): typed `ingestPaymentEvents`, or `ingestEnvelopes` version 2 / version 1. */
  via: Via[];
}

export type Via = 'typed' | 'v2' | 'v1';

export interface StreamSpec {
  timezone: string;
  groups: GroupSpec[];
  plan: Plan;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DT = [-26 * HOUR, -3 * HOUR, -20 * MIN, -MIN, -1000, -1, 0, 0, 0, 1, 1000, MIN, 7 * MIN, 2 * HOUR, 25 * HOUR];
const SMALL_AMOUNTS = [0n, 1n, 100n, 250n, 500n, 500n, 1000n, 1000n, 5000n, 99_999n];
const FEES = [0n, 0n, 3n, 7n, 50n, 1000n, 600n];

/** Above the bound: refused per item with AMOUNT_OUT_OF_RANGE (rare here, so other rules stay visible). */
export const OUT_OF_RANGE = [MAX_AMOUNT + 1n, 5_000_000_000_000_000_000n];
const amountArb = fc.oneof(
  { weight: 60, arbitrary: fc.constantFrom(...SMALL_AMOUNTS) },
  { weight: 30, arbitrary: fc.bigInt({ min: 0n, max: 10_000_000n }) },
  { weight: 10, arbitrary: fc.constantFrom(MAX_AMOUNT, MAX_AMOUNT - 1n, MAX_AMOUNT / 2n, 999_999_999_999n) },
  { weight: 1, arbitrary: fc.constantFrom(...OUT_OF_RANGE) },
);
const feeArb = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FEES) }, { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2_000_000n }) }, { weight: 1, arbitrary: fc.constant(MAX_AMOUNT) });
const dtArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...DT) }, { weight: 1, arbitrary: fc.integer({ min: -6 * HOUR, max: 6 * HOUR }) });
const opt = <T>(arb: fc.Arbitrary<T>, freq = 2) => fc.option(arb, { nil: undefined, freq });

const PAYMENT_TYPES: EventType[] = ['payment.initiated', 'payment.pending', 'payment.processing', 'payment.completed', 'payment.completed', 'payment.failed', 'payment.refunded', 'refund.processed'];

export interface Pools {
  customers: number;
  products: number;
  wallets: number;
  refs: number;
}
export const DEFAULT_POOLS: Pools = { customers: 4, products: 3, wallets: 3, refs: 6 };

function eventArb(types: fc.Arbitrary<EventType>, pools: Pools): fc.Arbitrary<EventSpec> {
  return fc.record({
    type: types,
    amount: amountArb,
    fee: feeArb,
    dt: dtArb,
    provider: fc.constantFrom(...PROVIDERS),
    customer: opt(fc.nat({ max: pools.customers - 1 }), 3),
    method: opt(fc.constantFrom(...PAYMENT_METHODS)),
    product: opt(fc.nat({ max: pools.products - 1 })),
    productName: opt(fc.nat({ max: 2 }), 3),
    wallet: opt(fc.nat({ max: pools.wallets - 1 }), 3),
    dropReference: fc.constant(undefined),
  });
}

/** Hand-shaped sequences the docs single out, with random amounts and times. */
function scenarioArb(pools: Pools): fc.Arbitrary<EventSpec[]> {
  const ev = (type: EventType, over: Partial<EventSpec> = {}) => eventArb(fc.constant(type), pools).map((e) => ({ ...e, ...over }));
  return fc.oneof<fc.Arbitrary<readonly EventSpec[]>[]>(
    // several completions, different amounts and fees; equal amounts with different fees
    fc.tuple(ev('payment.completed'), ev('payment.completed'), ev('payment.completed')).chain(([a, b, c]) =>
      fc.constantFrom([a, b, c], [a, { ...b, amount: a.amount, fee: a.fee + 1n }, c], [a, { ...b, amount: a.amount, fee: a.fee + 5n, dt: a.dt }]),
    ),
    // refunds above the gross
    fc.tuple(ev('payment.completed', { amount: 500n }), ev('payment.refunded', { amount: 400n }), ev('refund.processed', { amount: 300n })),
    // failure after pending, then a late processing that occurred before (or after) the failure
    fc.tuple(ev('payment.pending', { dt: 0 }), ev('payment.failed', { dt: 10 * MIN }), fc.constantFrom(5 * MIN, 20 * MIN).chain((dt) => ev('payment.processing', { dt }))),
    // a retry that completes after a failure dated later
    fc.tuple(ev('payment.completed', { dt: 0 }), ev('payment.failed', { dt: 30 * MIN })),
    // a late earlier event moves the payment to an earlier bucket (across a midnight)
    fc.tuple(ev('payment.completed', { dt: 0 }), ev('payment.initiated', { dt: -25 * HOUR })),
    // transfers: success then a later failure (reversed); failure then a later success (retry)
    fc.tuple(ev('transfer.success', { dt: 0 }), ev('transfer.failed', { dt: 10 * MIN })),
    fc.tuple(ev('transfer.failed', { dt: 0 }), ev('transfer.success', { dt: 10 * MIN })),
    fc.tuple(ev('transfer.failed', { dt: 0 })),
    // a wallet deposit that arrives before the wallet is opened (no customer), completed later with one
    fc.tuple(ev('payment.pending', { customer: undefined }), ev('payment.completed')),
    fc.tuple(ev('transfer.success', { customer: undefined }), ev('payment.processing')),
  ).map((list) => [...list]);
}

function groupArb(pools: Pools, days: number): fc.Arbitrary<GroupSpec> {
  const random = fc.array(eventArb(fc.constantFrom(...PAYMENT_TYPES), pools), { minLength: 1, maxLength: 5 });
  const transfers = fc.array(eventArb(fc.constantFrom<EventType>('transfer.success', 'transfer.failed'), pools), { minLength: 1, maxLength: 3 });
  return fc.record({
    ref: opt(fc.nat({ max: pools.refs - 1 }), 5),
    currency: fc.constantFrom(...CURRENCIES),
    day: fc.nat({ max: days - 1 }),
    // Near local midnight (either side) half of the time.
    minute: fc.oneof(fc.integer({ min: -15, max: 15 }), fc.integer({ min: 0, max: 24 * 60 - 1 })),
    events: fc.oneof({ weight: 4, arbitrary: random }, { weight: 3, arbitrary: scenarioArb(pools) }, { weight: 1, arbitrary: transfers }),
  });
}

function planArb(n: number): fc.Arbitrary<Plan> {
  return fc.record({
    order: fc.array(fc.nat(), { minLength: n, maxLength: n }),
    cuts: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    concurrent: fc.boolean(),
    redeliver: fc.uniqueArray(fc.nat({ max: Math.max(0, n - 1) }), { maxLength: Math.min(n, 4) }),
    via: fc.array(fc.constantFrom<Via>('typed', 'typed', 'v2', 'v1'), { minLength: 1, maxLength: 4 }),
  });
}

export function streamArb(options: { pools?: Pools; days?: number; maxGroups?: number; timezones?: readonly string[] } = {}): fc.Arbitrary<StreamSpec> {
  const pools = options.pools ?? DEFAULT_POOLS;
  return fc
    .record({
      timezone: fc.constantFrom(...(options.timezones ?? TIMEZONES)),
      groups: fc.array(groupArb(pools, options.days ?? 10), { minLength: 1, maxLength: options.maxGroups ?? 12 }),
    })
    .chain(({ timezone, groups }) => {
      const n = groups.reduce((s, g) => s + g.events.length, 0);
      return planArb(n).map((plan) => ({ timezone, groups, plan }));
    });
}

/** The UTC instant of local midnight starting `day` (YYYY-MM-DD) in `timezone`. */
export function localMidnight(day: string, timezone: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const wall = (ms: number) => {
    const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  };
  const target = Date.UTC(y, m - 1, d);
  let t = target;
  for (let i = 0; i < 3; i++) t += target - wall(t);
  return t;
}

export interface Names {
  /** Unique per run: customer, wallet and product ids carry it so runs sharing an app never meet. */
  tag: string;
}

export const customerId = (tag: string, i: number) => `c${tag}_${i}`;
export const walletId = (tag: string, i: number) => `w${tag}_${i}`;
export const productId = (i: number) => `p${i}`;
export const reference = (i: number) => `R${i}`;

/**
 * The raw events of a stream. Event ids are e<n> in a shuffled order, so that the id tie-break
 * is not the generation order ("e10" < "e9"). Referenced events get even milliseconds and
 * reference-less ones odd: a referenced payment and a reference-less one never start at the same
 * instant (the docs leave open whether "smallest payment key" compares "R1" or "ref:R1").
 */
export function materialize(spec: StreamSpec, firstDay: string, names: Names, clampTo?: number): RawEvent[] {
  const out: RawEvent[] = [];
  const n = spec.groups.reduce((s, g) => s + g.events.length, 0);
  // A deterministic, spec-derived permutation of the ids.
  const ids = Array.from({ length: n }, (_, i) => i).sort((a, b) => ((a * 7919 + n * 31) % (n + 13)) - ((b * 7919 + n * 31) % (n + 13)) || a - b);
  let k = 0;
  for (const g of spec.groups) {
    const anchor = localMidnight(addDays(firstDay, g.day), spec.timezone) + g.minute * MIN;
    for (const e of g.events) {
      const ref = g.ref !== undefined && !e.dropReference ? reference(g.ref) : undefined;
      let at = anchor + e.dt;
      if (clampTo !== undefined && at > clampTo) at = clampTo - ((clampTo - at) % HOUR) - HOUR; // stays in the past, keeps the spread
      at = 2 * Math.floor(at / 2) + (ref === undefined ? 1 : 0);
      out.push({
        eventId: `e${ids[k++]}`,
        type: e.type,
        provider: e.provider,
        paymentMethod: e.method,
        amountMinor: e.amount,
        feeMinor: e.fee,
        currency: g.currency,
        customerId: e.customer === undefined ? undefined : customerId(names.tag, e.customer),
        productId: e.product === undefined ? undefined : productId(e.product),
        productName: e.product === undefined || e.productName === undefined ? undefined : `Product ${e.product} v${e.productName}`,
        walletId: e.wallet === undefined ? undefined : walletId(names.tag, e.wallet),
        reference: ref,
        occurredAt: at,
      });
    }
  }
  return out;
}

/** The batches to send, in order; `concurrentWithNext[i]` sends batch i and i+1 at once. */
export function batchesOf(events: readonly RawEvent[], plan: Plan): { batches: RawEvent[][]; concurrentWithNext: boolean[]; redeliveries: RawEvent[] } {
  const arrival = events.map((e, i) => ({ e, key: plan.order[i] ?? 0, i })).sort((a, b) => a.key - b.key || a.i - b.i).map((x) => x.e);
  const batches: RawEvent[][] = [[]];
  arrival.forEach((e, i) => {
    batches.at(-1)!.push(e);
    if (plan.cuts[i] && i < arrival.length - 1) batches.push([]);
  });
  const concurrentWithNext = batches.map((_, i) => plan.concurrent && i % 2 === 0 && i + 1 < batches.length);
  return { batches, concurrentWithNext, redeliveries: plan.redeliver.filter((p) => p < arrival.length).map((p) => arrival[p]!) };
}
