/** The payment event as paypulse stores and streams it (envelope version 2, the current one). */

export const PAYMENT_EVENT_TYPES = [
  'payment.initiated',
  'payment.pending',
  'payment.processing',
  'payment.completed',
  'payment.failed',
  'payment.refunded',
  'refund.processed',
  'transfer.success',
  'transfer.failed',
] as const;
export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

export const PAYMENT_METHODS = ['mobile_money', 'card', 'bank_transfer', 'ussd', 'qr', 'wallet'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const EVENT_SOURCES = ['api', 'webhook', 'kafka', 'rabbitmq', 'demo'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A validated event, before it is stored. */
export interface PaymentEventDraft {
  eventId: string;
  merchantId: string | undefined;
  schemaVersion: number;
  type: PaymentEventType;
  provider: string;
  paymentMethod: PaymentMethod | null;
  amountMinor: bigint;
  feeMinor: bigint;
  currency: string;
  customerId: string | null;
  productId: string | null;
  productName: string | null;
  orderId: string | null;
  walletId: string | null;
  reference: string | null;
  occurredAt: Date;
  metadata: JsonObject;
}

/** The payment an event belongs to: its provider reference, or the event alone without one. */
export function paymentKeyOf(e: { reference: string | null; eventId: string }): string {
  return e.reference !== null ? `ref:${e.reference}` : `evt:${e.eventId}`;
}

/** A stored event. `seq` is global (the cursor); `merchantSeq` is contiguous per merchant. */
export interface PaymentEventRecord extends Omit<PaymentEventDraft, 'merchantId'> {
  seq: bigint;
  merchantSeq: bigint;
  merchantId: string;
  receivedAt: Date;
  source: EventSource;
}

/** JSON-safe form of a record, as it travels through PubSub: BigInt and Date become strings. */
export type PaymentEventMessage = {
  [K in keyof PaymentEventRecord]: PaymentEventRecord[K] extends bigint | Date ? string : PaymentEventRecord[K];
};

export function toMessage(e: PaymentEventRecord): PaymentEventMessage {
  return {
    ...e,
    seq: e.seq.toString(),
    merchantSeq: e.merchantSeq.toString(),
    amountMinor: e.amountMinor.toString(),
    feeMinor: e.feeMinor.toString(),
    occurredAt: e.occurredAt.toISOString(),
    receivedAt: e.receivedAt.toISOString(),
  };
}

const decoded = new WeakMap<PaymentEventMessage, PaymentEventRecord>();

/**
 * The record of a message. PubSub hands every listener the same frozen message, so it is decoded
 * once for all of them, and the record is frozen too.
 */
export function fromMessage(m: PaymentEventMessage): PaymentEventRecord {
  let record = decoded.get(m);
  if (!record) decoded.set(m, (record = Object.freeze(decode(m))));
  return record;
}

function decode(m: PaymentEventMessage): PaymentEventRecord {
  return {
    ...m,
    seq: BigInt(m.seq),
    merchantSeq: BigInt(m.merchantSeq),
    amountMinor: BigInt(m.amountMinor),
    feeMinor: BigInt(m.feeMinor),
    occurredAt: new Date(m.occurredAt),
    receivedAt: new Date(m.receivedAt),
  };
}
