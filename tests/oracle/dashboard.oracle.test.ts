/**
 * Random streams relative to the real current time (the last ~6 weeks, a few events up to two
 * hours ahead), so dashboardOverview (today, yesterday, this month, growth), paymentMethods(days),
 * topProducts(days, limit, currency) and customers (newToday) have something to say. The model
 * uses the server's own `today` (read from dashboardOverview before and after, everything read
 * again if a local midnight passed). Both modes.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, it } from 'vitest';
import { MODES, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { NEEDS } from '../support/tenants.js';
import { assertStreams, checkAll, sendStream } from './drive.js';
import { addDays, localDay } from './model.js';
import { customerId, DEFAULT_POOLS, fcParams, localMidnight, materialize, reference, streamArb, walletId } from './streams.js';
import { newTenant, startOracleApp } from './server.js';

/** Days back from today the events may fall on (a month boundary is always inside). */
const SPAN = 42;
const RUNS = 4;

for (const mode of MODES) {
  await describeWith(NEEDS[mode], `oracle: dashboard of random streams around now (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startOracleApp(mode);
    });
    afterAll(() => t?.stop());

    it('answers dashboardOverview, paymentMethods(days), topProducts(days) and customers as docs/analytics.md defines them', async () => {
      let n = 0;
      await assertStreams(
        (record) =>
          fc.asyncProperty(
            // Most payments in the last few days, so today/yesterday are rarely empty.
            fc.oneof(streamArb({ days: 3 }), streamArb({ days: SPAN })),
            fc.constantFrom(1, 2, 7, 30, 45),
            fc.integer({ min: 1, max: 4 }),
            async (spec, days, limit) => {
              const tag = randomUUID().slice(0, 6);
              const tenant = await newTenant(t, spec.timezone);
              const now = Date.now();
              const today = localDay(now, spec.timezone);
              // The stream's last day is today; nothing later than two hours from now.
              const last = Math.max(...spec.groups.map((g) => g.day));
              const events = materialize(spec, addDays(today, -last), { tag }, now + 2 * 3_600_000);
              const { stored, problems } = await sendStream(t, tenant, events, spec.plan);
              const from = localMidnight(addDays(today, -(SPAN + 2)), spec.timezone);
              problems.push(
                ...(await checkAll(t, tenant, stored, {
                  from,
                  to: now + 26 * 3_600_000,
                  // HOURLY: at most 744 hours, so the last 29 days (whole hours, inside the range).
                  hourlyFrom: Math.floor(now / 3_600_000) * 3_600_000 - 29 * 86_400_000,
                  days,
                  limit,
                  references: [reference(DEFAULT_POOLS.refs)],
                  walletIds: Array.from({ length: DEFAULT_POOLS.wallets }, (_, i) => walletId(tag, i)),
                  owners: Array.from({ length: DEFAULT_POOLS.customers }, (_, i) => customerId(tag, i)),
                })),
              );
              record(`stream #${n++} (${mode}, merchant ${tenant.id}, ${spec.timezone}, days ${days}, ${events.length} events, ${stored.length} stored)`, problems);
            },
          ),
        fcParams(RUNS, 27_002),
      );
    }, 900_000);
  });
}
