/**
 * Dashboard query cost against the number of events: one merchant with 10,000 events and one
 * with 1,000,000 (default), loaded in the same run through a fast bulk path (generate_series
 * into payment_events, aggregates built with one INSERT … SELECT per table — this bench's loader,
 * not the ingest path; it leaves new_customers at 0), then every dashboard query's p50/p95 over HTTP for both. The queries read
 * aggregates only, so the ratio big/small should stay near 1. Also: one `ingestPaymentEvents` call
 * of 1000 events through the real pipeline (aggregates updated in its transaction).
 *
 *   npm run bench:analytics [-- --events 1000000 --small 10000 --runs 50]
 *
 * Needs PostgreSQL (BENCH_DATABASE_URL, default 127.0.0.1:5432).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.js';
import { signToken } from '../src/auth/jwt.js';
import { loadConfig } from '../src/config.js';
import { createBenchDatabase } from './support.js';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '1000000' }, small: { type: 'string', default: '10000' }, runs: { type: 'string', default: '50' } },
});
const BIG = Number(values.events);
const SMALL = Number(values.small);
const RUNS = Number(values.runs);
const TZ = 'Africa/Nairobi';

const QUERIES: Record<string, string> = {
  dashboardOverview: '{ dashboardOverview { currencies { currency today { transactions net { amount } } growth { gross } thisMonth { transactions } } } }',
  'analytics DAILY 90d': `{ analytics(from: "${new Date(Date.now() - 89 * 86_400_000).toISOString()}", to: "${new Date().toISOString()}") { bucket totals { transactions gross { amountMinor } } } }`,
  'analytics HOURLY 7d': `{ analytics(from: "${new Date(Date.now() - 7 * 86_400_000).toISOString()}", to: "${new Date().toISOString()}", granularity: HOURLY) { bucket totals { transactions } } }`,
  'paymentMethods(30)': '{ paymentMethods(days: 30) { paymentMethod currency transactions share } }',
  'topProducts(30, 10)': '{ topProducts(days: 30, limit: 10) { productId sold revenue { amount } } }',
  'customers(10)': '{ customers(limit: 10) { customers returning newToday topSpenders { customerId spent { amount } } } }',
};

async function main() {
  const db = await createBenchDatabase();
  const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', DEMO_MERCHANT: '0', DATABASE_URL: db.url, JWT_SECRET: 'bench-secret-0123456789abcdef0123456789' });
  const app = await createApp(config);
  const { url } = await app.start();
  const prisma = app.infra.db.prisma;

  async function bulkLoad(merchantId: string, n: number) {
    await app.domain.merchants.ensure({ id: merchantId, name: merchantId, timezone: TZ, defaultCurrency: 'KES' });
    const t0 = performance.now();
    // Spread over 120 days up to now; 3 currencies, 4 methods, 50 products, 20k customers, ~10% failed, ~3% refunds.
    await prisma.$executeRawUnsafe(`
      INSERT INTO payment_events (merchant_id, merchant_seq, event_id, schema_version, type, provider, payment_method, amount_minor, fee_minor,
        currency, customer_id, product_id, product_name, occurred_at, source, payment_key, metadata)
      SELECT '${merchantId}', i, 'b' || i, 2,
        CASE WHEN i % 10 = 0 THEN 'payment.failed' WHEN i % 33 = 0 THEN 'refund.processed' ELSE 'payment.completed' END,
        'mpesa', (ARRAY['mobile_money','card','ussd','bank_transfer'])[1 + i % 4], 1000 + (i * 7919) % 100000, 15,
        (ARRAY['KES','NGN','XOF'])[1 + i % 3], 'c' || (i * 31) % 20000, 'p' || (i * 13) % 50, 'Product ' || (i * 13) % 50,
        now() - ((i * 104729) % (120 * 86400)) * interval '1 second', 'api', 'evt:b' || i, '{}'
      FROM generate_series(1::bigint, ${n}::bigint) AS i`);
    await prisma.$executeRawUnsafe(`UPDATE merchants SET last_event_seq = ${n} WHERE id = '${merchantId}'`);
    const p = `SELECT *, type = 'payment.completed' AS ok, type = 'payment.failed' AS bad, (occurred_at AT TIME ZONE '${TZ}')::date AS day,
      date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour FROM payment_events WHERE merchant_id = '${merchantId}'`;
    const sums = `count(*), count(*) FILTER (WHERE ok), count(*) FILTER (WHERE bad), 0, COALESCE(sum(amount_minor) FILTER (WHERE ok), 0),
      COALESCE(sum(fee_minor) FILTER (WHERE ok), 0), COALESCE(sum(amount_minor - fee_minor) FILTER (WHERE ok), 0), 0, 0`;
    const cols = 'transactions, succeeded, failed, refunded, gross_minor, fee_minor, net_minor, refunded_minor, new_customers';
    await prisma.$executeRawUnsafe(`INSERT INTO agg_daily (merchant_id, currency, day, ${cols}) SELECT merchant_id, currency, day, ${sums} FROM (${p}) e GROUP BY 1, 2, 3`);
    await prisma.$executeRawUnsafe(`INSERT INTO agg_hourly (merchant_id, currency, hour, ${cols}) SELECT merchant_id, currency, hour, ${sums} FROM (${p}) e GROUP BY 1, 2, 3`);
    await prisma.$executeRawUnsafe(`INSERT INTO agg_method_daily SELECT merchant_id, currency, payment_method, day, count(*), count(*) FILTER (WHERE ok),
      COALESCE(sum(amount_minor) FILTER (WHERE ok), 0) FROM (${p}) e GROUP BY 1, 2, 3, 4`);
    await prisma.$executeRawUnsafe(`INSERT INTO agg_product_daily SELECT merchant_id, currency, product_id, day, count(*), sum(amount_minor)
      FROM (${p}) e WHERE ok GROUP BY 1, 2, 3, 4`);
    // topProducts reads each product's name from its latest payment.
    await prisma.$executeRawUnsafe(`INSERT INTO payments (merchant_id, payment_key, currency, first_at, last_at, hour_utc, day_local, customer_id, payment_method,
        product_id, product_name, succeeded, failed, refunded, gross_minor, fee_minor, refunded_minor, events)
      SELECT merchant_id, payment_key, currency, occurred_at, occurred_at, hour, day, customer_id, payment_method, product_id, product_name, ok, bad, false,
        CASE WHEN ok THEN amount_minor ELSE 0 END, CASE WHEN ok THEN fee_minor ELSE 0 END, 0, 1 FROM (${p}) e`);
    await prisma.$executeRawUnsafe(`INSERT INTO customer_stats SELECT merchant_id, customer_id, currency, count(*), count(*) FILTER (WHERE ok),
      COALESCE(sum(amount_minor) FILTER (WHERE ok), 0), min(occurred_at), max(occurred_at) FROM (${p}) e GROUP BY 1, 2, 3`);
    await prisma.$executeRawUnsafe('ANALYZE');
    return performance.now() - t0;
  }

  const small = `m_small_${randomUUID().slice(0, 6)}`;
  const big = `m_big_${randomUUID().slice(0, 6)}`;
  const loadSmall = await bulkLoad(small, SMALL);
  const loadBig = await bulkLoad(big, BIG);

  async function timeQuery(merchantId: string, query: string) {
    const token = await signToken(config.auth, { sub: 'bench', role: 'merchant', merchantId });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const samples: number[] = [];
    for (let i = 0; i < RUNS + 5; i++) {
      const t0 = performance.now();
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query }) });
      const body = (await res.json()) as { errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      if (i >= 5) samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    return { p50: samples[Math.floor(samples.length * 0.5)]!, p95: samples[Math.floor(samples.length * 0.95)]! };
  }

  const rows = [];
  for (const [name, query] of Object.entries(QUERIES)) {
    const s = await timeQuery(small, query);
    const b = await timeQuery(big, query);
    rows.push({ query: name, [`p50 ${SMALL}`]: +s.p50.toFixed(2), [`p95 ${SMALL}`]: +s.p95.toFixed(2), [`p50 ${BIG}`]: +b.p50.toFixed(2), [`p95 ${BIG}`]: +b.p95.toFixed(2), 'p50 big/small': +(b.p50 / s.p50).toFixed(2) });
  }

  // One ingestPaymentEvents call of 1000 events on the big merchant, through the real pipeline.
  const token = await signToken(config.auth, { sub: 'bench', role: 'merchant', merchantId: big });
  const ingestMs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const events = Array.from({ length: 1000 }, (_, i) => ({
      eventId: `ing-${r}-${i}`, type: 'PAYMENT_COMPLETED', provider: 'mpesa', paymentMethod: 'CARD', amountMinor: String(1000 + i), feeMinor: '10',
      currency: 'KES', customerId: `c${i % 300}`, productId: `p${i % 50}`, reference: `ref-${r}-${Math.floor(i / 2)}`,
    }));
    const t0 = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation($e: [PaymentEventInput!]!) { ingestPaymentEvents(events: $e) { ingested } }', variables: { e: events } }),
    });
    const body = (await res.json()) as { data?: { ingestPaymentEvents: { ingested: number } } };
    if (body.data?.ingestPaymentEvents.ingested !== 1000) throw new Error(JSON.stringify(body));
    ingestMs.push(performance.now() - t0);
  }
  ingestMs.sort((a, b) => a - b);

  await app.stop();
  await db.drop();

  console.log(`\nbulk load: ${SMALL} events ${(loadSmall / 1000).toFixed(1)} s, ${BIG} events ${(loadBig / 1000).toFixed(1)} s; ${RUNS} timed runs per query (ms, HTTP round trip)\n`);
  console.table(rows);
  console.log(`\ningestPaymentEvents, 1000 events (500 two-event payments) on the ${BIG}-event merchant, 5 calls: p50 ${ingestMs[2]!.toFixed(0)} ms, min ${ingestMs[0]!.toFixed(0)} ms, max ${ingestMs[4]!.toFixed(0)} ms`);
}

await main();
