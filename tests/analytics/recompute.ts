/**
 * The aggregates recomputed from the raw events with plain SQL: the definition of docs/analytics.md
 * written independently of src/analytics, so the property tests compare two implementations.
 */
import type { PrismaClient } from '../../src/db/client.js';

const PAYMENTS = (merchantId: string, timeZone: string) => `
  WITH ev AS (
    SELECT * FROM payment_events
    WHERE merchant_id = '${merchantId}'
      AND type IN ('payment.initiated','payment.pending','payment.processing','payment.completed','payment.failed','payment.refunded','refund.processed')
  ), p AS (
    SELECT currency, payment_key,
      (array_agg(occurred_at ORDER BY occurred_at, event_id COLLATE "C"))[1] AS first_at,
      max(occurred_at) AS last_at,
      (array_agg(customer_id ORDER BY occurred_at, event_id COLLATE "C") FILTER (WHERE customer_id IS NOT NULL))[1] AS customer_id,
      (array_agg(payment_method ORDER BY occurred_at, event_id COLLATE "C") FILTER (WHERE payment_method IS NOT NULL))[1] AS payment_method,
      (array_agg(product_id ORDER BY occurred_at, event_id COLLATE "C") FILTER (WHERE product_id IS NOT NULL))[1] AS product_id,
      bool_or(type = 'payment.completed') AS succeeded,
      bool_or(type = 'payment.failed') AS any_failed,
      COALESCE(max(amount_minor) FILTER (WHERE type = 'payment.completed'), 0) AS gross,
      COALESCE(max(fee_minor) FILTER (WHERE type = 'payment.completed'), 0) AS fee,
      COALESCE(sum(amount_minor) FILTER (WHERE type IN ('payment.refunded', 'refund.processed')), 0) AS refund_sum
    FROM ev GROUP BY currency, payment_key
  )
  SELECT *, CASE WHEN succeeded THEN least(refund_sum, gross) ELSE 0 END AS refunded_amount,
    (NOT succeeded AND any_failed) AS failed,
    date_trunc('hour', first_at AT TIME ZONE 'UTC') AS hour_utc,
    (first_at AT TIME ZONE '${timeZone}')::date AS day_local
  FROM p`;

const NEW_CUSTOMERS = (merchantId: string, timeZone: string) => `
  SELECT DISTINCT ON (customer_id) customer_id, currency, hour_utc, day_local
  FROM (${PAYMENTS(merchantId, timeZone)}) x WHERE customer_id IS NOT NULL
  ORDER BY customer_id, first_at, payment_key COLLATE "C", currency`;

const COUNTERS = `count(*)::bigint AS transactions, count(*) FILTER (WHERE succeeded)::bigint AS succeeded,
  count(*) FILTER (WHERE failed)::bigint AS failed, count(*) FILTER (WHERE refunded_amount > 0)::bigint AS refunded,
  sum(gross)::bigint AS gross, sum(fee)::bigint AS fee, sum(gross - fee - refunded_amount)::bigint AS net, sum(refunded_amount)::bigint AS refunded_amount`;

type Row = Record<string, unknown>;
const text = (rows: Row[]) => rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v))).sort();

/** Both sides as sorted lists of JSON lines, per table, zero rows left out. */
export async function compareAggregates(prisma: PrismaClient, merchantId: string, timeZone: string) {
  const q = (sql: string) => prisma.$queryRawUnsafe<Row[]>(sql);
  const bucket = (key: string) => `
    WITH p AS (${PAYMENTS(merchantId, timeZone)}),
    c AS (SELECT currency, ${key} AS b, count(*)::bigint AS n FROM (${NEW_CUSTOMERS(merchantId, timeZone)}) f GROUP BY 1, 2),
    a AS (SELECT currency, ${key} AS b, ${COUNTERS} FROM p GROUP BY 1, 2)
    SELECT COALESCE(a.currency, c.currency) AS currency, to_char(COALESCE(a.b, c.b), 'YYYY-MM-DD HH24') AS b,
      COALESCE(a.transactions, 0) AS transactions, COALESCE(a.succeeded, 0) AS succeeded, COALESCE(a.failed, 0) AS failed,
      COALESCE(a.refunded, 0) AS refunded, COALESCE(a.gross, 0) AS gross, COALESCE(a.fee, 0) AS fee, COALESCE(a.net, 0) AS net,
      COALESCE(a.refunded_amount, 0) AS refunded_amount, COALESCE(c.n, 0) AS new_customers
    FROM a FULL JOIN c ON a.currency = c.currency AND a.b = c.b`;
  const stored = (table: string, key: string) => `
    SELECT currency, to_char(${key}, 'YYYY-MM-DD HH24') AS b, transactions, succeeded, failed, refunded, gross_minor AS gross,
      fee_minor AS fee, net_minor AS net, refunded_minor AS refunded_amount, new_customers
    FROM ${table} WHERE merchant_id = '${merchantId}'
      AND (transactions, succeeded, failed, refunded, gross_minor, fee_minor, net_minor, refunded_minor, new_customers) <> (0, 0, 0, 0, 0, 0, 0, 0, 0)`;
  const methods = {
    expected: `WITH p AS (${PAYMENTS(merchantId, timeZone)})
      SELECT currency, COALESCE(payment_method, 'unknown') AS method, to_char(day_local, 'YYYY-MM-DD') AS day,
        count(*)::bigint AS transactions, count(*) FILTER (WHERE succeeded)::bigint AS succeeded, sum(gross)::bigint AS gross
      FROM p GROUP BY 1, 2, 3`,
    actual: `SELECT currency, payment_method AS method, to_char(day, 'YYYY-MM-DD') AS day, transactions, succeeded, gross_minor AS gross
      FROM agg_method_daily WHERE merchant_id = '${merchantId}' AND (transactions, succeeded, gross_minor) <> (0, 0, 0)`,
  };
  const products = {
    expected: `WITH p AS (${PAYMENTS(merchantId, timeZone)})
      SELECT currency, product_id, to_char(day_local, 'YYYY-MM-DD') AS day, count(*)::bigint AS sold, sum(gross - refunded_amount)::bigint AS gross
      FROM p WHERE succeeded AND product_id IS NOT NULL GROUP BY 1, 2, 3`,
    actual: `SELECT currency, product_id, to_char(day, 'YYYY-MM-DD') AS day, sold, gross_minor AS gross
      FROM agg_product_daily WHERE merchant_id = '${merchantId}' AND (sold, gross_minor) <> (0, 0)`,
  };
  const customers = {
    expected: `WITH p AS (${PAYMENTS(merchantId, timeZone)})
      SELECT p.customer_id, p.currency, count(*)::bigint AS transactions, count(*) FILTER (WHERE succeeded)::bigint AS succeeded,
        COALESCE(sum(gross - refunded_amount) FILTER (WHERE succeeded), 0)::bigint AS spent, min(first_at) AS first_seen, max(last_at) AS last_seen
      FROM p WHERE p.customer_id IS NOT NULL GROUP BY 1, 2`,
    actual: `SELECT customer_id, currency, transactions, succeeded, spent_minor AS spent, first_seen, last_seen FROM customer_stats WHERE merchant_id = '${merchantId}'`,
  };
  return {
    hourly: { expected: text(await q(bucket('hour_utc'))), actual: text(await q(stored('agg_hourly', "(hour AT TIME ZONE 'UTC')"))) },
    daily: { expected: text(await q(bucket('day_local'))), actual: text(await q(stored('agg_daily', 'day'))) },
    methods: { expected: text(await q(methods.expected)), actual: text(await q(methods.actual)) },
    products: { expected: text(await q(products.expected)), actual: text(await q(products.actual)) },
    customers: { expected: text(await q(customers.expected)), actual: text(await q(customers.actual)) },
  };
}
