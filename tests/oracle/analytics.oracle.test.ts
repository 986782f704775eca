/**
 * Random streams on fixed past dates (2026-09-24 → 10-07: Chatham's and Lord Howe's DST starts
 * fall inside), sent shuffled, split, partly concurrently and redelivered; every DAILY and
 * HOURLY bucket, the customers and topProducts lists, tracking and wallets compared with the
 * model of tests/oracle/model.ts (written from docs/ only). Both modes.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, it } from 'vitest';
import { MODES, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { NEEDS } from '../support/tenants.js';
import { assertStreams, checkAll, sendStream } from './drive.js';
import { customerId, DEFAULT_POOLS, fcParams, localMidnight, materialize, reference, streamArb, walletId } from './streams.js';
import { newTenant, startOracleApp } from './server.js';

const FIRST_DAY = '2026-09-24';
const DAYS = 14;
/** Streams per mode (× ANALYTICS_RUNS). */
const RUNS = 4;

for (const mode of MODES) {
  await describeWith(NEEDS[mode], `oracle: analytics of random streams on fixed dates (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startOracleApp(mode);
    });
    afterAll(() => t?.stop());

    it('answers every bucket, list, status and wallet as docs/analytics.md, docs/wallets.md and docs/tracking.md define them', async () => {
      let n = 0;
      await assertStreams(
        (record) =>
          fc.asyncProperty(streamArb({ days: DAYS }), fc.constantFrom<'token' | 'apiKey'>('token', 'apiKey'), fc.integer({ min: 1, max: 4 }), async (spec, via, limit) => {
            const tag = randomUUID().slice(0, 6);
            const tenant = await newTenant(t, spec.timezone, via);
            const events = materialize(spec, FIRST_DAY, { tag });
            const { stored, problems } = await sendStream(t, tenant, events, spec.plan);
            const from = localMidnight(FIRST_DAY, spec.timezone) - 3 * 86_400_000;
            problems.push(
              ...(await checkAll(t, tenant, stored, {
                from,
                to: from + (DAYS + 6) * 86_400_000,
                days: 366,
                limit,
                references: [reference(DEFAULT_POOLS.refs)],
                walletIds: Array.from({ length: DEFAULT_POOLS.wallets }, (_, i) => walletId(tag, i)),
                owners: Array.from({ length: DEFAULT_POOLS.customers }, (_, i) => customerId(tag, i)),
              })),
            );
            record(`stream #${n++} (${mode}, merchant ${tenant.id} via ${via}, ${spec.timezone}, ${events.length} events, ${stored.length} stored)`, problems);
          }),
        fcParams(RUNS, 13_001),
      );
    }, 900_000);
  });
}
