/**
 * Sums beyond 2^63 (docs/analytics.md, "Range rules": sums are NUMERIC(38,0), no sequence of
 * accepted events can overflow a column, a batch or a later query): ORACLE_SUM_EVENTS events
 * (default 9 400: gross, method gross, product revenue, customer spend and the wallet reach
 * 9.38·10^18 > 2^63 − 1 ≈ 9.22·10^18; ORACLE_SUM_EVENTS=40000 gives 4·10^19)
 * at the 10^15 bound, one merchant-local day, one customer, product, method and wallet, in
 * batches of 1000; every answer compared with the model. Both modes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, it } from 'vitest';
import { MODES, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { NEEDS } from '../support/tenants.js';
import { checkAll, checkIngest } from './drive.js';
import { localDay, type RawEvent } from './model.js';
import * as S from './server.js';
import { MAX_AMOUNT } from './streams.js';

const HOUR = 3_600_000;
const N = Number(process.env.ORACLE_SUM_EVENTS ?? 9_400);

for (const mode of MODES) {
  await describeWith(NEEDS[mode], `oracle: sums beyond 2^63 (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await S.startOracleApp(mode);
    });
    afterAll(() => t?.stop());

    it('keeps sums beyond 2^63 exact: thousands of events at the 10^15 bound in one day (bucket, method, product, customer, wallet)', async () => {
      const tag = randomUUID().slice(0, 6);
      const tenant = await S.newTenant(t, 'Pacific/Chatham');
      const cust = `c${tag}`;
      // Ten minutes ago, within today (Chatham) as far as possible: all in one local day.
      let base = Date.now() - 10 * 60_000;
      if (localDay(base, tenant.timezone) !== localDay(base + N + 1000, tenant.timezone)) base -= N + 60_000;
      const events: RawEvent[] = Array.from({ length: N }, (_, k) => ({
        eventId: `e${k}`,
        type: k % 1000 === 999 ? 'payment.refunded' : 'payment.completed',
        provider: 'mtn_momo',
        paymentMethod: 'mobile_money',
        amountMinor: MAX_AMOUNT,
        feeMinor: k % 2 === 0 ? MAX_AMOUNT : 0n,
        currency: 'UGX',
        customerId: cust,
        productId: 'p-big',
        productName: 'Big',
        walletId: `w${tag}`,
        // each refund belongs to the completion just before it
        reference: `R${k % 1000 === 999 ? k - 1 : k}`,
        occurredAt: base + k,
      }));
      const problems: string[] = [];
      const stored: RawEvent[] = [];
      for (let k = 0; k < N; k += 1000) {
        const batch = events.slice(k, k + 1000);
        const a = await S.ask(t, S.Q.ingest, { events: batch.map(S.toInput) }, tenant.auth);
        problems.push(...checkIngest(`batch ${k / 1000}`, batch, batch.map(() => ({ status: 'INGESTED' })), a));
        const results = new Map<number, string>(((a.data?.ingestPaymentEvents?.results ?? []) as { index: number; status: string }[]).map((r) => [r.index, r.status]));
        batch.forEach((e, j) => results.get(j) === 'INGESTED' && stored.push(e));
      }
      problems.push(...(await checkAll(t, tenant, stored, { from: base - 3 * 24 * HOUR, to: base + 24 * HOUR, days: 7, limit: 3, references: ['R0', 'R998'], walletIds: [`w${tag}`], owners: [cust], trackOnlyListed: true })));
      S.report(`sums beyond 2^63 (${mode}, merchant ${tenant.id}, ${stored.length} of ${N} stored)`, problems);
    }, 600_000);
  });
}
