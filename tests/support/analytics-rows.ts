/**
 * One merchant's analytics rows (payments, the four aggregate tables, customer stats) in a fixed
 * order, read the same way by the tests that compare two ingests of the same events
 * (tests/invariants, tests/ingest): sums as text, orders by code points.
 */
export type Rows = (sql: string) => Promise<Record<string, unknown>[]>;

export async function analyticsRows(rows: Rows) {
  return {
    payments: await rows(`SELECT payment_key, currency, first_at, last_at, hour_utc, day_local::text, customer_id, payment_method, product_id, product_name,
        succeeded, failed, refunded, gross_minor::text, fee_minor::text, refunded_minor::text, events
      FROM payments WHERE merchant_id = $1 ORDER BY payment_key COLLATE "C", currency`),
    hourly: await rows(`SELECT currency, hour, transactions, succeeded, failed, refunded, gross_minor::text, fee_minor::text, net_minor::text, refunded_minor::text, new_customers
      FROM agg_hourly WHERE merchant_id = $1 ORDER BY hour, currency`),
    daily: await rows(`SELECT currency, day::text, transactions, succeeded, failed, refunded, gross_minor::text, fee_minor::text, net_minor::text, refunded_minor::text, new_customers
      FROM agg_daily WHERE merchant_id = $1 ORDER BY day, currency`),
    methods: await rows(`SELECT currency, payment_method, day::text, transactions, succeeded, gross_minor::text
      FROM agg_method_daily WHERE merchant_id = $1 ORDER BY day, currency, payment_method COLLATE "C"`),
    products: await rows(`SELECT currency, product_id, day::text, sold, gross_minor::text
      FROM agg_product_daily WHERE merchant_id = $1 ORDER BY day, currency, product_id COLLATE "C"`),
    customers: await rows(`SELECT customer_id, currency, transactions, succeeded, spent_minor::text, first_seen, last_seen
      FROM customer_stats WHERE merchant_id = $1 ORDER BY customer_id COLLATE "C", currency`),
  };
}
