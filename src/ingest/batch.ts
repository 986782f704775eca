/**
 * What every intake shares before and after storing (the pipeline, the Kafka and RabbitMQ
 * intakes): the per-item outcome types, the validation half (`prepareBatch`) and the counts
 * (`summarize`). Intakes import this module, never the pipeline's internals.
 */
import { ItemErrorCode, type DeadLetterErrorCode } from '../lib/error-codes.js';
import type { EventSource, PaymentEventDraft, PaymentEventRecord } from '../payments/types.js';
import { parseEnvelope, type FieldError } from './envelope.js';

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
    if (!merchantId) return void reject(index, [{ field, code: ItemErrorCode.MissingField, message: `${field} is required` }]);
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
