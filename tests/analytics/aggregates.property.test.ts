/**
 * Property: whatever the event stream — duplicates, out-of-order delivery, status sequences,
 * several currencies, timezones around midnight, two pipelines ingesting concurrently — every
 * aggregate equals a recomputation from the raw events with plain SQL (tests/analytics/recompute.ts).
 * ANALYTICS_RUNS=2000 npm test -- tests/analytics runs more cases.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { createAnalyticsEffect } from '../../src/analytics/aggregates.js';
import { createIngestPipeline, type IngestPipeline } from '../../src/ingest/pipeline.js';
import { createLogger } from '../../src/lib/logger.js';
import { createMemoryPubSub } from '../../src/pubsub/memory.js';
import { startTestApp, type Mode, type TestApp } from '../support/app.js';
import { NEEDS } from '../support/tenants.js';
import { describeWith } from '../support/services.js';
import { compareAggregates } from './recompute.js';

const RUNS = Number(process.env.ANALYTICS_RUNS ?? 200);
const TYPES = ['payment.initiated', 'payment.pending', 'payment.processing', 'payment.completed', 'payment.failed', 'payment.refunded', 'refund.processed', 'transfer.success'] as const;
const ZONES = ['Africa/Nairobi', 'Africa/Lagos', 'UTC'] as const;
// Around a UTC midnight: 21:00 the day before to 03:00, so Nairobi (+3) and Lagos (+1) days differ from UTC's.
const MIDNIGHT = Date.UTC(2026, 10, 20);

const eventArb = fc.record({
  reference: fc.option(fc.constantFrom('R1', 'R2', 'R3', 'R4', 'R5', 'R6'), { nil: null, freq: 4 }),
  type: fc.constantFrom(...TYPES),
  amountMinor: fc.bigInt({ min: 0n, max: 100_000n }),
  feeMinor: fc.bigInt({ min: 0n, max: 500n }),
  currency: fc.constantFrom('KES', 'NGN', 'XOF'),
  customerId: fc.option(fc.constantFrom('c1', 'c2', 'c3', 'c4'), { nil: null }),
  paymentMethod: fc.option(fc.constantFrom('card', 'mobile_money', 'ussd'), { nil: null }),
  productId: fc.option(fc.constantFrom('p1', 'p2'), { nil: null }),
  offsetMinutes: fc.integer({ min: -180, max: 180 }),
});

const scenarioArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  events: fc.array(eventArb, { minLength: 1, maxLength: 25 }),
  // Which events are delivered again, and the delivery order and batching.
  repeats: fc.array(fc.nat(), { maxLength: 8 }),
  order: fc.array(fc.nat(), { maxLength: 40 }),
  batch: fc.integer({ min: 1, max: 6 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function envelopes(merchantId: string, s: Scenario) {
  const base = s.events.map((e, i) => ({
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
    productId: e.productId,
    productName: e.productId ? `Product ${e.productId}` : null,
    occurredAt: new Date(MIDNIGHT + e.offsetMinutes * 60_000).toISOString(),
  }));
  const all = [...base, ...s.repeats.map((r) => base[r % base.length]!)];
  // A permutation driven by `order` (Fisher-Yates with the generated numbers).
  for (let i = all.length - 1; i > 0; i--) {
    const j = (s.order[i % Math.max(1, s.order.length)] ?? 0) % (i + 1);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  const batches = [];
  for (let i = 0; i < all.length; i += s.batch) batches.push(all.slice(i, i + s.batch));
  return batches;
}

for (const mode of ['embedded', 'services'] as Mode[]) {
  await describeWith(NEEDS[mode], `aggregates equal a recomputation from raw events (${mode})`, () => {
    let t: TestApp;
    let second: Database | undefined;
    let pipelines: IngestPipeline[];
    beforeAll(async () => {
      t = await startTestApp({ mode });
      const { db } = t.app.services;
      const logger = createLogger({ level: 'silent' });
      // A second pipeline on its own connections (PostgreSQL), as a second instance would have.
      if (t.config.database.kind === 'postgres') second = await createDatabase(t.config.database);
      pipelines = [t.app.services.pipeline, createIngestPipeline({ prisma: (second ?? db).prisma, pubsub: createMemoryPubSub(), logger, effects: [createAnalyticsEffect()] })];
    });
    afterAll(async () => {
      await second?.close();
      await t?.stop();
    });

    it(`holds for ${mode === 'embedded' ? RUNS : Math.ceil(RUNS / 2)} random streams`, async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, async (s) => {
          const merchantId = `m_${randomUUID().slice(0, 8)}`;
          await t.app.services.merchants.ensure({ id: merchantId, name: merchantId, timezone: s.zone, defaultCurrency: 'KES' });
          const batches = envelopes(merchantId, s);
          // Two pipelines at once, each taking every other batch.
          await Promise.all(
            [0, 1].map(async (p) => {
              for (let i = p; i < batches.length; i += 2) {
                const result = await pipelines[p]!.ingest(batches[i]!, { source: 'api' });
                expect(result.rejected).toBe(0);
              }
            }),
          );
          const cmp = await compareAggregates(t.app.services.db.prisma, merchantId, s.zone);
          for (const [table, { expected, actual }] of Object.entries(cmp)) expect(actual, table).toEqual(expected);
        }),
        { numRuns: mode === 'embedded' ? RUNS : Math.ceil(RUNS / 2) },
      );
    }, 600_000);
  });
}

describe('the recomputation can fail', () => {
  it('notices a tampered aggregate row', async () => {
    const t = await startTestApp({ mode: 'embedded' });
    try {
      const merchantId = 'm_tamper';
      await t.app.services.merchants.ensure({ id: merchantId, name: merchantId, timezone: 'UTC', defaultCurrency: 'KES' });
      await t.app.services.pipeline.ingest([{ eventId: 'e1', merchantId, type: 'payment.completed', provider: 'mpesa', amountMinor: '100', currency: 'KES' }], { source: 'api' });
      const clean = await compareAggregates(t.app.services.db.prisma, merchantId, 'UTC');
      expect(clean.daily.actual).toEqual(clean.daily.expected);
      expect(clean.daily.actual).toHaveLength(1);
      await t.app.services.db.prisma.$executeRawUnsafe(`UPDATE agg_daily SET gross_minor = gross_minor + 1 WHERE merchant_id = '${merchantId}'`);
      const tampered = await compareAggregates(t.app.services.db.prisma, merchantId, 'UTC');
      expect(tampered.daily.actual).not.toEqual(tampered.daily.expected);
    } finally {
      await t.stop();
    }
  });
});
