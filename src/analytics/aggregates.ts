/**
 * The analytics ingest effect: runs inside the ingest transaction (the merchant row is locked,
 * so one merchant's events are applied one batch at a time across every instance) for the
 * events just stored.
 *
 * For every payment those events touch, it re-derives the payment from ALL its stored events,
 * then moves the aggregates by (new contribution − old contribution) with atomic
 * `INSERT … ON CONFLICT DO UPDATE` increments. Out-of-order events can move a payment to another
 * bucket or change its outcome; the retraction makes that exact. Duplicates never get here (the
 * pipeline stores an event id once). Per-customer rows are recomputed from `payments`.
 */
import type { SqlTx } from '../db/sql-transaction.js';
import type { IngestEffect } from '../ingest/pipeline.js';
import { paymentKeyOf, type PaymentEventRecord } from '../payments/types.js';
import { buckets, countsAsPayment, derivePayment, netMinor, type PaymentState } from './payment-state.js';

/** A payment as stored: its state plus its buckets. */
type StoredPayment = PaymentState & { paymentKey: string; hourUtc: Date; dayLocal: string };

type Counters = {
  transactions: bigint;
  succeeded: bigint;
  failed: bigint;
  refunded: bigint;
  gross: bigint;
  fee: bigint;
  net: bigint;
  refundedAmount: bigint;
  newCustomers: bigint;
};
const ZERO: Counters = { transactions: 0n, succeeded: 0n, failed: 0n, refunded: 0n, gross: 0n, fee: 0n, net: 0n, refundedAmount: 0n, newCustomers: 0n };

class Deltas {
  hourly = new Map<string, { currency: string; hour: Date; c: Counters }>();
  daily = new Map<string, { currency: string; day: string; c: Counters }>();
  methods = new Map<string, { currency: string; method: string; day: string; transactions: bigint; succeeded: bigint; gross: bigint }>();
  products = new Map<string, { currency: string; productId: string; day: string; sold: bigint; gross: bigint }>();

  private bump(target: Counters, by: Partial<Counters>, sign: bigint) {
    for (const [k, v] of Object.entries(by) as [keyof Counters, bigint][]) target[k] += sign * v;
  }

  buckets(currency: string, hour: Date, day: string, by: Partial<Counters>, sign: bigint) {
    const h = this.hourly.get(`${currency}|${hour.toISOString()}`) ?? { currency, hour, c: { ...ZERO } };
    this.bump(h.c, by, sign);
    this.hourly.set(`${currency}|${hour.toISOString()}`, h);
    const d = this.daily.get(`${currency}|${day}`) ?? { currency, day, c: { ...ZERO } };
    this.bump(d.c, by, sign);
    this.daily.set(`${currency}|${day}`, d);
  }

  payment(p: StoredPayment, sign: bigint) {
    const succeeded = p.succeeded ? 1n : 0n;
    this.buckets(
      p.currency,
      p.hourUtc,
      p.dayLocal,
      {
        transactions: 1n,
        succeeded,
        failed: p.failed ? 1n : 0n,
        refunded: p.refunded ? 1n : 0n,
        gross: p.grossMinor,
        fee: p.feeMinor,
        net: netMinor(p),
        refundedAmount: p.refundedMinor,
      },
      sign,
    );
    const method = p.paymentMethod ?? 'unknown';
    const mk = `${p.currency}|${method}|${p.dayLocal}`;
    const m = this.methods.get(mk) ?? { currency: p.currency, method, day: p.dayLocal, transactions: 0n, succeeded: 0n, gross: 0n };
    m.transactions += sign;
    m.succeeded += sign * succeeded;
    m.gross += sign * p.grossMinor;
    this.methods.set(mk, m);
    if (p.productId !== null && p.succeeded) {
      const pk = `${p.currency}|${p.productId}|${p.dayLocal}`;
      const row = this.products.get(pk) ?? { currency: p.currency, productId: p.productId, day: p.dayLocal, sold: 0n, gross: 0n };
      row.sold += sign;
      row.gross += sign * (p.grossMinor - p.refundedMinor);
      this.products.set(pk, row);
    }
  }
}

const nonZero = (c: Counters) => Object.values(c).some((v) => v !== 0n);
const text = (values: readonly bigint[]) => values.map((v) => v.toString());

const COUNTERS = ['transactions', 'succeeded', 'failed', 'refunded', 'gross_minor', 'fee_minor', 'net_minor', 'refunded_minor', 'new_customers'] as const;
const ADD = (cols: readonly string[]) => cols.map((c) => `${c} = t.${c} + EXCLUDED.${c}`).join(', ');
const BUCKET_ARRAYS = `$3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[], $11::bigint[]`;

/**
 * Every bucket's increments in ONE statement: one `INSERT … SELECT FROM unnest … ON CONFLICT DO
 * UPDATE` per table, as data-modifying CTEs (four tables, so no row is touched twice).
 */
const UPSERT_BUCKETS = `
WITH hourly AS (
  INSERT INTO agg_hourly AS t (merchant_id, currency, hour, ${COUNTERS.join(', ')})
  SELECT $1, * FROM unnest($2::text[], $12::timestamptz[], ${BUCKET_ARRAYS})
  ON CONFLICT (merchant_id, currency, hour) DO UPDATE SET ${ADD(COUNTERS)}
), daily AS (
  INSERT INTO agg_daily AS t (merchant_id, currency, day, ${COUNTERS.join(', ')})
  SELECT $1, * FROM unnest($13::text[], $14::date[], $15::bigint[], $16::bigint[], $17::bigint[], $18::bigint[], $19::numeric[], $20::numeric[],
    $21::numeric[], $22::numeric[], $23::bigint[])
  ON CONFLICT (merchant_id, currency, day) DO UPDATE SET ${ADD(COUNTERS)}
), methods AS (
  INSERT INTO agg_method_daily AS t (merchant_id, currency, payment_method, day, transactions, succeeded, gross_minor)
  SELECT $1, * FROM unnest($24::text[], $25::text[], $26::date[], $27::bigint[], $28::bigint[], $29::numeric[])
  ON CONFLICT (merchant_id, currency, payment_method, day) DO UPDATE SET ${ADD(['transactions', 'succeeded', 'gross_minor'])}
)
INSERT INTO agg_product_daily AS t (merchant_id, currency, product_id, day, sold, gross_minor)
SELECT $1, * FROM unnest($30::text[], $31::text[], $32::date[], $33::bigint[], $34::numeric[])
ON CONFLICT (merchant_id, currency, product_id, day) DO UPDATE SET ${ADD(['sold', 'gross_minor'])}`;

/**
 * Empty buckets are left out (docs/analytics.md): a bucket a payment moved out of, left with no
 * payment, is deleted (its counters are all zero exactly when it holds no payment). A separate
 * statement from the upsert: it must see the rows as the upsert left them.
 */
const DELETE_EMPTY = `
WITH hourly AS (
  DELETE FROM agg_hourly WHERE merchant_id = $1 AND (currency, hour) IN (SELECT * FROM unnest($2::char(3)[], $3::timestamptz[]))
    AND transactions = 0 AND new_customers = 0 AND gross_minor = 0 AND fee_minor = 0 AND net_minor = 0 AND refunded_minor = 0
), daily AS (
  DELETE FROM agg_daily WHERE merchant_id = $1 AND (currency, day) IN (SELECT * FROM unnest($4::char(3)[], $5::date[]))
    AND transactions = 0 AND new_customers = 0 AND gross_minor = 0 AND fee_minor = 0 AND net_minor = 0 AND refunded_minor = 0
), methods AS (
  DELETE FROM agg_method_daily WHERE merchant_id = $1 AND (currency, payment_method, day) IN (SELECT * FROM unnest($6::char(3)[], $7::text[], $8::date[]))
    AND transactions = 0 AND succeeded = 0 AND gross_minor = 0
)
DELETE FROM agg_product_daily WHERE merchant_id = $1 AND (currency, product_id, day) IN (SELECT * FROM unnest($9::char(3)[], $10::text[], $11::date[]))
  AND sold = 0 AND gross_minor = 0`;

/** The deltas as at most two statements (upsert, then delete what is left empty), whatever their number. */
async function flush(tx: SqlTx, merchantId: string, deltas: Deltas) {
  const hourly = [...deltas.hourly.values()].filter((h) => nonZero(h.c));
  const daily = [...deltas.daily.values()].filter((d) => nonZero(d.c));
  const methods = [...deltas.methods.values()].filter((m) => m.transactions !== 0n || m.succeeded !== 0n || m.gross !== 0n);
  const products = [...deltas.products.values()].filter((p) => p.sold !== 0n || p.gross !== 0n);
  if (hourly.length + daily.length + methods.length + products.length === 0) return;
  const counters = (rows: { c: Counters }[]) => [
    rows.map((r) => r.c.transactions),
    rows.map((r) => r.c.succeeded),
    rows.map((r) => r.c.failed),
    rows.map((r) => r.c.refunded),
    text(rows.map((r) => r.c.gross)),
    text(rows.map((r) => r.c.fee)),
    text(rows.map((r) => r.c.net)),
    text(rows.map((r) => r.c.refundedAmount)),
    rows.map((r) => r.c.newCustomers),
  ];
  const hours = hourly.map((h) => h.hour.toISOString());
  await tx.$executeRawUnsafe(
    UPSERT_BUCKETS,
    merchantId,
    hourly.map((h) => h.currency),
    ...counters(hourly),
    hours,
    daily.map((d) => d.currency),
    daily.map((d) => d.day),
    ...counters(daily),
    methods.map((m) => m.currency),
    methods.map((m) => m.method),
    methods.map((m) => m.day),
    methods.map((m) => m.transactions),
    methods.map((m) => m.succeeded),
    text(methods.map((m) => m.gross)),
    products.map((p) => p.currency),
    products.map((p) => p.productId),
    products.map((p) => p.day),
    products.map((p) => p.sold),
    text(products.map((p) => p.gross)),
  );
  // A bucket is left empty only by a payment leaving it, which takes something away from it: with
  // no negative increment every touched bucket still holds a payment, so there is nothing to delete.
  const negative = (values: readonly bigint[]) => values.some((v) => v < 0n);
  const shrinks =
    hourly.some((h) => negative(Object.values(h.c))) ||
    daily.some((d) => negative(Object.values(d.c))) ||
    methods.some((m) => negative([m.transactions, m.succeeded, m.gross])) ||
    products.some((p) => negative([p.sold, p.gross]));
  if (!shrinks) return;
  await tx.$executeRawUnsafe(
    DELETE_EMPTY,
    merchantId,
    hourly.map((h) => h.currency),
    hours,
    daily.map((d) => d.currency),
    daily.map((d) => d.day),
    methods.map((m) => m.currency),
    methods.map((m) => m.method),
    methods.map((m) => m.day),
    products.map((p) => p.currency),
    products.map((p) => p.productId),
    products.map((p) => p.day),
  );
}

type FirstPayment = { customer_id: string; currency: string; hour_utc: Date; day_local: string };

/** Each customer's first payment (by time, then key): where that customer counts as new. */
const FIRST_PAYMENTS = `
  SELECT DISTINCT ON (customer_id) customer_id, currency, hour_utc, to_char(day_local, 'YYYY-MM-DD') AS day_local
  FROM payments WHERE merchant_id = $1 AND customer_id = ANY($2::text[])
  ORDER BY customer_id, first_at, payment_key COLLATE "C", currency`;

const PAYMENT_COLUMNS = `merchant_id, payment_key, currency, first_at, last_at, hour_utc, day_local, customer_id, payment_method,
  product_id, product_name, succeeded, failed, refunded, gross_minor, fee_minor, refunded_minor, events`;

/**
 * The customers' first payments as they were, and the touched payments' new states written: one
 * statement (the CTE reads the snapshot before the upsert).
 */
const FIRST_THEN_UPSERT_PAYMENTS = `
WITH first AS (${FIRST_PAYMENTS}),
upsert AS (
  INSERT INTO payments AS t (${PAYMENT_COLUMNS})
  SELECT $1, * FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::date[], $9::text[], $10::text[],
    $11::text[], $12::text[], $13::boolean[], $14::boolean[], $15::boolean[], $16::bigint[], $17::bigint[], $18::bigint[], $19::int[])
  ON CONFLICT (merchant_id, currency, payment_key) DO UPDATE SET
    first_at = EXCLUDED.first_at, last_at = EXCLUDED.last_at, hour_utc = EXCLUDED.hour_utc, day_local = EXCLUDED.day_local,
    customer_id = EXCLUDED.customer_id, payment_method = EXCLUDED.payment_method, product_id = EXCLUDED.product_id,
    product_name = EXCLUDED.product_name, succeeded = EXCLUDED.succeeded, failed = EXCLUDED.failed, refunded = EXCLUDED.refunded,
    gross_minor = EXCLUDED.gross_minor, fee_minor = EXCLUDED.fee_minor, refunded_minor = EXCLUDED.refunded_minor, events = EXCLUDED.events
)
SELECT * FROM first`;

/**
 * Per-customer totals recomputed from their payments (a payment may have changed hands: its
 * first event naming a customer can arrive late), and the customers' first payments as they are
 * now: one statement, after the payments were written. The stale rows are found with `NOT IN`
 * (neither column is ever null), a hashed lookup whatever the row estimates: a `NOT EXISTS` was
 * planned as a nested loop while a new merchant's statistics still said "a few rows" (500 × 500
 * comparisons, 32 ms, on a merchant's second batch of 1000).
 */
const STATS_THEN_FIRST = `
WITH totals AS (
  SELECT customer_id, currency, count(*) AS transactions, count(*) FILTER (WHERE succeeded) AS succeeded,
    COALESCE(sum(gross_minor - refunded_minor) FILTER (WHERE succeeded), 0) AS spent_minor, min(first_at) AS first_seen, max(last_at) AS last_seen
  FROM payments WHERE merchant_id = $1 AND customer_id = ANY($2::text[])
  GROUP BY customer_id, currency
), stale AS (
  DELETE FROM customer_stats s WHERE s.merchant_id = $1 AND s.customer_id = ANY($2::text[])
    AND (s.customer_id, s.currency) NOT IN (SELECT customer_id, currency FROM totals)
), stats AS (
  INSERT INTO customer_stats AS t (merchant_id, customer_id, currency, transactions, succeeded, spent_minor, first_seen, last_seen)
  SELECT $1, * FROM totals
  ON CONFLICT (merchant_id, customer_id, currency) DO UPDATE SET transactions = EXCLUDED.transactions, succeeded = EXCLUDED.succeeded,
    spent_minor = EXCLUDED.spent_minor, first_seen = EXCLUDED.first_seen, last_seen = EXCLUDED.last_seen
)
${FIRST_PAYMENTS}`;

type PaymentRow = Omit<StoredPayment, 'grossMinor' | 'feeMinor' | 'refundedMinor'> & { grossMinor: bigint; feeMinor: bigint; refundedMinor: bigint };

/**
 * The analytics ingest effect, as at most five statements whatever the batch: the touched
 * payments as they were; the customers' first payments then + the new payment states; customer
 * stats + the first payments now; the bucket increments; the emptied buckets deleted (only when
 * an increment is negative).
 */
export function createAnalyticsEffect(): IngestEffect {
  return async (tx, inserted, context) => {
    const relevant = inserted.filter((e) => countsAsPayment(e.type));
    if (relevant.length === 0) return;
    const merchantId = context.merchant.id;
    const keys = [...new Set(relevant.map((e) => e.paymentKey))];

    const events = await context.eventsOfKeys(keys);
    const previous = await tx.$queryRawUnsafe<PaymentRow[]>(
      `SELECT payment_key AS "paymentKey", trim(currency) AS currency, first_at AS "firstAt", last_at AS "lastAt", hour_utc AS "hourUtc",
         to_char(day_local, 'YYYY-MM-DD') AS "dayLocal", customer_id AS "customerId", payment_method AS "paymentMethod", product_id AS "productId",
         product_name AS "productName", succeeded, failed, refunded, gross_minor AS "grossMinor", fee_minor AS "feeMinor",
         refunded_minor AS "refundedMinor", events
       FROM payments WHERE merchant_id = $1 AND payment_key = ANY($2::text[])`,
      merchantId,
      keys,
    );

    // The new state of every touched payment (one per key and currency).
    const groups = new Map<string, PaymentEventRecord[]>();
    for (const e of events) {
      if (!countsAsPayment(e.type)) continue;
      const id = `${e.currency}|${e.paymentKey}`;
      const group = groups.get(id);
      if (group) group.push(e);
      else groups.set(id, [e]);
    }
    const next: StoredPayment[] = [...groups.values()].map((group) => {
      const state = derivePayment(group);
      return { ...state, paymentKey: paymentKeyOf(group[0]!), ...buckets(state.firstAt, context.merchant.timezone) };
    });
    const before: StoredPayment[] = previous;

    const customers = [...new Set([...before, ...next].map((p) => p.customerId).filter((c): c is string => c !== null))];
    const col = <T>(f: (p: StoredPayment) => T) => next.map(f);
    const firstBefore = await tx.$queryRawUnsafe<FirstPayment[]>(
      FIRST_THEN_UPSERT_PAYMENTS,
      merchantId,
      customers,
      col((p) => p.paymentKey),
      col((p) => p.currency),
      col((p) => p.firstAt.toISOString()),
      col((p) => p.lastAt.toISOString()),
      col((p) => p.hourUtc.toISOString()),
      col((p) => p.dayLocal),
      col((p) => p.customerId),
      col((p) => p.paymentMethod),
      col((p) => p.productId),
      col((p) => p.productName),
      col((p) => p.succeeded),
      col((p) => p.failed),
      col((p) => p.refunded),
      col((p) => p.grossMinor),
      col((p) => p.feeMinor),
      col((p) => p.refundedMinor),
      col((p) => p.events),
    );

    const deltas = new Deltas();
    for (const p of before) deltas.payment(p, -1n);
    for (const p of next) deltas.payment(p, 1n);

    // New customers: counted where each customer's first payment is; it may have moved.
    const firstAfter = customers.length === 0 ? [] : await tx.$queryRawUnsafe<FirstPayment[]>(STATS_THEN_FIRST, merchantId, customers);
    const was = new Map(firstBefore.map((r) => [r.customer_id, r]));
    const now = new Map(firstAfter.map((r) => [r.customer_id, r]));
    for (const customer of customers) {
      const a = was.get(customer);
      const b = now.get(customer);
      if (a) deltas.buckets(a.currency, a.hour_utc, a.day_local, { newCustomers: 1n }, -1n);
      if (b) deltas.buckets(b.currency, b.hour_utc, b.day_local, { newCustomers: 1n }, 1n);
    }
    await flush(tx, merchantId, deltas);
  };
}
