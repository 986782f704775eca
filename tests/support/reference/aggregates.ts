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
import type { Tx } from '../../../src/db/client.js';
import { Prisma } from '../../../src/generated/prisma/client.js';
import type { IngestEffect } from './pipeline.js';
import { paymentKeyOf, type PaymentEventRecord } from '../../../src/payments/types.js';
import { buckets, countsAsPayment, derivePayment, netMinor, type PaymentState } from '../../../src/analytics/payment-state.js';

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
const day = (d: string) => Prisma.sql`${d}::date`;

async function flush(tx: Tx, merchantId: string, deltas: Deltas) {
  const counterCols = Prisma.raw('transactions, succeeded, failed, refunded, gross_minor, fee_minor, net_minor, refunded_minor, new_customers');
  const counterSet = Prisma.raw(
    ['transactions', 'succeeded', 'failed', 'refunded', 'gross_minor', 'fee_minor', 'net_minor', 'refunded_minor', 'new_customers']
      .map((c) => `${c} = t.${c} + EXCLUDED.${c}`)
      .join(', '),
  );
  const values = (c: Counters) => [c.transactions, c.succeeded, c.failed, c.refunded, c.gross, c.fee, c.net, c.refundedAmount, c.newCustomers];

  const hourly = [...deltas.hourly.values()].filter((h) => nonZero(h.c));
  if (hourly.length > 0) {
    await tx.$executeRaw`
      INSERT INTO agg_hourly AS t (merchant_id, currency, hour, ${counterCols})
      VALUES ${Prisma.join(hourly.map((h) => Prisma.sql`(${merchantId}, ${h.currency}, ${h.hour}, ${Prisma.join(values(h.c))})`))}
      ON CONFLICT (merchant_id, currency, hour) DO UPDATE SET ${counterSet}`;
  }
  const daily = [...deltas.daily.values()].filter((d) => nonZero(d.c));
  if (daily.length > 0) {
    await tx.$executeRaw`
      INSERT INTO agg_daily AS t (merchant_id, currency, day, ${counterCols})
      VALUES ${Prisma.join(daily.map((d) => Prisma.sql`(${merchantId}, ${d.currency}, ${day(d.day)}, ${Prisma.join(values(d.c))})`))}
      ON CONFLICT (merchant_id, currency, day) DO UPDATE SET ${counterSet}`;
  }
  const methods = [...deltas.methods.values()].filter((m) => m.transactions !== 0n || m.succeeded !== 0n || m.gross !== 0n);
  if (methods.length > 0) {
    await tx.$executeRaw`
      INSERT INTO agg_method_daily AS t (merchant_id, currency, payment_method, day, transactions, succeeded, gross_minor)
      VALUES ${Prisma.join(methods.map((m) => Prisma.sql`(${merchantId}, ${m.currency}, ${m.method}, ${day(m.day)}, ${m.transactions}, ${m.succeeded}, ${m.gross})`))}
      ON CONFLICT (merchant_id, currency, payment_method, day) DO UPDATE SET
        transactions = t.transactions + EXCLUDED.transactions, succeeded = t.succeeded + EXCLUDED.succeeded, gross_minor = t.gross_minor + EXCLUDED.gross_minor`;
  }
  const products = [...deltas.products.values()].filter((p) => p.sold !== 0n || p.gross !== 0n);
  if (products.length > 0) {
    await tx.$executeRaw`
      INSERT INTO agg_product_daily AS t (merchant_id, currency, product_id, day, sold, gross_minor)
      VALUES ${Prisma.join(products.map((p) => Prisma.sql`(${merchantId}, ${p.currency}, ${p.productId}, ${day(p.day)}, ${p.sold}, ${p.gross})`))}
      ON CONFLICT (merchant_id, currency, product_id, day) DO UPDATE SET
        sold = t.sold + EXCLUDED.sold, gross_minor = t.gross_minor + EXCLUDED.gross_minor`;
  }

  // Empty buckets are left out (docs/analytics.md): a bucket a payment moved out of, left with
  // no payment, is deleted. Its counters are all zero exactly when it holds no payment.
  if (hourly.length > 0) {
    await tx.$executeRaw`
      DELETE FROM agg_hourly WHERE merchant_id = ${merchantId}
        AND (currency, hour) IN (${Prisma.join(hourly.map((h) => Prisma.sql`(${h.currency}::char(3), ${h.hour}::timestamptz)`))})
        AND transactions = 0 AND new_customers = 0 AND gross_minor = 0 AND fee_minor = 0 AND net_minor = 0 AND refunded_minor = 0`;
  }
  if (daily.length > 0) {
    await tx.$executeRaw`
      DELETE FROM agg_daily WHERE merchant_id = ${merchantId}
        AND (currency, day) IN (${Prisma.join(daily.map((d) => Prisma.sql`(${d.currency}::char(3), ${day(d.day)})`))})
        AND transactions = 0 AND new_customers = 0 AND gross_minor = 0 AND fee_minor = 0 AND net_minor = 0 AND refunded_minor = 0`;
  }
  if (methods.length > 0) {
    await tx.$executeRaw`
      DELETE FROM agg_method_daily WHERE merchant_id = ${merchantId}
        AND (currency, payment_method, day) IN (${Prisma.join(methods.map((m) => Prisma.sql`(${m.currency}::char(3), ${m.method}, ${day(m.day)})`))})
        AND transactions = 0 AND succeeded = 0 AND gross_minor = 0`;
  }
  if (products.length > 0) {
    await tx.$executeRaw`
      DELETE FROM agg_product_daily WHERE merchant_id = ${merchantId}
        AND (currency, product_id, day) IN (${Prisma.join(products.map((p) => Prisma.sql`(${p.currency}::char(3), ${p.productId}, ${day(p.day)})`))})
        AND sold = 0 AND gross_minor = 0`;
  }
}

type FirstPayment = { customer_id: string; currency: string; hour_utc: Date; day_local: string };

/** Each customer's first payment (by time, then key): where that customer counts as new. */
async function firstPayments(tx: Tx, merchantId: string, customers: string[]): Promise<Map<string, FirstPayment>> {
  if (customers.length === 0) return new Map();
  const rows = await tx.$queryRaw<FirstPayment[]>`
    SELECT DISTINCT ON (customer_id) customer_id, currency, hour_utc, to_char(day_local, 'YYYY-MM-DD') AS day_local
    FROM payments WHERE merchant_id = ${merchantId} AND customer_id IN (${Prisma.join(customers)})
    ORDER BY customer_id, first_at, payment_key COLLATE "C", currency`;
  return new Map(rows.map((r) => [r.customer_id, r]));
}

export function createAnalyticsEffect(): IngestEffect {
  return async (tx, inserted) => {
    const relevant = inserted.filter((e) => countsAsPayment(e.type));
    if (relevant.length === 0) return;
    const merchantId = relevant[0]!.merchantId;
    const keys = [...new Set(relevant.map((e) => paymentKeyOf(e)))];

    const [merchant, events, previous] = await Promise.all([
      tx.merchant.findUniqueOrThrow({ where: { id: merchantId }, select: { timezone: true } }),
      tx.paymentEvent.findMany({ where: { merchantId, paymentKey: { in: keys } } }),
      tx.payment.findMany({ where: { merchantId, paymentKey: { in: keys } } }),
    ]);

    // The new state of every touched payment (one per key and currency).
    const groups = new Map<string, (typeof events)[number][]>();
    for (const e of events) {
      if (!countsAsPayment(e.type as PaymentEventRecord['type'])) continue;
      const id = `${e.currency}|${e.paymentKey}`;
      groups.set(id, [...(groups.get(id) ?? []), e]);
    }
    const next: StoredPayment[] = [...groups.values()].map((group) => {
      const state = derivePayment(group.map((e) => ({ ...e, type: e.type as PaymentEventRecord['type'], paymentMethod: e.paymentMethod as PaymentEventRecord['paymentMethod'] })));
      return { ...state, paymentKey: group[0]!.paymentKey, ...buckets(state.firstAt, merchant.timezone) };
    });
    const before: StoredPayment[] = previous.map((p) => ({ ...p, currency: p.currency.trim(), dayLocal: p.dayLocal.toISOString().slice(0, 10) }));

    const customers = [...new Set([...before, ...next].map((p) => p.customerId).filter((c): c is string => c !== null))];
    const firstBefore = await firstPayments(tx, merchantId, customers);

    await tx.$executeRaw`
      INSERT INTO payments AS t (merchant_id, payment_key, currency, first_at, last_at, hour_utc, day_local, customer_id, payment_method,
        product_id, product_name, succeeded, failed, refunded, gross_minor, fee_minor, refunded_minor, events)
      VALUES ${Prisma.join(
        next.map(
          (p) => Prisma.sql`(${merchantId}, ${p.paymentKey}, ${p.currency}, ${p.firstAt}, ${p.lastAt}, ${p.hourUtc}, ${day(p.dayLocal)}, ${p.customerId},
            ${p.paymentMethod}, ${p.productId}, ${p.productName}, ${p.succeeded}, ${p.failed}, ${p.refunded}, ${p.grossMinor}, ${p.feeMinor},
            ${p.refundedMinor}, ${p.events})`,
        ),
      )}
      ON CONFLICT (merchant_id, currency, payment_key) DO UPDATE SET
        first_at = EXCLUDED.first_at, last_at = EXCLUDED.last_at, hour_utc = EXCLUDED.hour_utc, day_local = EXCLUDED.day_local,
        customer_id = EXCLUDED.customer_id, payment_method = EXCLUDED.payment_method, product_id = EXCLUDED.product_id,
        product_name = EXCLUDED.product_name, succeeded = EXCLUDED.succeeded, failed = EXCLUDED.failed, refunded = EXCLUDED.refunded,
        gross_minor = EXCLUDED.gross_minor, fee_minor = EXCLUDED.fee_minor, refunded_minor = EXCLUDED.refunded_minor, events = EXCLUDED.events`;

    const deltas = new Deltas();
    for (const p of before) deltas.payment(p, -1n);
    for (const p of next) deltas.payment(p, 1n);

    // New customers: counted where each customer's first payment is; it may have moved.
    const firstAfter = await firstPayments(tx, merchantId, customers);
    for (const customer of customers) {
      const was = firstBefore.get(customer);
      const now = firstAfter.get(customer);
      if (was) deltas.buckets(was.currency, was.hour_utc, was.day_local, { newCustomers: 1n }, -1n);
      if (now) deltas.buckets(now.currency, now.hour_utc, now.day_local, { newCustomers: 1n }, 1n);
    }
    await flush(tx, merchantId, deltas);

    // Per-customer totals, recomputed from their payments (a payment may have changed hands:
    // its first event naming a customer can arrive late).
    if (customers.length > 0) {
      await tx.$executeRaw`DELETE FROM customer_stats WHERE merchant_id = ${merchantId} AND customer_id IN (${Prisma.join(customers)})`;
      await tx.$executeRaw`
        INSERT INTO customer_stats (merchant_id, customer_id, currency, transactions, succeeded, spent_minor, first_seen, last_seen)
        SELECT merchant_id, customer_id, currency, count(*), count(*) FILTER (WHERE succeeded),
          COALESCE(sum(gross_minor - refunded_minor) FILTER (WHERE succeeded), 0), min(first_at), max(last_at)
        FROM payments WHERE merchant_id = ${merchantId} AND customer_id IN (${Prisma.join(customers)})
        GROUP BY merchant_id, customer_id, currency`;
    }
  };
}
