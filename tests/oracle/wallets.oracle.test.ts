/**
 * Wallet-heavy random streams at two merchants that use the SAME wallet ids and the same
 * customer ids (one via a merchant token, one via an API key): every wallet of each merchant,
 * each owner's myWallets with and without a merchant claim, and the transfer/payment tracking,
 * compared with the model. Events often lack a customerId or name a wallet before it is opened.
 * Both modes.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, it } from 'vitest';
import { MODES, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { NEEDS } from '../support/tenants.js';
import { assertStreams, checkAll, sendStream } from './drive.js';
import * as model from './model.js';
import * as S from './server.js';
import { customerId, fcParams, localMidnight, materialize, reference, streamArb, walletId, type Pools } from './streams.js';

const FIRST_DAY = '2026-10-01';
const DAYS = 5;
const RUNS = 3;
/** Few wallets and customers: they collide often. */
const POOLS: Pools = { customers: 3, products: 2, wallets: 2, refs: 4 };

for (const mode of MODES) {
  await describeWith(NEEDS[mode], `oracle: wallets of two merchants sharing wallet ids (${mode})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await S.startOracleApp(mode);
    });
    afterAll(() => t?.stop());

    it('keeps each merchant\'s wallets apart and moves them as docs/wallets.md defines, whatever the arrival', async () => {
      let n = 0;
      await assertStreams(
        (record) =>
          fc.asyncProperty(streamArb({ days: DAYS, pools: POOLS, maxGroups: 10 }), streamArb({ days: DAYS, pools: POOLS, maxGroups: 10 }), async (specA, specB) => {
            const tag = randomUUID().slice(0, 6);
            const a = await S.newTenant(t, specA.timezone, 'token');
            const b = await S.newTenant(t, specB.timezone, 'apiKey');
            const eventsA = materialize(specA, FIRST_DAY, { tag });
            const eventsB = materialize(specB, FIRST_DAY, { tag });
            // The two merchants ingest at the same time.
            const [sentA, sentB] = await Promise.all([sendStream(t, a, eventsA, specA.plan), sendStream(t, b, eventsB, specB.plan)]);
            const problems = [...sentA.problems.map((p) => `A ${p}`), ...sentB.problems.map((p) => `B ${p}`)];
            const owners = Array.from({ length: POOLS.customers }, (_, i) => customerId(tag, i));
            const walletIds = Array.from({ length: POOLS.wallets }, (_, i) => walletId(tag, i));
            for (const [name, tenant, spec, stored] of [['A', a, specA, sentA.stored], ['B', b, specB, sentB.stored]] as const) {
              const from = localMidnight(FIRST_DAY, spec.timezone) - 3 * 86_400_000;
              const lines = await checkAll(t, tenant, stored, { from, to: from + (DAYS + 6) * 86_400_000, days: 366, limit: 2, references: [reference(POOLS.refs)], walletIds, owners });
              problems.push(...lines.map((p) => `${name} ${p}`));
            }
            // Without a merchant claim, an owner's wallets at both merchants.
            const all = [...model.wallets(sentA.stored).map((w) => S.walletView(w, a.id)), ...model.wallets(sentB.stored).map((w) => S.walletView(w, b.id))] as any[];
            for (const owner of owners) {
              const res = await S.ask(t, S.Q.myWallets, {}, { token: await t.token({ sub: owner, role: 'customer' }) });
              if (!res.data?.myWallets) {
                problems.push(`myWallets(${owner}, no merchant claim): ${S.errorCodes(res).join(',')}`);
                continue;
              }
              const want = Object.fromEntries(all.filter((w) => w.ownerId === owner).map((w) => [`${w.merchantId}/${w.id}`, w]));
              const got = Object.fromEntries((res.data.myWallets as any[]).map((w) => [`${w.merchantId}/${w.id}`, S.serverWalletView(w)]));
              S.diff(`myWallets(${owner}, no merchant claim)`, want, got, problems);
            }
            record(`stream pair #${n++} (${mode}, A ${a.id} ${specA.timezone} ${eventsA.length} events, B ${b.id} ${specB.timezone} ${eventsB.length} events)`, problems);
          }),
        fcParams(RUNS, 41_003),
      );
    }, 900_000);
  });
}
