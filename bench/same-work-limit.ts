/**
 * The "same work" limit for the ingest benches: what hand-written multi-row SQL through plain
 * `pg` reaches doing the writes the pipeline does for bench/workload.ts events, one merchant
 * transaction per batch: lock the merchant row, insert the events (ON CONFLICT DO NOTHING) with
 * merchant sequences, move the head, upsert the touched payments set-wise from their events,
 * increment the four aggregate tables, upsert customer stats, write the customers' notifications
 * (the outbox). No validation, no GraphQL, no re-derivation in application code, no wallet
 * ledger: an upper bound the pipeline is measured against, not an equivalent implementation.
 *
 *   node --import ./scripts/ts-loader.mjs bench/same-work-limit.ts [--events 10000] [--batch 1000]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { BenchEvent } from './workload.js';

const EVENT_COLS = 19;

/** Stores `events` (all of one merchant) in batches of `batch`, each in one transaction; returns events/s. */
export async function sameWorkLimit(pool: pg.Pool, merchantId: string, events: readonly BenchEvent[], batch: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < events.length; i += batch) await storeBatch(pool, merchantId, events.slice(i, i + batch));
  return events.length / ((performance.now() - start) / 1000);
}

async function storeBatch(pool: pg.Pool, merchantId: string, events: readonly BenchEvent[]) {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const head = BigInt((await c.query('SELECT last_event_seq FROM merchants WHERE id = $1 FOR UPDATE', [merchantId])).rows[0].last_event_seq);
    const params: unknown[] = [];
    const rows = events.map((e, i) => {
      params.push(merchantId, (head + BigInt(i + 1)).toString(), e.eventId, 2, e.type, e.provider, e.paymentMethod, e.amountMinor, e.feeMinor, e.currency,
        e.customerId, e.productId, e.productName, e.walletId, e.reference, e.occurredAt, 'api', `ref:${e.reference}`, '{}');
      return `(${Array.from({ length: EVENT_COLS }, (_, k) => `$${i * EVENT_COLS + k + 1}`).join(', ')})`;
    });
    await c.query(
      `INSERT INTO payment_events (merchant_id, merchant_seq, event_id, schema_version, type, provider, payment_method, amount_minor, fee_minor,
         currency, customer_id, product_id, product_name, wallet_id, reference, occurred_at, source, payment_key, metadata)
       VALUES ${rows.join(', ')} ON CONFLICT (merchant_id, event_id) DO NOTHING`,
      params,
    );
    await c.query('UPDATE merchants SET last_event_seq = $2 WHERE id = $1', [merchantId, (head + BigInt(events.length)).toString()]);
    const keys = [...new Set(events.map((e) => `ref:${e.reference}`))];
    await c.query(
      `INSERT INTO payments AS t (merchant_id, payment_key, currency, first_at, last_at, hour_utc, day_local, customer_id, payment_method, product_id,
         product_name, succeeded, failed, refunded, gross_minor, fee_minor, refunded_minor, events)
       SELECT merchant_id, payment_key, currency, min(occurred_at), max(occurred_at), date_trunc('hour', min(occurred_at)), (min(occurred_at) AT TIME ZONE 'UTC')::date,
         min(customer_id), min(payment_method), min(product_id), min(product_name), bool_or(type = 'payment.completed'), false, false,
         coalesce(max(amount_minor) FILTER (WHERE type = 'payment.completed'), 0), coalesce(max(fee_minor) FILTER (WHERE type = 'payment.completed'), 0), 0, count(*)
       FROM payment_events WHERE merchant_id = $1 AND payment_key = ANY($2::text[]) GROUP BY merchant_id, payment_key, currency
       ON CONFLICT (merchant_id, currency, payment_key) DO UPDATE SET last_at = EXCLUDED.last_at, succeeded = EXCLUDED.succeeded,
         gross_minor = EXCLUDED.gross_minor, fee_minor = EXCLUDED.fee_minor, events = EXCLUDED.events`,
      [merchantId, keys],
    );
    const touched = `FROM payments WHERE merchant_id = $1 AND payment_key = ANY($2::text[])`;
    const counters = `count(*), count(*) FILTER (WHERE succeeded), count(*) FILTER (WHERE failed), count(*) FILTER (WHERE refunded), sum(gross_minor), sum(fee_minor),
      sum(gross_minor - fee_minor - refunded_minor), sum(refunded_minor), 0`;
    const add = (cols: string[]) => cols.map((col) => `${col} = t.${col} + EXCLUDED.${col}`).join(', ');
    const all = ['transactions', 'succeeded', 'failed', 'refunded', 'gross_minor', 'fee_minor', 'net_minor', 'refunded_minor', 'new_customers'];
    await c.query(
      `INSERT INTO agg_hourly AS t (merchant_id, currency, hour, ${all.join(', ')}) SELECT merchant_id, currency, hour_utc, ${counters} ${touched}
       GROUP BY merchant_id, currency, hour_utc ON CONFLICT (merchant_id, currency, hour) DO UPDATE SET ${add(all)}`,
      [merchantId, keys],
    );
    await c.query(
      `INSERT INTO agg_daily AS t (merchant_id, currency, day, ${all.join(', ')}) SELECT merchant_id, currency, day_local, ${counters} ${touched}
       GROUP BY merchant_id, currency, day_local ON CONFLICT (merchant_id, currency, day) DO UPDATE SET ${add(all)}`,
      [merchantId, keys],
    );
    await c.query(
      `INSERT INTO agg_method_daily AS t (merchant_id, currency, payment_method, day, transactions, succeeded, gross_minor)
       SELECT merchant_id, currency, coalesce(payment_method, 'unknown'), day_local, count(*), count(*) FILTER (WHERE succeeded), sum(gross_minor) ${touched}
       GROUP BY 1, 2, 3, 4 ON CONFLICT (merchant_id, currency, payment_method, day) DO UPDATE SET ${add(['transactions', 'succeeded', 'gross_minor'])}`,
      [merchantId, keys],
    );
    await c.query(
      `INSERT INTO agg_product_daily AS t (merchant_id, currency, product_id, day, sold, gross_minor)
       SELECT merchant_id, currency, product_id, day_local, count(*), sum(gross_minor) ${touched} AND succeeded AND product_id IS NOT NULL
       GROUP BY 1, 2, 3, 4 ON CONFLICT (merchant_id, currency, product_id, day) DO UPDATE SET ${add(['sold', 'gross_minor'])}`,
      [merchantId, keys],
    );
    const customers = [...new Set(events.map((e) => e.customerId))];
    await c.query(
      `INSERT INTO customer_stats AS t (merchant_id, customer_id, currency, transactions, succeeded, spent_minor, first_seen, last_seen)
       SELECT merchant_id, customer_id, currency, count(*), count(*) FILTER (WHERE succeeded), coalesce(sum(gross_minor) FILTER (WHERE succeeded), 0), min(first_at), max(last_at)
       FROM payments WHERE merchant_id = $1 AND customer_id = ANY($2::text[]) GROUP BY 1, 2, 3
       ON CONFLICT (merchant_id, customer_id, currency) DO UPDATE SET transactions = EXCLUDED.transactions, succeeded = EXCLUDED.succeeded,
         spent_minor = EXCLUDED.spent_minor, first_seen = EXCLUDED.first_seen, last_seen = EXCLUDED.last_seen`,
      [merchantId, customers],
    );
    const completed = events.filter((e) => e.type === 'payment.completed');
    if (completed.length > 0) {
      const np: unknown[] = [];
      const values = completed.map((e, i) => {
        np.push(`ntf_${randomUUID()}`, e.customerId, merchantId, 'payment.completed', 'HIGH', 'Payment successful', `Your payment of ${e.amountMinor} was successful.`,
          JSON.stringify({ eventId: e.eventId, amountMinor: e.amountMinor }), `event:${merchantId}:${e.eventId}:customer`);
        return `(${Array.from({ length: 9 }, (_, k) => `$${i * 9 + k + 1}`).join(', ')})`;
      });
      await c.query(
        `INSERT INTO notifications (id, user_id, merchant_id, type, priority, title, body, data, dedup_key) VALUES ${values.join(', ')}
         ON CONFLICT (user_id, dedup_key) DO NOTHING`,
        np,
      );
    }
    await c.query('COMMIT');
  } catch (error) {
    await c.query('ROLLBACK');
    throw error;
  } finally {
    c.release();
  }
}

async function main() {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '10000' }, batch: { type: 'string', default: '1000' } } });
  const { createApp } = await import('../src/app.js');
  const { loadConfig } = await import('../src/config.js');
  const { createBenchDatabase } = await import('./support.js');
  const { benchEvent } = await import('./workload.js');
  const db = await createBenchDatabase();
  // The app only migrates the database; the limit runs on plain pg.
  const app = await createApp(loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', DEMO_MERCHANT: '0', DATABASE_URL: db.url, NOTIFICATIONS_WORKER: 'false' }));
  await app.start();
  await app.domain.merchants.ensure({ id: 'm_limit', name: 'Limit', timezone: 'UTC' });
  await app.stop();
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const n = Number(values.events);
  const rate = await sameWorkLimit(pool, 'm_limit', Array.from({ length: n }, (_, i) => benchEvent(i, 'limit', 'm_limit')), Number(values.batch));
  console.log(`same-work limit: ${Math.round(rate)} events/s (${n} events, ${values.batch} per transaction)`);
  await pool.end();
  await db.drop();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
