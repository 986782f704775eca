/**
 * The one ingest pipeline every source calls (GraphQL mutations, webhooks, Kafka, the demo):
 *
 *   validate + upcast → per merchant, ONE transaction: lock the merchant row → skip event ids
 *   already stored → insert the rest with contiguous merchant sequences → effects (aggregates,
 *   wallet ledger, outbox: later modules) → commit → publish, then the effects' after-commit work.
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
import type { PrismaClient, Tx } from '../../../src/db/client.js';
import type { Metrics } from '../../../src/lib/metrics.js';
import type { Logger } from '../../../src/lib/logger.js';
import { createSemaphore } from '../../../src/lib/semaphore.js';
import { toRecord } from '../../../src/payments/repository.js';
import { paymentKeyOf, toMessage, type EventSource, type PaymentEventDraft, type PaymentEventRecord } from '../../../src/payments/types.js';
import type { PubSub } from '../../../src/pubsub/index.js';
import { parseEnvelope, type FieldError } from '../../../src/ingest/envelope.js';
import type { DeadLetterErrorCode } from '../../../src/lib/error-codes.js';

export const ItemErrorCode = {
  Forbidden: 'FORBIDDEN',
  MerchantNotFound: 'MERCHANT_NOT_FOUND',
} as const;

export interface ItemError {
  field: string;
  code: DeadLetterErrorCode;
  message: string;
}

export type ItemOutcome =
  | { index: number; status: 'ingested' | 'duplicate'; event: PaymentEventRecord }
  /** Produced to Kafka and acknowledged; the consumer stores it (or reports it a duplicate) later. */
  | { index: number; status: 'accepted'; eventId: string; merchantId: string }
  | { index: number; status: 'rejected'; errors: ItemError[] };

export interface IngestResult {
  ingested: number;
  duplicates: number;
  accepted: number;
  rejected: number;
  /** One outcome per input, in input order. */
  items: ItemOutcome[];
}

export interface IngestOptions {
  source: EventSource;
  /**
   * The merchant the caller acts for. Items may omit `merchantId` or repeat this one; an item
   * naming another merchant is refused with FORBIDDEN. When undefined (a trusted source such as
   * Kafka, or an admin), every item must name its merchant.
   */
  merchantId?: string;
  /**
   * Throw a PublishError when publishing after commit fails (the Kafka consumer then retries the
   * message, which republishes it as a duplicate). Otherwise the failure is logged: the events
   * are stored and live subscribers fill the gap from the database on the merchant's next event.
   */
  requirePublish?: boolean;
}

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
export type IngestEffect = (tx: Tx, events: readonly PaymentEventRecord[]) => Promise<void | AfterCommit>;

export interface IngestPipeline {
  ingest(inputs: readonly unknown[], options: IngestOptions): Promise<IngestResult>;
}

export interface IngestPipelineDeps {
  prisma: PrismaClient;
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
  effects = [],
  metrics,
  maxConcurrentTransactions = 4,
  maxGroupEvents = 1000,
}: IngestPipelineDeps): IngestPipeline {
  const slots = createSemaphore(maxConcurrentTransactions);
  const queues = new Map<string, Waiter[]>();

  async function storeForMerchant(merchantId: string, items: QueuedItem[]) {
    return prisma.$transaction(
      async (tx) => {
        // The row lock orders this merchant's ingests across every instance and connection.
        const locked = await tx.$queryRaw<{ last_event_seq: bigint }[]>`
          SELECT last_event_seq FROM merchants WHERE id = ${merchantId} FOR UPDATE`;
        const head = locked[0];
        if (!head) return { kind: 'unknown-merchant' as const };

        const ids = [...new Set(items.map((i) => i.draft.eventId))];
        const existing = await tx.paymentEvent.findMany({ where: { merchantId, eventId: { in: ids } } });
        const known = new Map(existing.map((row) => [row.eventId, toRecord(row)]));

        const fresh: QueuedItem[] = [];
        const seen = new Set<string>();
        for (const item of items) {
          if (known.has(item.draft.eventId) || seen.has(item.draft.eventId)) continue;
          seen.add(item.draft.eventId);
          fresh.push(item);
        }

        const afterCommit: AfterCommit[] = [];
        let next = head.last_event_seq;
        const rows =
          fresh.length === 0
            ? []
            : await tx.paymentEvent.createManyAndReturn({
                data: fresh.map(({ draft, source }) => {
                  next += 1n;
                  const { merchantId: _ignored, ...fields } = draft;
                  return { ...fields, merchantId, merchantSeq: next, source, paymentKey: paymentKeyOf(draft) };
                }),
              });
        const inserted = rows.map(toRecord).sort((a, b) => (a.merchantSeq < b.merchantSeq ? -1 : 1));
        if (inserted.length > 0) {
          await tx.merchant.update({ where: { id: merchantId }, data: { lastEventSeq: next } });
          for (const effect of effects) {
            const after = await effect(tx, inserted);
            if (after) afterCommit.push(after);
          }
        }
        const byEventId = new Map(fresh.map((item) => [item.draft.eventId, item]));
        return { kind: 'stored' as const, inserted, known, afterCommit, insertedBy: new Map(inserted.map((e) => [byEventId.get(e.eventId)!, e])) };
      },
      { maxWait: 10_000, timeout: 60_000 },
    );
  }

  /** One transaction for the items, then publish and after-commit work (in commit order). */
  async function commitGroup(merchantId: string, items: QueuedItem[]): Promise<GroupOutcome> {
    await slots.acquire();
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

  /** Runs a merchant's queue until it is empty: each turn commits every caller waiting (up to maxGroupEvents). */
  async function drain(merchantId: string, queue: Waiter[]): Promise<void> {
    while (queue.length > 0) {
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
          for (const w of group) await commitGroup(merchantId, w.items).then(w.done, w.fail);
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
      // Merchant by merchant, in a fixed order; each merchant's part waits in that merchant's queue.
      for (const merchantId of [...byMerchant.keys()].sort()) {
        const items = (byMerchant.get(merchantId) ?? []).map((item) => ({ ...item, source: options.source }));
        const stored = await commit(merchantId, items);
        if (stored.kind === 'unknown-merchant') {
          for (const { index, draft } of items) outcomes[index] = { index, status: 'rejected', errors: unknownMerchant(draft) };
          continue;
        }
        for (const item of items) {
          const fresh = stored.inserted.get(item);
          const event = fresh ?? stored.byId.get(item.draft.eventId);
          if (event) outcomes[item.index] = { index: item.index, status: fresh ? 'ingested' : 'duplicate', event };
        }
        failure ??= stored.failure;
      }
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

/** Validated items of one merchant, with their positions in the input. */
export type PreparedItem = { index: number; draft: PaymentEventDraft };

/**
 * The validation half of the pipeline, shared by every intake: parses and upcasts each input,
 * applies the caller's merchant scope, and groups the valid items by merchant. Rejected items
 * are already in `outcomes`; the other positions are left for the caller to fill.
 */
export function prepareBatch(inputs: readonly unknown[], options: Pick<IngestOptions, 'merchantId'>): { outcomes: ItemOutcome[]; byMerchant: Map<string, PreparedItem[]> } {
  const outcomes: ItemOutcome[] = new Array(inputs.length);
  const byMerchant = new Map<string, PreparedItem[]>();
  const reject = (index: number, errors: ItemError[]) => (outcomes[index] = { index, status: 'rejected', errors });

  inputs.forEach((input, index) => {
    const parsed = parseEnvelope(input);
    if (!parsed.ok) return void reject(index, parsed.errors satisfies FieldError[]);
    const { draft } = parsed;
    const merchantId = draft.merchantId ?? options.merchantId;
    const field = merchantField(draft);
    if (!merchantId) return void reject(index, [{ field, code: 'MISSING_FIELD', message: `${field} is required` }]);
    if (options.merchantId !== undefined && merchantId !== options.merchantId) {
      return void reject(index, [{ field, code: ItemErrorCode.Forbidden, message: 'cannot ingest events for another merchant' }]);
    }
    const group = byMerchant.get(merchantId) ?? [];
    group.push({ index, draft: { ...draft, merchantId } });
    byMerchant.set(merchantId, group);
  });
  return { outcomes, byMerchant };
}

/** The merchant field as the sender wrote it (version 1 is snake_case). */
function merchantField(draft: PaymentEventDraft): string {
  return draft.schemaVersion === 1 ? 'merchant_id' : 'merchantId';
}

export function unknownMerchant(draft: PaymentEventDraft): ItemError[] {
  return [{ field: merchantField(draft), code: ItemErrorCode.MerchantNotFound, message: `merchant ${draft.merchantId} does not exist` }];
}

export function summarize(outcomes: ItemOutcome[]): IngestResult {
  const result: IngestResult = { ingested: 0, duplicates: 0, rejected: 0, accepted: 0, items: outcomes };
  for (const o of outcomes) {
    if (o.status === 'ingested') result.ingested += 1;
    else if (o.status === 'duplicate') result.duplicates += 1;
    else if (o.status === 'accepted') result.accepted += 1;
    else result.rejected += 1;
  }
  return result;
}
