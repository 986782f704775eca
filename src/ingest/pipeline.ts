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
 */
import type { PrismaClient, Tx } from '../db/client.js';
import type { Metrics } from '../lib/metrics.js';
import type { Logger } from '../lib/logger.js';
import { toRecord } from '../payments/repository.js';
import { paymentKeyOf, toMessage, type EventSource, type PaymentEventDraft, type PaymentEventRecord } from '../payments/types.js';
import type { PubSub } from '../pubsub/index.js';
import { parseEnvelope, type FieldError } from './envelope.js';

export const ItemErrorCode = {
  Forbidden: 'FORBIDDEN',
  MerchantNotFound: 'MERCHANT_NOT_FOUND',
} as const;

export interface ItemError {
  field: string;
  code: string;
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
}

export function createIngestPipeline({ prisma, pubsub, logger, effects = [], metrics }: IngestPipelineDeps): IngestPipeline {
  async function storeForMerchant(merchantId: string, items: PreparedItem[], source: EventSource) {
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

        const fresh: PreparedItem[] = [];
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
                data: fresh.map(({ draft }) => {
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
        return { kind: 'stored' as const, inserted, known, afterCommit };
      },
      { maxWait: 10_000, timeout: 60_000 },
    );
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

      const toPublish: PaymentEventRecord[] = [];
      const afterCommit: AfterCommit[] = [];
      // Sorted so two batches touching the same merchants lock them in the same order.
      for (const merchantId of [...byMerchant.keys()].sort()) {
        const items = byMerchant.get(merchantId) ?? [];
        const stored = await storeForMerchant(merchantId, items, options.source);
        if (stored.kind === 'unknown-merchant') {
          for (const { index, draft } of items) outcomes[index] = { index, status: 'rejected', errors: unknownMerchant(draft) };
          continue;
        }
        const insertedById = new Map(stored.inserted.map((e) => [e.eventId, e]));
        const claimed = new Set<string>();
        for (const { index, draft } of items) {
          const fresh = insertedById.get(draft.eventId);
          if (fresh && !claimed.has(draft.eventId)) {
            claimed.add(draft.eventId);
            outcomes[index] = { index, status: 'ingested', event: fresh };
          } else {
            const event = fresh ?? stored.known.get(draft.eventId);
            if (event) outcomes[index] = { index, status: 'duplicate', event };
          }
        }
        toPublish.push(...stored.inserted, ...stored.known.values());
        afterCommit.push(...stored.afterCommit);
      }

      const publishTimer = metrics?.publishSeconds.startTimer();
      let failure = await publish(toPublish.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0)));
      publishTimer?.();
      for (const run of afterCommit) {
        try {
          await run();
        } catch (error) {
          logger.error({ err: error }, 'after-commit work of an ingest effect failed');
          failure ??= error;
        }
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
