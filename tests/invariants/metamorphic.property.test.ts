/**
 * The invariant of docs/analytics.md and docs/wallets.md, tested as such and needing no reading of
 * either: every derived number is a function of the SET of stored events. One random stream —
 * payments sharing references, late events, several completions, refunds above the gross,
 * wallets (with events lacking a customer, and events before the wallet opens), transfers and
 * reversals, orders paid by completions — is ingested into fresh merchants in several ways:
 *
 *   1. one batch, in generation order;
 *   2. shuffled, split into batches at random;
 *   3. one event per batch, in reverse order;
 *   4. by two pipelines at once, each taking an overlapping random part (every event at least once);
 *      with PostgreSQL the second is another app instance on the same database (its own queue and
 *      connections, as a second server would have), so the two really race for the merchant;
 *   5. shuffled, in small batches, with redeliveries (earlier events again, and twice in one batch).
 *
 * Every derived table (payments, hourly/daily/method/product aggregates, customer stats, wallets
 * and what each deposit or transfer holds, order states, tracking states) and the analytics
 * answers computed from them must be identical across the five, in both modes. Versions, ledger
 * histories and cursors are the record of arrival and are not compared (docs/wallets.md).
 * ANALYTICS_RUNS=2000 npx vitest run tests/invariants runs more streams.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { IngestResult } from '../../src/ingest/batch.js';
import { startTestApp, type Mode, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { analyticsRows } from '../support/analytics-rows.js';
import { NEEDS } from '../support/tenants.js';
import { BASE, envelopes, ORDERS, rng, streamArb, VARIANTS, type Stream } from '../support/streams.js';

const RUNS = Number(process.env.ANALYTICS_RUNS ?? 100);
/** Everything derived for one merchant, with the merchant id and the arrival-bound columns left out. */
async function snapshot(t: TestApp, merchantId: string, orders: Record<string, string>, s: Stream) {
  const { prisma } = t.db;
  const rows = (sql: string) => prisma.$queryRawUnsafe<Record<string, unknown>[]>(sql, merchantId);
  const orderSymbol = new Map(Object.entries(orders).map(([symbol, id]) => [id, symbol]));
  const now = new Date(BASE + 86_400_000);
  const analytics = t.domain.analytics;
  const currencies = [...new Set(s.events.map((e) => e.currency))].sort();
  const references = [...new Set(s.events.flatMap((e) => (e.reference === null ? [] : [e.reference as string])))].sort();
  const tracking = async (kind: 'payment' | 'transfer', reference: string) => {
    const state = await t.domain.tracking.state(kind, merchantId, reference);
    return state && { status: state.status, latest: state.latest.eventId, customers: state.customerIds, history: state.history.map((h) => [h.status, h.event.eventId]) };
  };
  return normalise({
    ...(await analyticsRows(rows)),
    wallets: await rows(`SELECT id, owner_id, currency, available_minor::text, pending_minor::text, opened_by
      FROM wallets WHERE merchant_id = $1 ORDER BY id COLLATE "C"`),
    walletPayments: await rows(`SELECT wallet_id, payment_key, kind, status, available_minor::text, pending_minor::text
      FROM wallet_payments WHERE merchant_id = $1 ORDER BY wallet_id COLLATE "C", payment_key COLLATE "C", kind`),
    orders: (await rows(`SELECT id, status FROM orders WHERE merchant_id = $1`)).map((o) => [orderSymbol.get(o.id as string), o.status]).sort(),
    tracking: await Promise.all(references.flatMap((r) => [tracking('payment', r), tracking('transfer', r)])),
    answers: {
      overview: await analytics.overview(merchantId, now),
      daily: await analytics.daily(merchantId, '2026-11-18', '2026-11-23'),
      hourly: await analytics.hourly(merchantId, new Date(BASE - 86_400_000), new Date(BASE + 86_400_000)),
      methods: await analytics.paymentMethods(merchantId, 30, now),
      products: await Promise.all(currencies.map((c) => analytics.topProducts(merchantId, c, 30, 10, now))),
      customers: await Promise.all(currencies.map((c) => analytics.customers(merchantId, c, 10, now))),
    },
  });
}

/** JSON-comparable: bigint and Date as strings, padded CHAR columns trimmed. */
function normalise(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value.trimEnd();
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  return value;
}

for (const mode of ['embedded', 'services'] as Mode[]) {
  await describeWith(NEEDS[mode], `derived state is a function of the set of events (${mode})`, () => {
    let t: TestApp;
    let second: TestApp | undefined;
    beforeAll(async () => {
      t = await startTestApp({ mode, env: { LOG_LEVEL: 'silent' } });
      const { database } = t.config;
      if (database.kind === 'postgres') second = await startTestApp({ mode, databaseUrl: database.url, env: { LOG_LEVEL: 'silent' } });
    });
    afterAll(async () => {
      // The second first: stopping the first drops the shared database.
      await second?.stop();
      await t?.stop();
    });

    async function deliver(s: Stream, variant: string) {
      const merchantId = `m_${randomUUID().slice(0, 10)}`;
      await t.domain.merchants.ensure({ id: merchantId, name: merchantId, timezone: s.zone, defaultCurrency: 'KES' });
      const orders: Record<string, string> = {};
      for (const [symbol, o] of Object.entries(ORDERS)) {
        const order = await t.domain.orders.create({
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
      const events = envelopes(merchantId, orders, s);
      const pipelines = VARIANTS[variant]!(events, rng(s.seed));
      const results: IngestResult[] = [];
      await Promise.all(
        pipelines.map(async (batches, i) => {
          const pipeline = (i === 1 && second ? second : t).pipeline;
          for (const batch of batches) results.push(await pipeline.ingest(batch, { source: 'api' }));
        }),
      );
      // Every event stored once; the rest are duplicates; nothing refused.
      expect(results.reduce((n, r) => n + r.rejected, 0)).toBe(0);
      expect(results.reduce((n, r) => n + r.ingested, 0)).toBe(events.length);
      return snapshot(t, merchantId, orders, s);
    }

    it(`gives identical state for ${RUNS} random streams delivered five ways`, async () => {
      let streams = 0;
      await fc.assert(
        fc.asyncProperty(streamArb, async (s) => {
          const [first, ...others] = Object.keys(VARIANTS);
          const expected = await deliver(s, first!);
          for (const variant of others) expect(await deliver(s, variant!), `${variant} vs ${first}`).toEqual(expected);
          streams += 1;
        }),
        // No shrinking: each run is five deliveries; the seed and the counterexample are printed.
        { numRuns: RUNS, endOnFailure: true },
      );
      console.log(`[metamorphic ${mode}] ${streams} streams × ${Object.keys(VARIANTS).length} deliveries: identical derived state`);
    }, 3_600_000);
  });
}
