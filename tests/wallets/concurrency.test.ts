/**
 * Balances stay exact and versions contiguous under concurrency: 200 events for one wallet
 * posted at once to TWO instances sharing PostgreSQL and Redis, watched live by a graphql-ws
 * subscriber on one of them. And the live stream fills a version gap (a lost publish) from
 * the ledger.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PubSub } from '../../src/pubsub/index.js';
import { createBalanceStream } from '../../src/wallets/stream.js';
import type { BalanceChange } from '../../src/wallets/types.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { collect, waitUntil } from '../support/subscriptions.js';
import { NEEDS, newMerchant } from '../support/tenants.js';
import { balanceOf, ingest, ledgerOf, newWalletId, QUIET_MS, sleep, WAIT_MS, walletEvent } from './helpers.js';
import { Balance } from './operations.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const EVENTS = 200;

await describeWith(NEEDS.services, 'wallet balance across two instances (services)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({ mode: 'services' });
    const { database } = a.config;
    if (database.kind !== 'postgres') throw new Error('services mode runs on PostgreSQL');
    b = await startTestApp({ mode: 'services', databaseUrl: database.url });
  });
  afterAll(async () => {
    // b first: stopping a drops the shared database.
    await b?.stop();
    await a?.stop();
  });

  it(`applies ${EVENTS} concurrent events exactly once, versions 1..${EVENTS} in order, and a subscriber sees every version`, async () => {
    const m = await newMerchant(a);
    const w = newWalletId();
    const owner = `user-${w}`;
    // Creates the wallet at version 0.
    await ingest(a, [walletEvent(m.id, w, 'payment.initiated', 1n, { customerId: owner })]);

    const client = a.wsClient({ authorization: `Bearer ${await a.token({ sub: owner, role: 'customer' })}` });
    const sub = collect(client, Balance, { walletId: w });
    await sub.waitFor(1, WAIT_MS);
    expect(sub.data()[0]!.balance).toMatchObject({ version: '0', available: { amountMinor: '0' } });

    // Deposits and transfers out, every fourth a transfer; half posted to each instance, all at once.
    let expected = 0n;
    const events = Array.from({ length: EVENTS }, (_, i) => {
      const transfer = i % 4 === 3;
      const amount = BigInt(transfer ? i + 1 : (i + 1) * 100);
      expected += transfer ? -amount : amount;
      return eventInput({ walletId: w, customerId: owner, type: transfer ? 'TRANSFER_SUCCESS' : 'PAYMENT_COMPLETED', amountMinor: amount.toString(), reference: `C-${w}-${i}` });
    });
    const results = await Promise.all(events.map((event, i) => (i % 2 === 0 ? a : b).gql(IngestOne, { event }, { token: m.token })));
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(results.filter((r) => r.data?.ingestPaymentEvent.status === 'INGESTED')).toHaveLength(EVENTS);

    expect(await balanceOf(b, w)).toEqual([expected.toString(), '0', String(EVENTS)]);
    const ledger = await ledgerOf(a, w);
    expect(ledger.map((e) => e.version)).toEqual(Array.from({ length: EVENTS }, (_, i) => String(i + 1)));
    // Each entry's result is the previous result plus its delta; every event applied once.
    let running = 0n;
    for (const e of ledger) {
      running += BigInt(e.availableDelta.amountMinor);
      expect(e.available.amountMinor).toBe(running.toString());
    }
    expect(new Set(ledger.map((e) => e.eventId)).size).toBe(EVENTS);

    await sub.waitFor(EVENTS + 1, WAIT_MS);
    await sleep(QUIET_MS);
    expect(sub.results.filter((r) => r.errors)).toEqual([]);
    const seen = sub.data().map((d) => d.balance);
    expect(seen.map((s) => s.version)).toEqual(Array.from({ length: EVENTS + 1 }, (_, i) => String(i)));
    expect(seen.slice(1).map((s) => [s.eventId, s.available.amountMinor])).toEqual(ledger.map((e) => [e.eventId, e.available.amountMinor]));
    expect(seen.at(-1)!.available.amountMinor).toBe(expected.toString());
  });
});

describe('balance stream', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
  });
  afterAll(() => t?.stop());

  it('reads versions whose publish was lost from the ledger, so the stream has no gap', async () => {
    const m = await newMerchant(t);
    const w = newWalletId();
    await ingest(t, [walletEvent(m.id, w, 'payment.completed', 10n, { reference: 'G0' })]);

    // A pubsub that loses the messages of versions 2 and 3 on the way to this subscriber.
    const real = t.pubsub;
    const lossy: PubSub = {
      ...real,
      async subscribe(topic, key) {
        const inner = await real.subscribe(topic, key);
        return {
          async next() {
            for (;;) {
              const r = await inner.next();
              if (r.done || !['2', '3'].includes((r.value as { version?: string }).version ?? '')) return r;
            }
          },
          return: () => inner.return!(),
          [Symbol.asyncIterator]() {
            return this;
          },
        } as typeof inner;
      },
    };
    const stream = createBalanceStream({ wallets: t.domain.wallets, pubsub: lossy }, { merchantId: m.id, walletId: w });
    const seen: BalanceChange[] = [];
    const reading = (async () => {
      for await (const change of stream) {
        seen.push(change);
        if (change.version === 4n) break;
      }
    })();
    await waitUntil(() => seen.length === 1, WAIT_MS, () => 'first message');
    for (const [ref, amount] of [['G1', 20n], ['G2', 30n], ['G3', 40n]] as const) {
      await ingest(t, [walletEvent(m.id, w, 'payment.completed', amount, { reference: ref })]);
    }
    await reading;
    expect(seen.map((c) => [c.version, c.availableMinor])).toEqual([[1n, 10n], [2n, 30n], [3n, 60n], [4n, 100n]]);
    await waitUntil(() => real.activeSubscriptions() === 0, WAIT_MS, () => 'unsubscribed after break');
  });
});
