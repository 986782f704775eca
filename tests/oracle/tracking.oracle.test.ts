/**
 * docs/tracking.md by hand-made cases the random streams hit only sometimes: the history in event
 * order with ties broken by event id (code points: "e10" < "e9"), a payment's amount/provider/
 * updatedAt from the latest event of the highest rank, a transfer's status from its latest event
 * (a reversal is FAILED, a retry COMPLETED), payments and transfers with one reference kept apart.
 * Every answer compared with the model. Both modes.
 */
import { afterAll, beforeAll, it } from 'vitest';
import { MODES, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { NEEDS } from '../support/tenants.js';
import { checkIngest } from './drive.js';
import * as model from './model.js';
import type { RawEvent } from './model.js';
import * as S from './server.js';

const at = (iso: string) => Date.parse(iso);
const T = at('2026-11-21T10:00:00Z');

function ev(eventId: string, type: model.EventType, reference: string, amount: bigint, occurredAt: number, provider = 'mpesa'): RawEvent {
  return { eventId, type, provider, amountMinor: amount, feeMinor: 0n, currency: 'KES', reference, occurredAt };
}

async function compare(t: TestApp, tenant: S.Tenant, events: RawEvent[], batches: RawEvent[][], references: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const [k, batch] of batches.entries()) {
    const a = await S.ask(t, S.Q.ingest, { events: batch.map(S.toInput) }, tenant.auth);
    problems.push(...checkIngest(`batch ${k}`, batch, batch.map(() => ({ status: 'INGESTED' })), a));
  }
  for (const reference of references) {
    for (const kind of ['payment', 'transfer'] as const) {
      const d = await S.must(t, `${kind}Status`, kind === 'payment' ? S.Q.paymentStatus : S.Q.transferStatus, { reference }, tenant.auth);
      S.diff(`${kind}Status(${reference})`, S.trackedView(model.tracked(events, kind, reference), tenant.id), S.serverTrackedView(d[`${kind}Status`]), problems);
    }
  }
  return problems;
}

for (const mode of MODES) {
  await describeWith(NEEDS[mode], `oracle: tracking by reference (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await S.startOracleApp(mode);
    });
    afterAll(() => t?.stop());

    it('lists the history in event order, ties broken by event id in code points, whatever the arrival', async () => {
      const tenant = await S.newTenant(t, 'UTC');
      const events = [ev('e9', 'payment.pending', 'R1', 10n, T), ev('e10', 'payment.processing', 'R1', 20n, T), ev('e1', 'payment.initiated', 'R1', 5n, T - 1)];
      S.report(`history ties (${mode}, ${tenant.id})`, await compare(t, tenant, events, [[events[0]!], [events[1]!], [events[2]!]], ['R1']));
    });

    it("takes a payment's amount, provider and updatedAt from the latest event of its highest rank, a late lower rank changing nothing", async () => {
      const tenant = await S.newTenant(t, 'UTC');
      const events = [
        ev('a', 'payment.completed', 'R1', 100n, T, 'paystack'),
        ev('b', 'payment.completed', 'R1', 90n, T + 60_000, 'flutterwave'),
        ev('c', 'payment.processing', 'R1', 80n, T + 120_000, 'mpesa'),
        ev('d', 'payment.failed', 'R1', 70n, T + 180_000, 'mpesa'),
      ];
      S.report(`highest rank (${mode}, ${tenant.id})`, await compare(t, tenant, events, [[events[3]!, events[1]!], [events[0]!], [events[2]!]], ['R1']));
    });

    it('follows a transfer\'s latest event: success then a later failure is FAILED, failure then a later success is COMPLETED, apart from the payment with the same reference', async () => {
      const tenant = await S.newTenant(t, 'UTC');
      const events = [
        ev('t1', 'transfer.success', 'T1', 100n, T),
        ev('t2', 'transfer.failed', 'T1', 100n, T + 60_000),
        ev('t3', 'transfer.failed', 'T2', 50n, T),
        ev('t4', 'transfer.success', 'T2', 50n, T + 60_000),
        ev('p1', 'payment.completed', 'T1', 999n, T + 120_000),
      ];
      // Arrival against event order: the later event first.
      S.report(`transfers (${mode}, ${tenant.id})`, await compare(t, tenant, events, [[events[1]!, events[3]!], [events[0]!, events[2]!], [events[4]!]], ['T1', 'T2']));
    });
  });
}
