/** auditTrail: balance and order changes of one merchant, newest first, with actor, cause and time; paging; filters; access. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrder, moveThrough } from '../orders/helpers.js';
import { MODES, startTestApp, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';
import { ingest, newWalletId, walletEvent } from '../wallets/helpers.js';
import type { AuditTrailQuery } from '../generated/graphql.js';
import { AuditTrail } from './operations.js';

type Entry = AuditTrailQuery['auditTrail']['edges'][number]['node'];

for (const mode of MODES) {
  await describeWith(NEEDS[mode], `audit trail (${mode})`, () => {
    let t: TestApp;
    let m: TestMerchant;
    let other: TestMerchant;
    let wallet: string;
    let orderId: string;
    let pendingEvent: string;
    let all: Entry[];
    beforeAll(async () => {
      t = await startTestApp({ mode });
      m = await newMerchant(t);
      other = await newMerchant(t);
      wallet = newWalletId();
      const pending = walletEvent(m.id, wallet, 'payment.pending', 5_000n, { reference: 'P1' });
      pendingEvent = pending.eventId;
      await ingest(t, [pending]);
      await ingest(t, [walletEvent(m.id, wallet, 'payment.completed', 5_000n, { reference: 'P1' })]);
      orderId = await createOrder(t, m.token, 'cust-1');
      const vendor = await t.token({ sub: 'vendor-7', role: 'vendor', merchantId: m.id });
      await moveThrough(t, vendor, orderId, ['PAID', 'PREPARING']);
      // Another merchant's activity never shows in m's trail.
      await ingest(t, [walletEvent(other.id, newWalletId(), 'payment.completed', 1n)]);
      await createOrder(t, other.token, 'cust-2');
      const res = await t.gql(AuditTrail, { first: 100 }, { token: m.token });
      expect(res.errors).toBeUndefined();
      all = res.data!.auditTrail.edges.map((e) => e.node);
    });
    afterAll(() => t?.stop());

    it('lists every balance and order change of the merchant, newest first, with actor, cause and the resulting state', () => {
      expect(all.map((e) => [e.kind, e.cause ?? e.toStatus])).toEqual([
        ['ORDER', 'PREPARING'],
        ['ORDER', 'PAID'],
        ['ORDER', 'CREATED'],
        ['BALANCE', 'deposit_completed'],
        ['BALANCE', 'deposit_pending'],
      ]);
      expect(all.slice(0, 3).map((e) => [e.fromStatus, e.toStatus, e.actor, e.actorKind])).toEqual([
        ['PAID', 'PREPARING', 'vendor-7', 'USER'],
        ['CREATED', 'PAID', 'vendor-7', 'USER'],
        [null, 'CREATED', `user-${m.id}`, 'USER'],
      ]);
      expect(all[4]).toMatchObject({ walletId: wallet, actor: `event:${pendingEvent}`, actorKind: 'EVENT', eventId: pendingEvent, version: '1', availableDelta: { amountMinor: '0', currency: 'KES' }, pending: { amountMinor: '5000' } });
      expect(all[3]).toMatchObject({ version: '2', available: { amountMinor: '5000', currency: 'KES' }, pending: { amountMinor: '0' } });
      const times = all.map((e) => Date.parse(e.at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('pages with first/after to exactly the same sequence, and filters by wallet or order', async () => {
      const paged: Entry[] = [];
      let after: string | undefined;
      for (;;) {
        const res = await t.gql(AuditTrail, { first: 2, after }, { token: m.token });
        const page = res.data!.auditTrail;
        paged.push(...page.edges.map((e) => e.node));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor!;
      }
      expect(paged).toEqual(all);
      const byWallet = await t.gql(AuditTrail, { filter: { walletId: wallet } }, { token: m.token });
      expect(byWallet.data!.auditTrail.edges.map((e) => e.node.kind)).toEqual(['BALANCE', 'BALANCE']);
      const byOrder = await t.gql(AuditTrail, { filter: { orderId } }, { token: m.token });
      expect(byOrder.data!.auditTrail.edges.map((e) => e.node.toStatus)).toEqual(['PREPARING', 'PAID', 'CREATED']);
      const future = await t.gql(AuditTrail, { filter: { since: new Date(Date.now() + 60_000).toISOString() } }, { token: m.token });
      expect(future.data!.auditTrail.edges).toEqual([]);
    });

    it('refuses bad cursors and conflicting filters with BAD_USER_INPUT', async () => {
      for (const vars of [{ after: 'garbage' }, { after: Buffer.from('1:ORDER:99999999999999999999').toString('base64url') }, { filter: { walletId: 'w', orderId: 'o' } }, { first: 0 }]) {
        expect((await t.gql(AuditTrail, vars, { token: m.token })).errors?.[0]?.extensions?.code, JSON.stringify(vars)).toBe('BAD_USER_INPUT');
      }
    });

    it('is readable by the merchant and admins naming it; refused to vendors, customers, other merchants and anonymous callers', async () => {
      const admin = await t.adminToken();
      expect((await t.gql(AuditTrail, { merchantId: m.id, first: 100 }, { token: admin })).data!.auditTrail.edges.map((e) => e.node)).toEqual(all);
      expect((await t.gql(AuditTrail, {}, { token: admin })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const refused: [string | undefined, string][] = [
        [await t.token({ sub: 'vendor-7', role: 'vendor', merchantId: m.id }), 'FORBIDDEN'],
        [await t.token({ sub: 'cust-1', role: 'customer', merchantId: m.id }), 'FORBIDDEN'],
        [await t.token({ sub: 'cust-1', role: 'customer' }), 'FORBIDDEN'],
        [undefined, 'UNAUTHENTICATED'],
      ];
      for (const [token, code] of refused) expect((await t.gql(AuditTrail, {}, { token })).errors?.[0]?.extensions?.code).toBe(code);
      expect((await t.gql(AuditTrail, { merchantId: m.id }, { token: other.token })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const own = await t.gql(AuditTrail, {}, { token: other.token });
      expect(own.data!.auditTrail.edges.map((e) => e.node.kind).sort()).toEqual(['BALANCE', 'ORDER']);
    });
  });
}
