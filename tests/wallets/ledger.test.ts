/**
 * The wallet ledger through the real app (createApp, its pipeline and GraphQL over HTTP), in both
 * modes: which event moves which balance (docs/wallets.md), redelivery, wallet creation, and
 * events that must not move a wallet.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';
import { balanceOf, errorCodes, ingest, ledgerOf, newWalletId, walletEvent } from './helpers.js';
import { MyWallets, WalletLedger, WalletQuery } from './operations.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `wallet ledger (${mode})`, () => {
    let t: TestApp;
    let m: TestMerchant;
    // References are per merchant (one payment key, one payment: docs/wallets.md), so each test's
    // are made unique by its wallet id.
    const ev = (walletId: string, type: string, amount: bigint | string, extra: Record<string, unknown> = {}) =>
      walletEvent(m.id, walletId, type, amount, typeof extra.reference === 'string' ? { ...extra, reference: `${walletId}:${extra.reference}` } : extra);

    beforeAll(async () => {
      t = await startTestApp({ mode });
      m = await newMerchant(t);
    });
    afterAll(() => t?.stop());

    it('credits a completed deposit to available, with an entry naming the event', async () => {
      const w = newWalletId();
      const deposit = ev(w, 'payment.completed', 150_000n, { reference: 'D1', feeMinor: '1500' });
      await ingest(t, [deposit]);
      expect(await balanceOf(t, w)).toEqual(['150000', '0', '1']);
      const [entry, ...rest] = await ledgerOf(t, w);
      expect(rest).toEqual([]);
      expect(entry).toMatchObject({
        version: '1', reason: 'DEPOSIT_COMPLETED', actor: `event:${deposit.eventId}`, merchantId: m.id, eventId: deposit.eventId,
        eventType: 'PAYMENT_COMPLETED', paymentKey: `ref:${w}:D1`,
        availableDelta: { amountMinor: '150000' }, pendingDelta: { amountMinor: '0' }, available: { amountMinor: '150000' }, pending: { amountMinor: '0' },
      });
    });

    it('holds a pending deposit once, then moves it to available when it completes', async () => {
      const w = newWalletId();
      await ingest(t, [ev(w, 'payment.initiated', 40_000n, { reference: 'P1' })]);
      expect(await balanceOf(t, w)).toEqual(['0', '0', '0']);
      await ingest(t, [ev(w, 'payment.pending', 40_000n, { reference: 'P1' })]);
      expect(await balanceOf(t, w)).toEqual(['0', '40000', '1']);
      // processing after pending is the same money: held once.
      await ingest(t, [ev(w, 'payment.processing', 40_000n, { reference: 'P1' })]);
      expect(await balanceOf(t, w)).toEqual(['0', '40000', '1']);
      await ingest(t, [ev(w, 'payment.completed', 40_000n, { reference: 'P1' })]);
      expect(await balanceOf(t, w)).toEqual(['40000', '0', '2']);
      expect((await ledgerOf(t, w)).map((e) => [e.reason, e.availableDelta.amountMinor, e.pendingDelta.amountMinor, e.version])).toEqual([
        ['DEPOSIT_PENDING', '0', '40000', '1'],
        ['DEPOSIT_COMPLETED', '40000', '-40000', '2'],
      ]);
    });

    it('releases the hold when the deposit fails, and ignores a failure with nothing held', async () => {
      const w = newWalletId();
      await ingest(t, [ev(w, 'payment.processing', 500n, { reference: 'F1' }), ev(w, 'payment.completed', 1_000n, { reference: 'OK1' })]);
      expect(await balanceOf(t, w)).toEqual(['1000', '500', '2']);
      await ingest(t, [ev(w, 'payment.failed', 500n, { reference: 'F1' })]);
      expect(await balanceOf(t, w)).toEqual(['1000', '0', '3']);
      await ingest(t, [ev(w, 'payment.failed', 700n, { reference: 'F2' }), ev(w, 'payment.failed', 500n, { reference: 'F1' })]);
      expect(await balanceOf(t, w)).toEqual(['1000', '0', '3']);
      expect((await ledgerOf(t, w)).at(-1)).toMatchObject({ reason: 'DEPOSIT_FAILED', pendingDelta: { amountMinor: '-500' } });
    });

    it('credits one payment once: a second completion under a new event id changes nothing', async () => {
      const w = newWalletId();
      await ingest(t, [ev(w, 'payment.completed', 2_000n, { reference: 'C1' })]);
      await ingest(t, [ev(w, 'payment.completed', 2_000n, { reference: 'C1' }), ev(w, 'payment.pending', 2_000n, { reference: 'C1' })]);
      expect(await balanceOf(t, w)).toEqual(['2000', '0', '1']);
    });

    it('debits refunds from available, at most what the payment credited', async () => {
      const w = newWalletId();
      await ingest(t, [ev(w, 'payment.completed', 10_000n, { reference: 'R1' }), ev(w, 'payment.completed', 5_000n, { reference: 'R2' })]);
      await ingest(t, [ev(w, 'refund.processed', 3_000n, { reference: 'R1' })]);
      expect(await balanceOf(t, w)).toEqual(['12000', '0', '3']);
      // 9,000 asked, 7,000 left to refund on R1.
      await ingest(t, [ev(w, 'payment.refunded', 9_000n, { reference: 'R1' })]);
      expect(await balanceOf(t, w)).toEqual(['5000', '0', '4']);
      // Fully refunded already; and a refund of a payment this wallet never received.
      await ingest(t, [ev(w, 'refund.processed', 1n, { reference: 'R1' }), ev(w, 'refund.processed', 1_000n, { reference: 'NEVER' })]);
      expect(await balanceOf(t, w)).toEqual(['5000', '0', '4']);
      expect((await ledgerOf(t, w)).slice(2).map((e) => [e.reason, e.availableDelta.amountMinor])).toEqual([['REFUND', '-3000'], ['REFUND', '-7000']]);
    });

    it('records a transfer out even beyond the balance (overdrawn), once per transfer, and credits it back when it fails later', async () => {
      const w = newWalletId();
      const at = (minute: number) => ({ occurredAt: new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString() });
      await ingest(t, [ev(w, 'payment.completed', 1_000n, { reference: 'IN', ...at(0) }), ev(w, 'transfer.success', 1_500n, { reference: 'T1', ...at(1) })]);
      expect(await balanceOf(t, w)).toEqual(['-500', '0', '2']);
      const res = await t.gql(WalletQuery, { id: w }, { token: await t.adminToken() });
      expect(res.data!.wallet).toMatchObject({ overdrawn: true, available: { amountMinor: '-500', amount: '-5.00', currency: 'KES' } });
      // The same transfer reported again under a new event id.
      await ingest(t, [ev(w, 'transfer.success', 1_500n, { reference: 'T1', ...at(2) })]);
      expect(await balanceOf(t, w)).toEqual(['-500', '0', '2']);
      // Failed after its successes: reversed, once; a transfer that only failed moves nothing.
      await ingest(t, [ev(w, 'transfer.failed', 1_500n, { reference: 'T1', ...at(3) }), ev(w, 'transfer.failed', 1_500n, { reference: 'T1', ...at(4) }), ev(w, 'transfer.failed', 99n, { reference: 'T2', ...at(3) })]);
      expect(await balanceOf(t, w)).toEqual(['1000', '0', '3']);
      expect((await ledgerOf(t, w)).map((e) => e.reason)).toEqual(['DEPOSIT_COMPLETED', 'TRANSFER_OUT', 'TRANSFER_REVERSED']);
      // A retry that succeeds after the failure is debited again.
      await ingest(t, [ev(w, 'transfer.success', 1_500n, { reference: 'T1', ...at(5) })]);
      expect(await balanceOf(t, w)).toEqual(['-500', '0', '4']);
    });

    it('decides a transfer by its latest event, not by arrival: a failure that occurred before the success does not reverse it', async () => {
      const w = newWalletId();
      const at = (minute: number) => ({ occurredAt: new Date(Date.UTC(2026, 10, 20, 11, minute)).toISOString() });
      await ingest(t, [ev(w, 'payment.completed', 5_000n, { reference: 'IN', ...at(0) }), ev(w, 'transfer.success', 2_000n, { reference: 'T9', ...at(5) })]);
      await ingest(t, [ev(w, 'transfer.failed', 2_000n, { reference: 'T9', ...at(4) })]);
      expect(await balanceOf(t, w)).toEqual(['3000', '0', '2']);
    });

    it('applies a batch as the set it is: one entry per changed deposit or transfer, contiguous versions, across two wallets', async () => {
      const [a, b] = [newWalletId(), newWalletId()];
      await ingest(t, [
        ev(a, 'payment.pending', 100n, { reference: 'A1' }),
        ev(b, 'payment.completed', 7n, { reference: 'B1', customerId: 'owner-2' }),
        ev(a, 'payment.completed', 100n, { reference: 'A1' }),
        ev(a, 'transfer.success', 30n, { reference: 'A2' }),
        ev(b, 'payment.completed', 3n, { reference: 'B2', customerId: 'owner-2' }),
      ]);
      // A1's pending and completed arrived together: the deposit is completed, one entry.
      expect(await balanceOf(t, a)).toEqual(['70', '0', '2']);
      expect(await balanceOf(t, b)).toEqual(['10', '0', '2']);
      const entries = await ledgerOf(t, a);
      expect(entries.map((e) => [e.version, e.reason, e.available.amountMinor, e.pending.amountMinor])).toEqual([
        ['1', 'DEPOSIT_COMPLETED', '100', '0'],
        ['2', 'TRANSFER_OUT', '70', '0'],
      ]);
    });

    it('gives the same wallet for a pending without customer and a completion with one, in one batch or two (defect 3)', async () => {
      const [one, two] = [newWalletId(), newWalletId()];
      const pair = (w: string) => [ev(w, 'payment.pending', 500n, { reference: 'R1', customerId: null }), ev(w, 'payment.completed', 500n, { reference: 'R1', customerId: 'alice' })];
      await ingest(t, pair(one));
      const [pending, completed] = pair(two);
      await ingest(t, [pending!]);
      await ingest(t, [completed!]);
      expect(await balanceOf(t, one)).toEqual(['500', '0', '1']);
      expect(await balanceOf(t, two)).toEqual(['500', '0', '1']);
    });

    it('counts a transfer reported before the wallet opened, whatever the batching (defect 3)', async () => {
      const [one, two] = [newWalletId(), newWalletId()];
      const pair = (w: string) => [
        ev(w, 'transfer.success', 30_627_220_118n, { reference: 'TX', customerId: null }),
        ev(w, 'payment.processing', 40_000n, { reference: 'DEP', customerId: 'alice' }),
      ];
      await ingest(t, pair(one));
      const [transfer, processing] = pair(two);
      await ingest(t, [processing!]);
      await ingest(t, [transfer!]);
      expect(await balanceOf(t, one)).toEqual(['-30627220118', '40000', '2']);
      expect((await balanceOf(t, two)).slice(0, 2)).toEqual(['-30627220118', '40000']);
    });

    it('never holds a pending again after the deposit failed, even when a processing that occurred earlier arrives last (defect 4)', async () => {
      const w = newWalletId();
      const at = (minute: number) => ({ occurredAt: new Date(Date.UTC(2026, 10, 20, 12, minute)).toISOString() });
      await ingest(t, [ev(w, 'payment.pending', 500n, { reference: 'R1', customerId: 'alice', ...at(0) })]);
      await ingest(t, [ev(w, 'payment.failed', 500n, { reference: 'R1', ...at(10) })]);
      await ingest(t, [ev(w, 'payment.processing', 500n, { reference: 'R1', ...at(5) })]);
      expect(await balanceOf(t, w)).toEqual(['0', '0', '2']);
      expect((await ledgerOf(t, w)).map((e) => e.reason)).toEqual(['DEPOSIT_PENDING', 'DEPOSIT_FAILED']);
    });

    it('credits the largest completion, and a later larger completion adds the difference', async () => {
      const w = newWalletId();
      await ingest(t, [ev(w, 'payment.completed', 500n, { reference: 'BIG' })]);
      await ingest(t, [ev(w, 'payment.completed', 1_000n, { reference: 'BIG' }), ev(w, 'payment.completed', 700n, { reference: 'BIG' })]);
      expect(await balanceOf(t, w)).toEqual(['1000', '0', '2']);
      expect((await ledgerOf(t, w)).map((e) => [e.reason, e.availableDelta.amountMinor])).toEqual([['DEPOSIT_COMPLETED', '500'], ['DEPOSIT_COMPLETED', '500']]);
    });

    it('applies a completion that does not repeat the walletId to the deposit its earlier events named', async () => {
      const w = newWalletId();
      await ingest(t, [ev(w, 'payment.pending', 900n, { reference: 'NW' })]);
      await ingest(t, [{ ...ev(w, 'payment.completed', 900n, { reference: 'NW' }), walletId: null }]);
      expect(await balanceOf(t, w)).toEqual(['900', '0', '2']);
    });

    it('changes nothing when an event is delivered again: DUPLICATE, same balance, one ledger entry', async () => {
      const w = newWalletId();
      const event = eventInput({ walletId: w, customerId: 'owner-1', type: 'PAYMENT_COMPLETED', amountMinor: '2500' });
      const first = await t.gql(IngestOne, { event }, { token: m.token });
      expect(first.data?.ingestPaymentEvent.status).toBe('INGESTED');
      expect(await balanceOf(t, w)).toEqual(['2500', '0', '1']);
      for (let i = 0; i < 3; i++) {
        const again = await t.gql(IngestOne, { event }, { token: m.token });
        expect(again.data?.ingestPaymentEvent.status).toBe('DUPLICATE');
      }
      // Through the pipeline too, in a batch with the event twice.
      const raw = { ...event, merchantId: m.id, type: 'payment.completed', paymentMethod: 'mobile_money' };
      const result = await t.pipeline.ingest([raw, raw], { source: 'kafka' });
      expect(result.duplicates).toBe(2);
      expect(await balanceOf(t, w)).toEqual(['2500', '0', '1']);
      expect(await t.db.prisma.ledgerEntry.count({ where: { merchantId: m.id, walletId: w } })).toBe(1);
    });

    it('creates a wallet named for the first time, owned by the event customer, in its currency', async () => {
      const w = newWalletId();
      await ingest(t, [ev(w, 'payment.completed', 500n, { customerId: 'owner-xof', currency: 'XOF' })]);
      const res = await t.gql(WalletQuery, { id: w }, { token: await t.adminToken() });
      expect(res.data!.wallet).toMatchObject({ id: w, ownerId: 'owner-xof', merchantId: m.id, currency: 'XOF', version: '1', available: { amountMinor: '500', amount: '500', currency: 'XOF' } });
    });

    it('opens no wallet for an event without a customer, then counts that event once a later one opens it', async () => {
      const w = newWalletId();
      await ingest(t, [ev(w, 'payment.completed', 500n, { customerId: null })]);
      expect(await t.db.prisma.wallet.findUnique({ where: { merchantId_id: { merchantId: m.id, id: w } } })).toBeNull();
      expect(errorCodes(await t.gql(WalletQuery, { id: w }, { token: await t.adminToken() }))).toEqual(['NOT_FOUND']);
      // A later event with a customer opens it; the earlier one is not lost.
      await ingest(t, [ev(w, 'payment.completed', 700n)]);
      expect((await balanceOf(t, w)).slice(0, 2)).toEqual(['1200', '0']);
    });

    it("keeps wallet ids per merchant: another merchant's events using the same id move its own wallet, never this one (defect 6)", async () => {
      const w = newWalletId();
      await ingest(t, [ev(w, 'payment.completed', 1_000n)]);
      const other = await newMerchant(t);
      await ingest(t, [walletEvent(other.id, w, 'transfer.success', 1_000n), walletEvent(other.id, w, 'payment.completed', 5_000n)]);
      await ingest(t, [ev(w, 'payment.completed', 9_000n, { currency: 'NGN' })]);
      expect(await balanceOf(t, w, m.id)).toEqual(['1000', '0', '1']);
      expect((await balanceOf(t, w, other.id)).slice(0, 2)).toEqual(['4000', '0']);
      const wallet = await t.db.prisma.wallet.findUniqueOrThrow({ where: { merchantId_id: { merchantId: m.id, id: w } } });
      expect([wallet.merchantId, wallet.currency]).toEqual([m.id, 'KES']);
      expect(await t.db.prisma.ledgerEntry.count({ where: { merchantId: m.id, walletId: w } })).toBe(1);
      // Named without its merchant, the id is ambiguous to an admin; each merchant sees only its own.
      expect(errorCodes(await t.gql(WalletQuery, { id: w }, { token: await t.adminToken() }))).toEqual(['BAD_USER_INPUT']);
      expect((await t.gql(WalletQuery, { id: w }, { token: m.token })).data!.wallet.available.amountMinor).toBe('1000');
      expect((await t.gql(WalletQuery, { id: w }, { token: other.token })).data!.wallet.available.amountMinor).toBe('4000');
      expect(errorCodes(await t.gql(WalletQuery, { id: w, merchantId: other.id }, { token: m.token }))).toEqual(['FORBIDDEN']);
    });

    it("lets no merchant capture another merchant's wallet id: B's deposit into the id A used first is credited to B's wallet (defect 6)", async () => {
      const w = newWalletId();
      const a = await newMerchant(t);
      const bob = `bob-${w}`;
      await ingest(t, [walletEvent(a.id, w, 'payment.completed', 1n, { customerId: bob })]);
      await ingest(t, [ev(w, 'payment.completed', 777n, { customerId: bob })]);
      expect(await balanceOf(t, w, m.id)).toEqual(['777', '0', '1']);
      // Bob as B's customer (his token names B) sees B's wallet only.
      const token = await t.token({ sub: bob, role: 'customer', merchantId: m.id });
      const mine = await t.gql(MyWallets, {}, { token });
      expect(mine.data!.myWallets.map((x) => [x.merchantId, x.id, x.available.amountMinor])).toEqual([[m.id, w, '777']]);
      expect((await t.gql(WalletQuery, { id: w }, { token })).data!.wallet.merchantId).toBe(m.id);
    });

    it('pages the ledger newest first by version', async () => {
      const w = newWalletId();
      await ingest(t, Array.from({ length: 5 }, (_, i) => ev(w, 'payment.completed', BigInt(i + 1), { reference: `PG${i}` })));
      const admin = await t.adminToken();
      const page1 = await t.gql(WalletLedger, { walletId: w, first: 2 }, { token: admin });
      expect(page1.data!.walletLedger.edges.map((e) => e.node.version)).toEqual(['5', '4']);
      expect(page1.data!.walletLedger.pageInfo).toMatchObject({ hasNextPage: true, endCursor: '4' });
      const page3 = await t.gql(WalletLedger, { walletId: w, first: 2, after: '2' }, { token: admin });
      expect(page3.data!.walletLedger.edges.map((e) => e.node.version)).toEqual(['1']);
      expect(page3.data!.walletLedger.pageInfo.hasNextPage).toBe(false);
      expect(errorCodes(await t.gql(WalletLedger, { walletId: w, first: 0 }, { token: admin }))).toEqual(['BAD_USER_INPUT']);
      expect(errorCodes(await t.gql(WalletLedger, { walletId: w, after: 'x' }, { token: admin }))).toEqual(['BAD_USER_INPUT']);
    });
  });
}
