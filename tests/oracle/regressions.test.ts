/**
 * The seven defects of issue #13, each reproduced on a fresh merchant through GraphQL only and
 * compared with the oracle (tests/oracle/model.ts) as well as with the literal numbers of the
 * issue where docs/ agrees with it. Both modes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { MODES, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { NEEDS } from '../support/tenants.js';
import { checkAll, checkIngest, checkWallets, type CheckOptions } from './drive.js';
import * as model from './model.js';
import type { RawEvent } from './model.js';
import * as S from './server.js';

// Each defect ingests and re-reads through a real server (up to 8 s on a loaded 2-core machine): the 30 s default is too close.
vi.setConfig({ testTimeout: 120_000 });

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

let seq = 0;
function ev(over: Partial<RawEvent> & Pick<RawEvent, 'type'>): RawEvent {
  return { eventId: `e${seq++}`, provider: 'mpesa', paymentMethod: 'mobile_money', amountMinor: 0n, feeMinor: 0n, currency: 'KES', occurredAt: Date.now() - HOUR, ...over };
}

/** Sends batches one after the other; every item must be INGESTED (or the given outcome). */
async function send(t: TestApp, tenant: S.Tenant, batches: RawEvent[][], expected?: S.Expected[][]): Promise<string[]> {
  const problems: string[] = [];
  for (const [k, batch] of batches.entries()) {
    const a = await S.ask(t, S.Q.ingest, { events: batch.map(S.toInput) }, tenant.auth);
    problems.push(...checkIngest(`batch ${k}`, batch, expected?.[k] ?? batch.map(() => ({ status: 'INGESTED' })), a));
  }
  return problems;
}

const around = (ms: number, extra: Partial<CheckOptions> = {}): CheckOptions => ({
  from: ms - 3 * 24 * HOUR, to: ms + 2 * 24 * HOUR, days: 30, limit: 10, references: [], walletIds: [], owners: [], ...extra,
});

for (const mode of MODES) {
  await describeWith(NEEDS[mode], `oracle: the seven defects of issue #13 (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await S.startOracleApp(mode);
    });
    afterAll(() => t?.stop());

    it('defect 1 (fees): counts the fee of the completion that counts, in analytics, dashboardOverview and growth, in either arrival order', async () => {
      for (const order of ['small first', 'large first'] as const) {
        const tenant = await S.newTenant(t, 'Africa/Nairobi');
        // Today (local), 10 and 5 minutes ago; yesterday one payment so growth is defined.
        const now = Date.now();
        const small = ev({ type: 'payment.completed', reference: 'R1', amountMinor: 500n, feeMinor: 7n, occurredAt: now - 10 * 60_000 });
        const large = ev({ type: 'payment.completed', reference: 'R1', amountMinor: 1000n, feeMinor: 3n, occurredAt: now - 5 * 60_000 });
        const yesterday = ev({ type: 'payment.completed', reference: 'R0', amountMinor: 400n, feeMinor: 0n, occurredAt: now - 25 * HOUR });
        const stored = [small, large, yesterday];
        const problems = await send(t, tenant, order === 'small first' ? [[yesterday, small], [large]] : [[yesterday, large], [small]]);
        problems.push(...(await checkAll(t, tenant, stored, around(now, { references: ['R1'] }))));
        const p = model.derivePayments(stored).find((x) => x.key === 'R1')!;
        expect([p.gross, p.fees, p.net]).toEqual([1000n, 3n, 997n]); // the documented numbers
        S.report(`defect 1, ${order} (${mode}, merchant ${tenant.id})`, problems);
      }
    });

    it('defect 2 (empty buckets): a late earlier event moves the payment, and the bucket it left is not listed', async () => {
      const tenant = await S.newTenant(t, 'UTC');
      const completed = ev({ type: 'payment.completed', reference: 'R1', amountMinor: 100n, occurredAt: at('2026-11-21T10:00:00Z') });
      const initiated = ev({ type: 'payment.initiated', reference: 'R1', amountMinor: 100n, occurredAt: at('2026-11-20T23:59:00Z') });
      const problems = await send(t, tenant, [[completed], [initiated]]);
      problems.push(...(await checkAll(t, tenant, [completed, initiated], around(at('2026-11-21T00:00:00Z'), { references: ['R1'] }))));
      expect(model.dailyBuckets([completed, initiated], 'UTC').map((b) => b.bucket)).toEqual(['2026-11-20']);
      S.report(`defect 2 (${mode}, merchant ${tenant.id})`, problems);
    });

    it('defect 3 (wallet result depends on batching): both examples give the same balances in one batch and in two, as the model says', async () => {
      const examples: { name: string; events: (w: string, alice: string) => RawEvent[] }[] = [
        {
          name: 'pending without customer, then completed with one',
          events: (w, alice) => [
            ev({ type: 'payment.pending', walletId: w, reference: 'R1', amountMinor: 500n, occurredAt: at('2026-11-21T10:00:00Z') }),
            ev({ type: 'payment.completed', walletId: w, reference: 'R1', amountMinor: 500n, customerId: alice, occurredAt: at('2026-11-21T10:01:00Z') }),
          ],
        },
        {
          name: 'transfer.success without customer, then payment.processing with one',
          events: (w, alice) => [
            ev({ type: 'transfer.success', walletId: w, amountMinor: 30_627_220_118n, occurredAt: at('2026-11-21T10:00:00Z') }),
            ev({ type: 'payment.processing', walletId: w, amountMinor: 1200n, customerId: alice, occurredAt: at('2026-11-21T10:01:00Z') }),
          ],
        },
      ];
      const problems: string[] = [];
      for (const ex of examples) {
        for (const split of [1, 2]) {
          const tenant = await S.newTenant(t, 'UTC');
          const tag = randomUUID().slice(0, 6);
          const w = `W${tag}`;
          const alice = `alice${tag}`;
          const events = ex.events(w, alice);
          problems.push(...(await send(t, tenant, split === 1 ? [events] : events.map((e) => [e]))).map((p) => `${ex.name}, ${split} batch(es): ${p}`));
          problems.push(...(await checkWallets(t, tenant, events, [w], [alice])).map((p) => `${ex.name}, ${split} batch(es): ${p}`));
        }
      }
      S.report(`defect 3 (${mode})`, problems);
    });

    it('defect 4 (pending held again after failure): a late processing that occurred before the failure holds nothing', async () => {
      const tenant = await S.newTenant(t, 'UTC');
      const tag = randomUUID().slice(0, 6);
      const w = `W${tag}`;
      const alice = `alice${tag}`;
      const pending = ev({ type: 'payment.pending', reference: 'R1', walletId: w, customerId: alice, amountMinor: 500n, occurredAt: at('2026-11-21T10:00:00Z') });
      const failed = ev({ type: 'payment.failed', reference: 'R1', amountMinor: 500n, occurredAt: at('2026-11-21T10:10:00Z') });
      const processing = ev({ type: 'payment.processing', reference: 'R1', amountMinor: 500n, occurredAt: at('2026-11-21T10:05:00Z') });
      const events = [pending, failed, processing];
      const problems = await send(t, tenant, [[pending], [failed], [processing]]);
      problems.push(...(await checkWallets(t, tenant, events, [w], [alice])));
      expect(model.wallets(events)).toMatchObject([{ available: 0n, pending: 0n }]);
      problems.push(...(await checkAll(t, tenant, events, around(at('2026-11-21T00:00:00Z'), { references: ['R1'] }))));
      S.report(`defect 4 (${mode}, merchant ${tenant.id})`, problems);
    });

    it('defect 5 (64-bit overflow): 5·10^18 is refused per item with AMOUNT_OUT_OF_RANGE, its neighbours are stored, and every later query answers', async () => {
      const tenant = await S.newTenant(t, 'Africa/Nairobi');
      const tag = randomUUID().slice(0, 6);
      const cust = `c${tag}`;
      const now = Date.now();
      const big = 5_000_000_000_000_000_000n;
      const common = { customerId: cust, productId: 'p1', productName: 'Ticket', walletId: `w${tag}` };
      const r1 = ev({ type: 'payment.completed', reference: 'R1', amountMinor: big, occurredAt: now - 2 * 24 * HOUR, ...common });
      const r2 = ev({ type: 'payment.completed', reference: 'R2', amountMinor: big, occurredAt: now - 2 * 24 * HOUR + 60_000, ...common });
      const r3 = ev({ type: 'payment.completed', reference: 'R3', amountMinor: 100n, occurredAt: now - 2 * 24 * HOUR + 120_000, ...common });
      const r4 = ev({ type: 'payment.completed', reference: 'R4', amountMinor: big, occurredAt: now - 24 * HOUR, ...common });
      const refused: S.Expected = { status: 'REJECTED', code: 'AMOUNT_OUT_OF_RANGE' };
      const problems = await send(t, tenant, [[r1], [r2, r3], [r4]], [[refused], [refused, { status: 'INGESTED' }], [refused]]);
      problems.push(...(await checkAll(t, tenant, [r3], around(now, { references: ['R1', 'R2', 'R3', 'R4'], walletIds: [`w${tag}`], owners: [cust] }))));
      S.report(`defect 5 (${mode}, merchant ${tenant.id})`, problems);
    });

    it("defect 6 (wallet ids per merchant): B's deposit into w_x after A used w_x is credited to B's wallet, and B's customer's myWallets does not list A's", async () => {
      const tag = randomUUID().slice(0, 6);
      const wx = `w_x${tag}`;
      const bob = `bob${tag}`;
      const a = await S.newTenant(t, 'UTC', 'apiKey');
      const b = await S.newTenant(t, 'UTC', 'token');
      const aEvent = ev({ type: 'payment.completed', reference: 'RA', walletId: wx, customerId: bob, amountMinor: 111n, occurredAt: at('2026-11-21T10:00:00Z') });
      const bEvent = ev({ type: 'payment.completed', reference: 'RB', walletId: wx, customerId: bob, amountMinor: 777n, occurredAt: at('2026-11-21T11:00:00Z') });
      const problems = [...(await send(t, a, [[aEvent]])).map((p) => `A ${p}`), ...(await send(t, b, [[bEvent]])).map((p) => `B ${p}`)];
      problems.push(...(await checkWallets(t, a, [aEvent], [wx], [bob])).map((p) => `A ${p}`));
      problems.push(...(await checkWallets(t, b, [bEvent], [wx], [bob])).map((p) => `B ${p}`));
      expect(model.wallets([bEvent])).toMatchObject([{ id: wx, ownerId: bob, available: 777n }]);
      // Without a merchant claim, bob's wallets at both merchants, each with its own balance.
      const res = await S.ask(t, S.Q.myWallets, {}, { token: await t.token({ sub: bob, role: 'customer' }) });
      const got = Object.fromEntries(((res.data?.myWallets ?? []) as any[]).map((w) => [`${w.merchantId}/${w.id}`, S.serverWalletView(w)]));
      S.diff('myWallets(bob, no merchant claim)', { [`${a.id}/${wx}`]: S.walletView(model.wallets([aEvent])[0]!, a.id), [`${b.id}/${wx}`]: S.walletView(model.wallets([bEvent])[0]!, b.id) }, got, problems);
      S.report(`defect 6 (${mode}, A ${a.id}, B ${b.id})`, problems);
    });

    it('defect 7 (NUL bytes): wallet, order, paymentStatus, merchant, apiKeys and createOrder refuse them with BAD_USER_INPUT, never INTERNAL_SERVER_ERROR', async () => {
      const tenant = await S.newTenant(t, 'UTC');
      const admin = { token: await t.adminToken() };
      const nul = 'x\u0000y';
      const cases: [string, string, Record<string, unknown>, typeof admin][] = [
        ['wallet', 'query Q($id: ID!) { wallet(id: $id) { id } }', { id: nul }, tenant.auth as typeof admin],
        ['order', 'query Q($id: ID!) { order(id: $id) { id } }', { id: nul }, tenant.auth as typeof admin],
        ['paymentStatus', 'query Q($r: String!) { paymentStatus(reference: $r) { status } }', { r: nul }, tenant.auth as typeof admin],
        ['transferStatus', 'query Q($r: String!) { transferStatus(reference: $r) { status } }', { r: nul }, tenant.auth as typeof admin],
        ['merchant', 'query Q($id: ID) { merchant(id: $id) { id } }', { id: nul }, admin],
        ['apiKeys', 'query Q($m: ID) { apiKeys(merchantId: $m) { id } }', { m: nul }, admin],
        ['createOrder (customerId)', 'mutation M($i: CreateOrderInput!) { createOrder(input: $i) { id } }', { i: { customerId: nul, currency: 'KES', items: [{ name: 'Tea', quantity: 1, unitPriceMinor: '100' }] } }, tenant.auth as typeof admin],
        ['createOrder (item name)', 'mutation M($i: CreateOrderInput!) { createOrder(input: $i) { id } }', { i: { customerId: 'c1', currency: 'KES', items: [{ name: nul, quantity: 1, unitPriceMinor: '100' }] } }, tenant.auth as typeof admin],
      ];
      const problems: string[] = [];
      for (const [name, query, variables, auth] of cases) {
        const a = await S.ask(t, query, variables, auth);
        const codes = S.errorCodes(a);
        if (!(codes.length === 1 && codes[0] === 'BAD_USER_INPUT')) problems.push(`${name} with a NUL byte: model=[BAD_USER_INPUT] server=${JSON.stringify(codes)} (HTTP ${a.status}) ${a.errors?.[0]?.message ?? ''}`);
      }
      // Nothing was created by the refused createOrder calls.
      const orders = await S.ask(t, 'query { orders(first: 10) { edges { node { id } } } }', {}, tenant.auth);
      if (orders.data?.orders?.edges?.length !== 0) problems.push(`orders after refused createOrder: model=0 server=${JSON.stringify(orders.data?.orders?.edges ?? orders.errors)}`);
      S.report(`defect 7 (${mode}, merchant ${tenant.id})`, problems);
    });
  });
}
