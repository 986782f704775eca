/**
 * Who may see a wallet, and the live `balance` subscription over a real graphql-ws client, in
 * both modes. Allowed: the owner (a user whose `sub` is the owner id), a merchant of the merchant
 * holding the wallet, admins. Refused with FORBIDDEN and no data: other customers, vendors,
 * other merchants. No credentials: UNAUTHENTICATED.
 */
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { collect, waitUntil, type Collector } from '../support/subscriptions.js';
import { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';
import { errorCodes, ingest, newWalletId, QUIET_MS, sleep, subscriptionErrorCodes, WAIT_MS, walletEvent } from './helpers.js';
import { Balance, MyWallets, WalletLedger, WalletQuery } from './operations.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `wallet API (${mode})`, () => {
    let t: TestApp;
    let m: TestMerchant;
    let w: string;
    let owner: string;
    let ownerToken: string;
    const open: Collector<unknown>[] = [];
    /** A `balance` subscription over a new graphql-ws socket; stopped after the test whatever happens. */
    const subscribe = (token: string, walletId: string) => {
      const sub = collect(t.wsClient({ authorization: `Bearer ${token}` }), Balance, { walletId });
      open.push(sub);
      return sub;
    };

    beforeAll(async () => {
      t = await startTestApp({ mode });
      m = await newMerchant(t);
      owner = `user-${newWalletId()}`;
      ownerToken = await t.token({ sub: owner, role: 'customer' });
      w = newWalletId();
      await ingest(t, [walletEvent(m.id, w, 'payment.completed', 12_345n, { customerId: owner, reference: 'A' })]);
    });
    afterAll(() => t?.stop());
    afterEach(async () => {
      for (const sub of open.splice(0)) sub.stop();
      await waitUntil(() => t.pubsub.activeSubscriptions() === 0, WAIT_MS, () => 'subscriptions released');
    });

    it('lets the owner, a merchant of its merchant and an admin read the wallet and its ledger', async () => {
      const allowed = {
        owner: ownerToken,
        merchant: m.token,
        admin: await t.adminToken(),
        // The owner signed in under any role and merchant is still the owner.
        ownerAsVendorElsewhere: await t.token({ sub: owner, role: 'vendor', merchantId: 'm_elsewhere' }),
      };
      for (const [who, token] of Object.entries(allowed)) {
        const res = await t.gql(WalletQuery, { id: w }, { token });
        expect(res.errors, who).toBeUndefined();
        expect(res.data!.wallet, who).toMatchObject({ id: w, ownerId: owner, merchantId: m.id, available: { amountMinor: '12345', amount: '123.45' }, version: '1' });
        const ledger = await t.gql(WalletLedger, { walletId: w }, { token });
        expect(ledger.data!.walletLedger.edges.map((e) => e.node.reason), who).toEqual(['DEPOSIT_COMPLETED']);
      }
      const { secret } = await t.domain.apiKeys.create({ merchantId: m.id, name: 'back end' });
      expect((await t.gql(WalletQuery, { id: w }, { apiKey: secret })).data?.wallet.id).toBe(w);
    });

    it('refuses other customers, vendors and other merchants with FORBIDDEN and no data', async () => {
      const other = await newMerchant(t);
      const refused = {
        otherCustomer: await t.token({ sub: 'someone-else', role: 'customer' }),
        otherCustomerSameMerchant: await t.token({ sub: 'someone-else', role: 'customer', merchantId: m.id }),
        vendorOfTheMerchant: await t.token({ sub: 'vendor-1', role: 'vendor', merchantId: m.id }),
        otherMerchant: other.token,
        otherMerchantKey: (await t.domain.apiKeys.create({ merchantId: other.id, name: 'other' })).secret,
      };
      for (const [who, token] of Object.entries(refused)) {
        const opts = who === 'otherMerchantKey' ? { apiKey: token } : { token };
        const res = await t.gql(WalletQuery, { id: w }, opts);
        expect(errorCodes(res), who).toEqual(['FORBIDDEN']);
        expect(res.data ?? null, who).toBeNull();
        const ledger = await t.gql(WalletLedger, { walletId: w }, opts);
        expect(errorCodes(ledger), who).toEqual(['FORBIDDEN']);
        expect(JSON.stringify(ledger)).not.toContain('12345');
      }
      // A wallet that does not exist looks the same to them (no probing); admins learn it is missing.
      expect(errorCodes(await t.gql(WalletQuery, { id: 'w_nope' }, { token: ownerToken }))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await t.gql(WalletQuery, { id: 'w_nope' }, { token: await t.adminToken() }))).toEqual(['NOT_FOUND']);
    });

    it('answers UNAUTHENTICATED without credentials', async () => {
      for (const res of [await t.gql(WalletQuery, { id: w }), await t.gql(MyWallets, {}), await t.gql(WalletLedger, { walletId: w })]) {
        expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
        expect(res.status).toBe(401);
      }
    });

    it("myWallets lists exactly the caller's own wallets", async () => {
      const second = newWalletId();
      await ingest(t, [walletEvent(m.id, second, 'payment.pending', 100n, { customerId: owner }), walletEvent(m.id, newWalletId(), 'payment.completed', 1n, { customerId: 'not-me' })]);
      const res = await t.gql(MyWallets, {}, { token: ownerToken });
      expect(res.data!.myWallets.map((x) => [x.id, x.available.amountMinor, x.pending.amountMinor])).toEqual([[w, '12345', '0'], [second, '0', '100']]);
      const none = await t.gql(MyWallets, {}, { token: await t.token({ sub: 'nobody', role: 'customer' }) });
      expect(none.data!.myWallets).toEqual([]);
      const { secret } = await t.domain.apiKeys.create({ merchantId: m.id, name: 'k' });
      expect(errorCodes(await t.gql(MyWallets, {}, { apiKey: secret }))).toEqual(['FORBIDDEN']);
    });

    it('balance: sends the current balance first, then every change in version order, and stops when unsubscribed', async () => {
      const wallet = newWalletId();
      const first = walletEvent(m.id, wallet, 'payment.completed', 1_000n, { customerId: owner, reference: 'B1' });
      const second = walletEvent(m.id, wallet, 'payment.pending', 300n, { customerId: owner, reference: 'B2' });
      await ingest(t, [first, second]);

      const sub = subscribe(ownerToken, wallet);
      await sub.waitFor(1, WAIT_MS);
      expect(sub.results[0]!.errors).toBeUndefined();
      expect(sub.data()[0]!.balance).toMatchObject({
        walletId: wallet, currency: 'KES', version: '2', reason: 'DEPOSIT_PENDING', eventId: second.eventId,
        available: { amountMinor: '1000', amount: '10.00' }, pending: { amountMinor: '300' },
      });

      const completed = walletEvent(m.id, wallet, 'payment.completed', 300n, { reference: 'B2' });
      const out = walletEvent(m.id, wallet, 'transfer.success', 200n, { reference: 'B3' });
      await ingest(t, [completed]);
      await ingest(t, [walletEvent(m.id, wallet, 'payment.initiated', 5n, { reference: 'B4' }), out]);
      await sub.waitFor(3, WAIT_MS);
      await sleep(QUIET_MS);
      expect(sub.results.filter((r) => r.errors)).toEqual([]);
      expect(sub.data().map((d) => [d.balance.version, d.balance.reason, d.balance.eventId, d.balance.available.amountMinor, d.balance.pending.amountMinor])).toEqual([
        ['2', 'DEPOSIT_PENDING', second.eventId, '1000', '300'],
        ['3', 'DEPOSIT_COMPLETED', completed.eventId, '1300', '0'],
        ['4', 'TRANSFER_OUT', out.eventId, '1100', '0'],
      ]);

      sub.stop();
      await waitUntil(() => t.pubsub.activeSubscriptions() === 0, WAIT_MS, () => 'unsubscribed');
      await ingest(t, [walletEvent(m.id, wallet, 'payment.completed', 1n, { reference: 'B5' })]);
      await sleep(QUIET_MS);
      expect(sub.results).toHaveLength(3);
    });

    it('balance: a wallet nothing has moved yet starts at version 0 with no reason', async () => {
      const wallet = newWalletId();
      await ingest(t, [walletEvent(m.id, wallet, 'payment.initiated', 100n, { customerId: owner })]);
      const sub = subscribe(await t.adminToken(), wallet);
      await sub.waitFor(1, WAIT_MS);
      expect(sub.data()[0]!.balance).toMatchObject({ version: '0', reason: null, eventId: null, available: { amountMinor: '0' }, pending: { amountMinor: '0' } });
      sub.stop();
    });

    it('balance: refuses a customer who does not own the wallet, and a vendor, with FORBIDDEN and never delivers', async () => {
      for (const token of [await t.token({ sub: 'someone-else', role: 'customer' }), await t.token({ sub: 'vendor-1', role: 'vendor', merchantId: m.id })]) {
        const sub = subscribe(token, w);
        expect(await subscriptionErrorCodes(sub)).toEqual(['FORBIDDEN']);
        expect(t.pubsub.activeSubscriptions()).toBe(0);
        await ingest(t, [walletEvent(m.id, w, 'payment.completed', 1n)]);
        await sleep(QUIET_MS);
        expect(sub.data()).toEqual([]);
      }
    });
  });
}
