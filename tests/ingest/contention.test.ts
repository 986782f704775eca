/**
 * Contention answers, never fails (issue 18): 200 single-event requests for ONE wallet, sent at
 * once over HTTP while another session holds the merchant's row lock and other merchants' batches
 * compete for a 3-connection pool. Every answer is INGESTED or a retryable SERVICE_UNAVAILABLE
 * (never INTERNAL_SERVER_ERROR); retrying the retryable ones with the same event ids stores each
 * event exactly once and the balance is exact.
 *
 * And a single event in a quiet system costs a handful of statements (group commit and the
 * set-based writes): counted on the wire, at the pg driver.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { createIngestPipeline } from '../../src/ingest/pipeline.js';
import { createReferencePipeline } from '../support/reference/index.js';
import { IngestMany, IngestOne } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';
import { NEEDS, newMerchant } from '../support/tenants.js';
import { balanceOf, ingest, ledgerOf, newWalletId, walletEvent } from '../wallets/helpers.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const EVENTS = 200;

await describeWith(NEEDS.services, 'ingest under contention (services)', () => {
  let t: TestApp;
  let holder: pg.Client;

  beforeAll(async () => {
    t = await startTestApp({ mode: 'services', env: { DATABASE_POOL_SIZE: '3', NOTIFICATIONS_WORKER: 'false' } });
    const { database } = t.config;
    if (database.kind !== 'postgres') throw new Error('services mode runs on PostgreSQL');
    holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await t?.stop();
  });

  it(`answers ${EVENTS} concurrent events on one wallet with INGESTED or a retryable SERVICE_UNAVAILABLE, and stores each once`, async () => {
    const m = await newMerchant(t);
    const others = await Promise.all([newMerchant(t), newMerchant(t), newMerchant(t)]);
    const w = newWalletId();
    const owner = `user-${w}`;
    await ingest(t, [walletEvent(m.id, w, 'payment.initiated', 1n, { customerId: owner })]);

    // Another session holds the merchant row: the first transaction waits on the lock.
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM merchants WHERE id = $1 FOR UPDATE', [m.id]);

    const events = Array.from({ length: EVENTS }, (_, i) =>
      eventInput({ walletId: w, customerId: owner, type: 'PAYMENT_COMPLETED', amountMinor: String((i + 1) * 100), reference: `C-${w}-${i}` }),
    );
    const send = (event: (typeof events)[number]) => t.gql(IngestOne, { event }, { token: m.token });
    const pending = events.map(send);
    const load = others.map((o) => t.gql(IngestMany, { events: Array.from({ length: 200 }, () => eventInput()) }, { token: o.token }));

    await waitUntil(
      async () => {
        const r = await holder.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        return r.rows[0].n > 0;
      },
      30_000,
      () => 'an ingest transaction waiting on the merchant lock',
    );
    await holder.query('COMMIT');

    let answers = await Promise.all(pending);
    for (const r of await Promise.all(load)) expect(r.errors ?? []).toEqual([]);
    for (let round = 0; ; round++) {
      const errors = answers.flatMap((r) => r.errors ?? []);
      // Nothing but retryable refusals, ever.
      for (const e of errors) expect(e.extensions, e.message).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
      const retry = events.filter((_, i) => answers[i]!.errors);
      if (retry.length === 0) break;
      expect(round).toBeLessThan(20);
      const again = await Promise.all(retry.map(send));
      let k = 0;
      answers = answers.map((a) => (a.errors ? again[k++]! : a));
    }
    expect(answers.every((a) => ['INGESTED', 'DUPLICATE'].includes(a.data!.ingestPaymentEvent.status))).toBe(true);

    const expected = events.reduce((sum, e) => sum + BigInt(e.amountMinor), 0n);
    expect(await balanceOf(t, w)).toEqual([expected.toString(), '0', String(EVENTS)]);
    const ledger = await ledgerOf(t, w);
    expect(ledger.map((e) => e.version)).toEqual(Array.from({ length: EVENTS }, (_, i) => String(i + 1)));
    expect(new Set(ledger.map((e) => e.eventId)).size).toBe(EVENTS);
  });

  /** The statements `ingest` issues on the wire (the pg driver), the holder's left out. */
  async function countStatements(ingest: () => Promise<void>): Promise<string[]> {
    const statements: string[] = [];
    const query = pg.Client.prototype.query;
    const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      if (text && this !== holder) statements.push(text.trim().split(/\s+/).slice(0, 4).join(' '));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
    try {
      await ingest();
    } finally {
      spy.mockRestore();
    }
    return statements;
  }

  it('stores one event in a quiet system with at most 9 statements, BEGIN (with the merchant lock) and COMMIT included', async () => {
    const m = await newMerchant(t);
    // Not the merchant's first event: the count is a typical one.
    await t.gql(IngestOne, { event: eventInput() }, { token: m.token });
    const one = (reference: string) => [{ ...walletEvent(m.id, newWalletId(), 'payment.completed', 500n), walletId: null, customerId: 'cust-quiet', reference }];
    const reference = createReferencePipeline(t.app.infra);
    const before = await countStatements(async () => void expect((await reference.ingest(one('Q-0'), { source: 'api' })).ingested).toBe(1));
    const statements = await countStatements(async () => void expect((await t.pipeline.ingest(one('Q-1'), { source: 'api' })).ingested).toBe(1));
    console.log(`[contention] one event: ${statements.length} statements (the reference pipeline: ${before.length})\n  ${statements.join('\n  ')}`);
    expect(statements.length).toBeLessThanOrEqual(9);
    expect(statements.length).toBeLessThan(before.length);
    // The merchant row lock leaves with BEGIN, in one round trip.
    expect(statements[0]).toMatch(/^BEGIN; SELECT name, timezone/);
    expect(statements.at(-1)).toBe('COMMIT');
  });

  it('commits the callers that queued while every transaction slot was busy in one transaction', async () => {
    const [busy, waiting] = [await newMerchant(t), await newMerchant(t)];
    const { db, pubsub, logger } = t.app.infra;
    const pipeline = createIngestPipeline({ prisma: db.prisma, pubsub, logger, maxConcurrentTransactions: 1 });
    const CALLERS = 10;
    const event = (merchantId: string, i: number) => ({ ...walletEvent(merchantId, newWalletId(), 'payment.completed', 100n), walletId: null, reference: `G-${i}` });
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM merchants WHERE id = $1 FOR UPDATE', [busy.id]);
    const statements = await countStatements(async () => {
      // The one slot waits on the holder's lock; the other merchant's callers queue meanwhile.
      const first = pipeline.ingest([event(busy.id, 0)], { source: 'api' });
      await waitUntil(async () => (await holder.query(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'`)).rows[0].n > 0);
      const rest = Array.from({ length: CALLERS }, (_, i) => pipeline.ingest([event(waiting.id, i)], { source: 'api' }));
      await holder.query('COMMIT');
      const results = await Promise.all([first, ...rest]);
      expect(results.map((r) => r.ingested)).toEqual(Array(CALLERS + 1).fill(1));
    });
    expect(statements.filter((s) => s.startsWith('BEGIN'))).toHaveLength(2);
  });
});
