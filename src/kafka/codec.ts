/**
 * Kafka message values are JSON envelopes (any supported `schemaVersion`; docs/events.md). The
 * producer writes the current version; the consumer accepts every version through the same
 * parser as the other sources. The message key is the merchant id (partitioning), and fills in
 * the merchant of an envelope that does not name one.
 */
import type { PaymentEventDraft } from '../payments/types.js';
import { EVENT_SOURCES, type EventSource } from '../payments/types.js';
import { ErrorCode } from '../lib/error-codes.js';

export const SOURCE_HEADER = 'paypulse-source';

/** The current (version 2) envelope of a validated event, JSON-safe (BigInt as strings). */
export function encodeDraft(draft: PaymentEventDraft & { merchantId: string }): string {
  return JSON.stringify({
    schemaVersion: 2,
    eventId: draft.eventId,
    merchantId: draft.merchantId,
    type: draft.type,
    provider: draft.provider,
    paymentMethod: draft.paymentMethod,
    amountMinor: draft.amountMinor.toString(),
    feeMinor: draft.feeMinor.toString(),
    currency: draft.currency,
    customerId: draft.customerId,
    productId: draft.productId,
    productName: draft.productName,
    orderId: draft.orderId,
    walletId: draft.walletId,
    reference: draft.reference,
    occurredAt: draft.occurredAt.toISOString(),
    metadata: draft.metadata,
  });
}

export type Decoded = { ok: true; input: Record<string, unknown>; merchantId: string | undefined } | { ok: false; code: typeof ErrorCode.InvalidJson; message: string };

export function decodeMessage(value: Buffer | string | null, key: Buffer | string | null): Decoded {
  if (value === null || value.length === 0) return { ok: false, code: ErrorCode.InvalidJson, message: 'message has no value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch (error) {
    return { ok: false, code: ErrorCode.InvalidJson, message: `value is not JSON: ${(error as Error).message}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, code: ErrorCode.InvalidJson, message: 'value must be a JSON object (one event envelope)' };
  }
  const input = parsed as Record<string, unknown>;
  const keyed = key && key.length > 0 ? key.toString() : undefined;
  const named = typeof input.merchantId === 'string' ? input.merchantId : typeof input.merchant_id === 'string' ? input.merchant_id : undefined;
  if (named === undefined && keyed !== undefined) {
    const isV1 = input.schemaVersion === 1 || input.schema_version === 1 || 'event_type' in input || 'transaction_id' in input;
    input[isV1 ? 'merchant_id' : 'merchantId'] = keyed;
  }
  return { ok: true, input, merchantId: named ?? keyed };
}

/**
 * The source recorded for a consumed event: the producer's header when it is one we know,
 * otherwise the broker it came through (`fallback`).
 */
export function sourceOf(headers: Record<string, unknown> | undefined, fallback: EventSource = 'kafka'): EventSource {
  const raw = headers?.[SOURCE_HEADER];
  const first = Array.isArray(raw) ? (raw as unknown[])[0] : raw;
  const value = typeof first === 'string' || Buffer.isBuffer(first) ? first.toString() : undefined;
  return (EVENT_SOURCES as readonly string[]).includes(value ?? '') ? (value as EventSource) : fallback;
}
