/**
 * The one ingest pipeline every source calls (GraphQL mutations, webhooks, Kafka, the demo):
 *
 *   validate + upcast → per merchant, ONE transaction: lock the merchant row → skip event ids
 *   already stored and insert the rest with contiguous merchant sequences (one set-based
 *   statement, src/payments/repository.ts) → effects (aggregates, wallet ledger, orders, outbox), sharing an
 *   IngestContext → commit → publish, then the effects' after-commit work. A call's merchants
 *   commit at once, each in its own transaction.
 *
 * Guarantees: an event id is stored at most once per merchant (a repeat is reported as a
 * duplicate and changes nothing); one merchant's events are committed in merchant-sequence order
 * (the row lock serialises them across instances); nothing is published before it is committed;
 * duplicates are published again, so a publish lost to a crash is repaired by redelivery
 * (subscribers drop what they already have by merchant sequence).
 *
 * Contention queues, never fails: within an instance, callers for one merchant wait in a
 * per-merchant queue (in memory, holding no connection) instead of each taking a connection to
 * wait on the row lock, and the callers that queued while a transaction ran are committed
 * together in the next one (group commit: each still gets its own outcomes). At most
 * `maxConcurrentTransactions` ingest transactions run at once per instance; the rest wait.
 */
import type { PrismaClient } from '../db/client.js';
import { prismaTransactions, type RunTransaction, type SqlTx, type TransactionLimits } from '../db/sql-transaction.js';
import type { Metrics } from '../lib/metrics.js';
import type { Logger } from '../lib/logger.js';
import { createSemaphore } from '../lib/semaphore.js';
import { toMessage, type EventSource, type PaymentEventRecord } from '../payments/types.js';
import type { PubSub } from '../pubsub/index.js';
import { createContext, type IngestContext } from './context.js';
import { prepareBatch, summarize, unknownMerchant, type IngestOptions, type IngestResult, type PreparedItem } from './batch.js';
import { lockedMerchant, lockMerchantStatement, storeEvents, type StoredEvent } from '../payments/repository.js';

/** The events were committed but at least one could not be published. */
export class PublishError extends Error {
  override name = 'PublishError';
}

/**
 * Work an effect leaves for after its transaction committed (typically publishing what it
 * changed). Never run when the transaction rolls back. A failure is handled like a failed
 * publish: logged, and a PublishError when the caller asked for `requirePublish`.
 */
export type AfterCommit = () => Promise<void>;

/**
 * Work done inside the ingest transaction for newly stored events (never for duplicates). It may
 * return an AfterCommit callback; callbacks run in commit order, after the events are published.
 */
export type IngestEffect = (tx: SqlTx, events: readonly StoredEvent[], context: IngestContext) => Promise<void | AfterCommit>;

export type { IngestContext } from './context.js';

export interface IngestPipeline {
  ingest(inputs: readonly unknown[], options: IngestOptions): Promise<IngestResult>;
}

export interface IngestPipelineDeps {
  prisma: PrismaClient;
  /**
   * Runs one ingest transaction (src/db/sql-transaction.ts): the database's driver session on
   * PostgreSQL (`Database.transaction`).
   * @default Prisma's interactive transaction on `prisma`
   */
  transaction?: RunTransaction;
  pubsub: PubSub;
  logger: Logger;
  effects?: readonly IngestEffect[];
  metrics?: Metrics;
  /**
   * Ingest transactions this instance runs at once; the others wait in memory. Keep it below
   * the connection pool so other work still gets connections.
   * @default 4
   */
  maxConcurrentTransactions?: number;
  /**
   * The most events one group commit takes from a merchant's queue (a single caller's batch is
   * never split).
   * @default 1000
   */
  maxGroupEvents?: number;
}

/** How long an ingest transaction waits for a connection, and the longest it may run. */
export const INGEST_TRANSACTION_LIMITS: TransactionLimits = { maxWaitMs: 10_000, timeoutMs: 60_000 };

/** Up to this many items a transaction may run generic plans (src/db/sql-transaction.ts, `fewRows`). */
const FEW_ROWS = 8;

const toRecord = ({ paymentKey: _key, ...event }: StoredEvent): PaymentEventRecord => event;

/** A validated item and the source it came through. */
type QueuedItem = PreparedItem & { source: EventSource };

/** What one merchant transaction stored, as each of its callers needs it. */
type GroupOutcome =
  | { kind: 'unknown-merchant' }
  | {
      kind: 'stored';
      /** The item that stored each new event (the first with its id, in queue order). */
      inserted: Map<QueuedItem, PaymentEventRecord>;
      /** Every event of the group by id, stored now or before. */
      byId: Map<string, PaymentEventRecord>;
      /** The first failure to publish or to run after-commit work, if any. */
      failure: unknown;
    };

interface Waiter {
  items: QueuedItem[];
  done(outcome: GroupOutcome): void;
  fail(error: unknown): void;
}

export function createIngestPipeline({
  prisma,
  pubsub,
  logger,
  transaction = prismaTransactions(prisma, INGEST_TRANSACTION_LIMITS),
  effects = [],
  metrics,
  maxConcurrentTransactions = 4,
  maxGroupEvents = 1000,
}: IngestPipelineDeps): IngestPipeline {
  const slots = createSemaphore(maxConcurrentTransactions);
  const queues = new Map<string, Waiter[]>();

  async function storeForMerchant(merchantId: string, items: QueuedItem[]) {
    return transaction(
      async (tx, opened) => {
        // The row lock (the opening statement) orders this merchant's ingests across every instance and connection.
        const merchant = lockedMerchant(merchantId, opened);
        if (!merchant) return { kind: 'unknown-merchant' as const };

        const { inserted, known, related } = await storeEvents(tx, merchant, items);
        const afterCommit: AfterCommit[] = [];
        if (inserted.length > 0) {
          // Duplicates of this batch that share a key with a new event belong to its payment too.
          const keys = new Set(inserted.map((e) => e.paymentKey));
          const context = createContext(tx, merchant, inserted, [...related, ...[...known.values()].filter((e) => keys.has(e.paymentKey))]);
          for (const effect of effects) {
            const after = await effect(tx, inserted, context);
            if (after) afterCommit.push(after);
          }
        }
        // The item that stored each new event: the first with its id, in queue order.
        const byEventId = new Map<string, QueuedItem>();
        for (const item of items) if (!byEventId.has(item.draft.eventId)) byEventId.set(item.draft.eventId, item);
        // Callers and subscribers get the records as before; the payment key stays internal.
        const records = inserted.map(toRecord);
        return {
          kind: 'stored' as const,
          inserted: records,
          known: new Map([...known].map(([id, e]) => [id, toRecord(e)])),
          afterCommit,
          insertedBy: new Map(records.map((e) => [byEventId.get(e.eventId)!, e])),
        };
      },
      { fewRows: items.length <= FEW_ROWS, opening: lockMerchantStatement(merchantId) },
    );
  }

  /**
   * One transaction for the items, then publish and after-commit work (in commit order). The
   * caller holds a transaction slot; it is released once the transaction ends.
   */
  async function commitGroup(merchantId: string, items: QueuedItem[]): Promise<GroupOutcome> {
    let stored: Awaited<ReturnType<typeof storeForMerchant>>;
    try {
      stored = await storeForMerchant(merchantId, items);
    } finally {
      // Publishing needs no connection: the next transaction may start meanwhile.
      slots.release();
    }
    if (stored.kind === 'unknown-merchant') return stored;
    const publishTimer = metrics?.publishSeconds.startTimer();
    let failure = await publish([...stored.inserted, ...stored.known.values()].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0)));
    publishTimer?.();
    for (const run of stored.afterCommit) {
      try {
        await run();
      } catch (error) {
        logger.error({ err: error }, 'after-commit work of an ingest effect failed');
        failure ??= error;
      }
    }
    return { kind: 'stored', inserted: stored.insertedBy, byId: new Map([...stored.known, ...stored.inserted.map((e) => [e.eventId, e] as const)]), failure };
  }

  /**
   * Runs a merchant's queue until it is empty: each turn waits for a transaction slot, then
   * commits every caller waiting by then (up to maxGroupEvents), so the callers that arrive while
   * other merchants hold the slots join the group instead of waiting for another transaction.
   */
  async function drain(merchantId: string, queue: Waiter[]): Promise<void> {
    while (queue.length > 0) {
      await slots.acquire();
      let size = 0;
      let take = 0;
      while (take < queue.length && (take === 0 || size + queue[take]!.items.length <= maxGroupEvents)) size += queue[take++]!.items.length;
      const group = queue.splice(0, take);
      try {
        const outcome = await commitGroup(merchantId, group.flatMap((w) => w.items));
        for (const w of group) w.done(outcome);
      } catch (error) {
        if (group.length === 1) group[0]!.fail(error);
        else {
          // A failure must stay its caller's: commit each caller alone.
          for (const w of group) {
            await slots.acquire();
            await commitGroup(merchantId, w.items).then(w.done, w.fail);
          }
        }
      }
    }
    queues.delete(merchantId);
  }

  function commit(merchantId: string, items: QueuedItem[]): Promise<GroupOutcome> {
    return new Promise((done, fail) => {
      const queue = queues.get(merchantId);
      if (queue) return void queue.push({ items, done, fail });
      const fresh: Waiter[] = [{ items, done, fail }];
      queues.set(merchantId, fresh);
      void drain(merchantId, fresh);
    });
  }

  /** Publishes in order (issued together: one Redis connection keeps their order); returns the first failure. */
  async function publish(events: PaymentEventRecord[]): Promise<unknown> {
    const results = await Promise.allSettled(events.map((event) => pubsub.publish('paymentEvents', event.merchantId, toMessage(event))));
    let failure: unknown;
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') return;
      // Committed but not published: live subscribers fill the gap from the database on the
      // merchant's next event, and a redelivery publishes it again.
      const event = events[i]!;
      logger.error({ err: result.reason, merchantId: event.merchantId, eventId: event.eventId }, 'publish after commit failed');
      failure ??= result.reason;
    });
    return failure;
  }

  return {
    async ingest(inputs, options) {
      const { outcomes, byMerchant } = prepareBatch(inputs, options);

      let failure: unknown;
      // The merchants' parts are independent transactions, so they run at once (each waits in its
      // merchant's queue, and at most maxConcurrentTransactions run): a batch spanning twelve
      // merchants costs about one transaction's time per slot, not twelve in a row. A merchant
      // that fails fails the call; the others' events stay stored (a retry reports them duplicates).
      const settled = await Promise.allSettled(
        [...byMerchant.keys()].sort().map(async (merchantId) => {
          const items = (byMerchant.get(merchantId) ?? []).map((item) => ({ ...item, source: options.source }));
          const stored = await commit(merchantId, items);
          if (stored.kind === 'unknown-merchant') {
            for (const { index, draft } of items) outcomes[index] = { index, status: 'rejected', errors: unknownMerchant(draft) };
            return;
          }
          for (const item of items) {
            const fresh = stored.inserted.get(item);
            const event = fresh ?? stored.byId.get(item.draft.eventId);
            if (event) outcomes[item.index] = { index: item.index, status: fresh ? 'ingested' : 'duplicate', event };
          }
          failure ??= stored.failure;
        }),
      );
      const refused = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (refused) throw refused.reason;
      if (failure && options.requirePublish) throw new PublishError('events were stored but not published', { cause: failure });

      const result = summarize(outcomes);
      if (metrics) {
        if (result.ingested) metrics.ingested.inc({ status: 'ingested' }, result.ingested);
        if (result.duplicates) metrics.ingested.inc({ status: 'duplicate' }, result.duplicates);
        if (result.rejected) metrics.ingested.inc({ status: 'rejected' }, result.rejected);
      }
      return result;
    },
  };
}
