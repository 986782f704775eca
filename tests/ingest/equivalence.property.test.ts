/**
 * The set-based ingest path (issue 18) is the old one, faster: the same random streams (the
 * metamorphic test's generators) go, in the same batches, through the frozen pre-issue-18 pipeline
 * (tests/support/reference) into one database and through the live pipeline into another, and
 * every table the ingest writes must end up identical, compared by natural keys (generated ids
 * and timestamps left out), as must each item's outcome and every message published (payment
 * events, wallet balances, order states, in order). Merchant sequences, wallet versions,
 * ledger entries, order histories and the outbox are compared too: with the same batches in the
 * same order they are deterministic.
 * EQUIVALENCE_RUNS=200 is the full run (the default); fewer while iterating.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { IngestResult } from '../../src/ingest/batch.js';
import type { IngestPipeline } from '../../src/ingest/pipeline.js';
import { startTestApp, type Mode, type TestApp } from '../support/app.js';
import { createReferencePipeline } from '../support/reference/index.js';
import { describeWith } from '../support/services.js';
import { analyticsRows } from '../support/analytics-rows.js';
import { envelopes, ORDERS, rng, streamArb, VARIANTS, type Stream } from '../support/streams.js';
import { NEEDS } from '../support/tenants.js';

const RUNS = Number(process.env.EQUIVALENCE_RUNS ?? 200);
/** Sequential deliveries only: two racing pipelines would make the merchant sequences differ. */
const SEQUENTIAL = Object.keys(VARIANTS).filter((v) => v !== 'two pipelines at once');

type Side = { t: TestApp; pipeline: IngestPipeline; published: [string, string, unknown][] };

/** Topics the ingest publishes to (notifications are left out: the reference stages them without publishing). */
const INGEST_TOPICS = new Set(['paymentEvents', 'walletBalance', 'orderStatus', 'merchantOrders']);
/** Generated per arrival, not per event: the global cursor, receive and change times. */
const GENERATED = new Set(['seq', 'receivedAt', 'at', 'updatedAt', 'createdAt']);

/** Records what the app's pipeline publishes (its pubsub object is shared with the pipeline). */
function recordPublishes(t: TestApp): [string, string, unknown][] {
  const published: [string, string, unknown][] = [];
  const { pubsub } = t;
  const publish = pubsub.publish.bind(pubsub);
  pubsub.publish = (async (topic: string, key: string, payload: unknown) => {
    if (INGEST_TOPICS.has(topic)) published.push([topic, key, JSON.parse(JSON.stringify(payload, (k, v: unknown) => (GENERATED.has(k) ? undefined : v)))]);
    return publish(topic as never, key as never, payload as never);
  }) as typeof pubsub.publish;
  return published;
}

async function prepare(side: Side, merchantId: string, s: Stream): Promise<Record<string, string>> {
  const { domain, db } = side.t;
  await domain.merchants.ensure({ id: merchantId, name: merchantId, timezone: s.zone, defaultCurrency: 'KES' });
  const orders: Record<string, string> = {};
  for (const [symbol, o] of Object.entries(ORDERS)) {
    const order = await domain.orders.create({
      merchantId,
      vendorId: null,
      customerId: 'c1',
      items: [{ name: symbol, quantity: 1, unitPriceMinor: o.amount }],
      currency: o.currency,
      estimatedReadyAt: null,
      actor: 'test',
    });
    orders[symbol] = order.id;
  }
  // Staff enrolled for the merchant, reachable by push and wanting even LOW payment notices.
  const staff = `staff-${merchantId}`;
  await db.prisma.$executeRawUnsafe(`INSERT INTO notification_recipients (user_id, role, merchant_id) VALUES ($1, 'merchant', $2)`, staff, merchantId);
  await db.prisma.$executeRawUnsafe(`INSERT INTO device_tokens (token, user_id, platform) VALUES ($1, $1, 'android')`, staff);
  await db.prisma.$executeRawUnsafe(`INSERT INTO notification_preferences (user_id, type, push) VALUES ($1, 'payment.received', true)`, staff);
  return orders;
}

/** Customers the outbox can reach: c1 by push and email, c2 by SMS only (push turned off for payments). */
async function enrollCustomers(t: TestApp) {
  const run = (sql: string) => t.db.prisma.$executeRawUnsafe(sql);
  await run(`INSERT INTO notification_recipients (user_id, role, email, email_verified_at) VALUES ('c1', 'customer', 'c1@example.com', now())`);
  await run(`INSERT INTO notification_recipients (user_id, role, phone, phone_verified_at) VALUES ('c2', 'customer', '+254700000002', now())`);
  await run(`INSERT INTO device_tokens (token, user_id, platform) VALUES ('token-c1', 'c1', 'ios')`);
  await run(`INSERT INTO notification_preferences (user_id, type, push, sms) VALUES ('c2', 'payment.completed', false, true)`);
}

/** Every row the ingest writes for the merchant, by natural key; order ids replaced by their symbols. */
async function tables(t: TestApp, merchantId: string, orders: Record<string, string>) {
  const { prisma } = t.db;
  const rows = (sql: string) => prisma.$queryRawUnsafe<Record<string, unknown>[]>(sql, merchantId);
  const snapshot = {
    merchant: await rows(`SELECT last_event_seq FROM merchants WHERE id = $1`),
    events: await rows(`SELECT merchant_seq, event_id, schema_version, type, provider, payment_method, amount_minor, fee_minor, currency, customer_id,
        product_id, product_name, order_id, wallet_id, reference, occurred_at, source, payment_key, metadata::text
      FROM payment_events WHERE merchant_id = $1 ORDER BY merchant_seq`),
    ...(await analyticsRows(rows)),
    wallets: await rows(`SELECT id, owner_id, currency, available_minor::text, pending_minor::text, version, opened_by
      FROM wallets WHERE merchant_id = $1 ORDER BY id COLLATE "C"`),
    walletPayments: await rows(`SELECT wallet_id, payment_key, kind, status, available_minor::text, pending_minor::text
      FROM wallet_payments WHERE merchant_id = $1 ORDER BY wallet_id COLLATE "C", payment_key COLLATE "C", kind`),
    ledger: await rows(`SELECT wallet_id, version, event_id, event_type, payment_key, reason, actor, available_delta_minor::text, pending_delta_minor::text,
        available_minor::text, pending_minor::text
      FROM ledger_entries WHERE merchant_id = $1 ORDER BY wallet_id COLLATE "C", version`),
    orders: await rows(`SELECT id, status, version, amount_minor, currency FROM orders WHERE merchant_id = $1 ORDER BY amount_minor`),
    orderChanges: await rows(`SELECT c.order_id, c.version, c.from_status, c.to_status, c.actor, c.reason
      FROM order_status_changes c JOIN orders o ON o.id = c.order_id WHERE o.merchant_id = $1 ORDER BY o.amount_minor, c.version`),
    notifications: await rows(`SELECT user_id, dedup_key, type, priority, title, body, data::text, read_at
      FROM notifications WHERE merchant_id = $1 ORDER BY user_id COLLATE "C", dedup_key COLLATE "C"`),
    notificationOrder: await rows(`SELECT user_id, dedup_key FROM notifications WHERE merchant_id = $1 ORDER BY seq`),
    deliveries: await rows(`SELECT n.user_id, n.dedup_key, d.channel, d.status, d.attempts, d.last_error
      FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
      WHERE n.merchant_id = $1 ORDER BY n.user_id COLLATE "C", n.dedup_key COLLATE "C", d.channel`),
  };
  let text = JSON.stringify(snapshot, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? v.trimEnd() : v));
  for (const [symbol, id] of Object.entries(orders)) text = text.replaceAll(id, symbol);
  return JSON.parse(text) as unknown;
}

const outcomes = (results: IngestResult[]) =>
  results.map((r) => r.items.map((o) => (o.status === 'ingested' || o.status === 'duplicate' ? [o.status, o.event.eventId, o.event.merchantSeq.toString()] : [o.status])));

for (const mode of ['embedded', 'services'] as Mode[]) {
  await describeWith(NEEDS[mode], `the set-based ingest writes what the reference pipeline writes (${mode})`, () => {
    let reference: Side;
    let live: Side;
    beforeAll(async () => {
      const env = { LOG_LEVEL: 'silent', NOTIFICATIONS_WORKER: 'false' };
      const a = await startTestApp({ mode, env });
      const b = await startTestApp({ mode, env });
      for (const t of [a, b]) await enrollCustomers(t);
      const recorded = [recordPublishes(a), recordPublishes(b)] as const;
      reference = { t: a, pipeline: createReferencePipeline(a.app.infra), published: recorded[0] };
      live = { t: b, pipeline: b.pipeline, published: recorded[1] };
    });
    afterAll(async () => {
      await reference?.t.stop();
      await live?.t.stop();
    });

    async function deliver(side: Side, merchantId: string, s: Stream, variant: string) {
      const orders = await prepare(side, merchantId, s);
      const batches = VARIANTS[variant]!(envelopes(merchantId, orders, s), rng(s.seed))[0]!;
      const results: IngestResult[] = [];
      side.published.length = 0;
      for (const batch of batches) results.push(await side.pipeline.ingest(batch, { source: 'api' }));
      // Published in the same order with the same payloads (order ids as their symbols).
      let published = JSON.stringify(side.published);
      for (const [symbol, id] of Object.entries(orders)) published = published.replaceAll(id, symbol);
      return { outcomes: outcomes(results), tables: await tables(side.t, merchantId, orders), published: JSON.parse(published) as unknown };
    }

    it(`gives identical tables for ${RUNS} random streams`, async () => {
      let streams = 0;
      /** Rows seen per table over all streams: the streams must exercise every effect. */
      const seen: Record<string, number> = {};
      await fc.assert(
        fc.asyncProperty(streamArb, async (s) => {
          const variant = SEQUENTIAL[streams % SEQUENTIAL.length]!;
          const merchantId = `m_eq_${streams}_${(s.seed >>> 0).toString(36)}`;
          const expected = await deliver(reference, merchantId, s, variant);
          const actual = await deliver(live, merchantId, s, variant);
          expect(actual, `${variant}, stream ${streams}`).toEqual(expected);
          for (const [table, rows] of Object.entries(expected.tables as Record<string, unknown[]>)) seen[table] = (seen[table] ?? 0) + rows.length;
          for (const [topic] of expected.published as [string][]) seen[`published ${topic}`] = (seen[`published ${topic}`] ?? 0) + 1;
          streams += 1;
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
      console.log(`[equivalence ${mode}] ${streams} streams: identical tables (rows compared: ${JSON.stringify(seen)})`);
      if (RUNS >= 20) for (const table of ['events', 'payments', 'hourly', 'customers', 'wallets', 'ledger', 'orderChanges', 'notifications', 'deliveries', 'published paymentEvents', 'published walletBalance', 'published orderStatus']) {
        expect(seen[table], table).toBeGreaterThan(0);
      }
    }, 3_600_000);
  });
}
