/**
 * Event envelopes: validation and upcasting. Every source (GraphQL, Kafka, webhooks) hands raw
 * input to `parseEnvelope`, which returns the current (version 2) draft or per-field errors with
 * stable codes. Amounts are integer minor units as BigInt end to end; version 1's major-unit
 * decimals are converted exactly or refused, never rounded.
 */
import { z } from 'zod';
import { isCurrency } from '../lib/currency.js';
import { isStorable, NOT_STORABLE } from '../lib/storable.js';
import { MAX_AMOUNT_MINOR, parseMajor } from '../lib/money.js';
import {
  PAYMENT_EVENT_TYPES,
  PAYMENT_METHODS,
  type JsonObject,
  type PaymentEventDraft,
  type PaymentEventType,
} from '../payments/types.js';

import { FieldErrorCode } from '../lib/error-codes.js';

export const CURRENT_SCHEMA_VERSION = 2;

export { FieldErrorCode };

export interface FieldError {
  field: string;
  code: FieldErrorCode;
  message: string;
}

export type EnvelopeResult = { ok: true; draft: PaymentEventDraft } | { ok: false; errors: FieldError[] };

const MAX_METADATA_BYTES = 16 * 1024;
const id = z.string().trim().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
const storable = isStorable;

// Deeper metadata is refused before anything recursive (JSON.stringify, Prisma) touches it.
const MAX_METADATA_DEPTH = 32;

/** Why a metadata object cannot be stored, or undefined. Iterative: nesting depth is the client's. */
function metadataProblem(value: Record<string, unknown>): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (!storable(v)) return NOT_STORABLE;
    } else if (v !== null && typeof v === 'object') {
      if (depth > MAX_METADATA_DEPTH) return `must be nested at most ${MAX_METADATA_DEPTH} levels deep`;
      for (const [k, inner] of Object.entries(v)) {
        if (!Array.isArray(v) && !storable(k)) return NOT_STORABLE;
        stack.push([inner, depth + 1]);
      }
    }
  }
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_METADATA_BYTES) return `must be at most ${MAX_METADATA_BYTES} bytes of JSON`;
  return undefined;
}

const text = z.string().max(256).refine(storable, NOT_STORABLE);
const optionalId = id.nullish();

const OUT_OF_RANGE = `must be at most ${MAX_AMOUNT_MINOR} minor units`;
/** Marks a zod issue as AMOUNT_OUT_OF_RANGE rather than INVALID_AMOUNT. */
const outOfRange = { code: FieldErrorCode.AmountOutOfRange } as const;

const minorAmount = z.union([z.bigint(), z.string(), z.number()]).transform((value, ctx) => {
  let amount: bigint;
  if (typeof value === 'bigint') amount = value;
  else if (typeof value === 'number') {
    // An integral JSON number above the bound is out of range whatever its precision.
    if (Number.isInteger(value) && value > Number(MAX_AMOUNT_MINOR)) {
      ctx.addIssue({ code: 'custom', message: OUT_OF_RANGE, params: outOfRange });
      return z.NEVER;
    }
    if (!Number.isSafeInteger(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be an integer count of minor units' });
      return z.NEVER;
    }
    amount = BigInt(value);
  } else {
    if (!/^-?\d{1,400}$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be an integer count of minor units' });
      return z.NEVER;
    }
    amount = BigInt(value);
  }
  if (amount < 0n) {
    ctx.addIssue({ code: 'custom', message: 'must not be negative' });
    return z.NEVER;
  }
  if (amount > MAX_AMOUNT_MINOR) {
    ctx.addIssue({ code: 'custom', message: OUT_OF_RANGE, params: outOfRange });
    return z.NEVER;
  }
  return amount;
});

const timestamp = z.union([z.date(), z.string().datetime({ offset: true })]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'must be a valid timestamp' });
    return z.NEVER;
  }
  if (d.getTime() > Date.now() + 24 * 3600_000) {
    ctx.addIssue({ code: 'custom', message: 'must not be more than a day in the future' });
    return z.NEVER;
  }
  return d;
});

const metadata = z
  .record(z.string(), z.unknown())
  .superRefine((m, ctx) => {
    const problem = metadataProblem(m);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((m) => m as JsonObject);

const V2 = z.object({
  schemaVersion: z.literal(2).optional(),
  eventId: id,
  merchantId: id.optional(),
  type: z.enum(PAYMENT_EVENT_TYPES),
  provider: z.string().regex(/^[a-z][a-z0-9_]{1,31}$/, 'must be a lower-case provider name such as mpesa'),
  paymentMethod: z.enum(PAYMENT_METHODS).nullish(),
  amountMinor: minorAmount,
  feeMinor: minorAmount.nullish(),
  currency: z.string().refine(isCurrency, 'must be an ISO 4217 currency code such as KES'),
  customerId: optionalId,
  productId: optionalId,
  productName: text.nullish(),
  orderId: optionalId,
  walletId: optionalId,
  reference: optionalId,
  occurredAt: timestamp.nullish(),
  metadata: metadata.nullish(),
});

/** Version 1 is the seed documents' shape: snake_case, `event_type` like `payment_succeeded`, major-unit amounts. */
const V1_TYPES: Record<string, PaymentEventType> = {
  payment_initiated: 'payment.initiated',
  payment_pending: 'payment.pending',
  payment_processing: 'payment.processing',
  payment_succeeded: 'payment.completed',
  payment_completed: 'payment.completed',
  payment_failed: 'payment.failed',
  payment_refunded: 'payment.refunded',
  refund_processed: 'refund.processed',
  transfer_success: 'transfer.success',
  transfer_succeeded: 'transfer.success',
  transfer_failed: 'transfer.failed',
};

const majorAmount = z.union([z.number(), z.string()]);
const V1 = z.object({
  schemaVersion: z.literal(1).optional(),
  schema_version: z.literal(1).optional(),
  transaction_id: id.optional(),
  event_id: id.optional(),
  merchant_id: id.optional(),
  event_type: z.string(),
  provider: z.string().optional(),
  amount: majorAmount,
  fee: majorAmount.nullish(),
  currency: z.string(),
  payment_method: z.string().nullish(),
  customer_id: optionalId,
  product_id: optionalId,
  product_name: text.nullish(),
  order_id: optionalId,
  wallet_id: optionalId,
  reference: optionalId,
  occurred_at: z.string().nullish(),
  timestamp: z.string().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

/** Detects the envelope version of raw input and returns the current draft, or every field error found. */
export function parseEnvelope(input: unknown): EnvelopeResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return fail('(event)', FieldErrorCode.InvalidField, 'event must be an object');
  }
  const raw = input as Record<string, unknown>;
  const version = raw.schemaVersion ?? raw.schema_version ?? ('event_type' in raw || 'transaction_id' in raw ? 1 : 2);
  if (typeof version !== 'number') {
    return fail('schemaVersion', FieldErrorCode.InvalidField, `schemaVersion must be the number 1 or 2, got ${typeof version === 'string' ? JSON.stringify(version.slice(0, 20)) : typeof version}`);
  }
  if (version === 2) return fromV2(raw);
  if (version === 1) return upcastV1(raw);
  return fail('schemaVersion', FieldErrorCode.UnsupportedSchemaVersion, `schema version ${String(version)} is not supported (1 or 2)`);
}

function fromV2(raw: Record<string, unknown>): EnvelopeResult {
  const parsed = V2.safeParse(raw);
  if (!parsed.success) return { ok: false, errors: toFieldErrors(parsed.error, raw) };
  const e = parsed.data;
  return {
    ok: true,
    draft: {
      eventId: e.eventId,
      merchantId: e.merchantId,
      schemaVersion: 2,
      type: e.type,
      provider: e.provider,
      paymentMethod: e.paymentMethod ?? null,
      amountMinor: e.amountMinor,
      feeMinor: e.feeMinor ?? 0n,
      currency: e.currency,
      customerId: e.customerId ?? null,
      productId: e.productId ?? null,
      productName: e.productName ?? null,
      orderId: e.orderId ?? null,
      walletId: e.walletId ?? null,
      reference: e.reference ?? null,
      occurredAt: e.occurredAt ?? new Date(),
      metadata: e.metadata ?? {},
    },
  };
}

/** Maps a version-1 envelope onto version 2, then validates it as version 2 (one set of rules). */
function upcastV1(raw: Record<string, unknown>): EnvelopeResult {
  const parsed = V1.safeParse(raw);
  if (!parsed.success) return { ok: false, errors: toFieldErrors(parsed.error, raw) };
  const e = parsed.data;
  const errors: FieldError[] = [];
  const eventId = e.transaction_id ?? e.event_id;
  if (!eventId) errors.push({ field: 'transaction_id', code: FieldErrorCode.MissingField, message: 'transaction_id is required' });
  const type = V1_TYPES[e.event_type] ?? (PAYMENT_EVENT_TYPES as readonly string[]).find((t) => t === e.event_type);
  if (!type) errors.push({ field: 'event_type', code: FieldErrorCode.InvalidEventType, message: `unknown event_type ${e.event_type}` });
  if (!isCurrency(e.currency)) {
    errors.push({ field: 'currency', code: FieldErrorCode.InvalidCurrency, message: 'must be an ISO 4217 currency code such as KES' });
    return { ok: false, errors };
  }
  const amount = majorWithin(e.amount, e.currency, 'amount', errors);
  const fee = e.fee === null || e.fee === undefined ? 0n : majorWithin(e.fee, e.currency, 'fee', errors);
  if (errors.length > 0 || amount === undefined || fee === undefined) return { ok: false, errors };
  const result = fromV2({
    eventId,
    merchantId: e.merchant_id,
    type,
    provider: e.provider ?? 'unknown',
    paymentMethod: e.payment_method,
    amountMinor: amount,
    feeMinor: fee,
    currency: e.currency,
    customerId: e.customer_id,
    productId: e.product_id,
    productName: e.product_name,
    orderId: e.order_id,
    walletId: e.wallet_id,
    reference: e.reference,
    occurredAt: e.occurred_at ?? e.timestamp,
    metadata: e.metadata,
  });
  if (!result.ok) return { ok: false, errors: result.errors.map((err) => ({ ...err, ...v1Field(err.field, err.message) })) };
  return { ok: true, draft: { ...result.draft, schemaVersion: 1 } };
}

/** A version-1 major-unit amount in minor units, or undefined with its error recorded. */
function majorWithin(value: string | number, currency: string, field: string, errors: FieldError[]): bigint | undefined {
  const parsed = parseMajor(value, currency);
  if (!parsed.ok) {
    errors.push({ field, code: parsed.outOfRange ? FieldErrorCode.AmountOutOfRange : FieldErrorCode.InvalidAmount, message: parsed.reason });
    return undefined;
  }
  if (parsed.minor > MAX_AMOUNT_MINOR) {
    errors.push({ field, code: FieldErrorCode.AmountOutOfRange, message: `amount ${OUT_OF_RANGE}` });
    return undefined;
  }
  return parsed.minor;
}

/** Version-2 field names as the version-1 sender wrote them, so its errors name its own fields. */
const V1_FIELD_NAMES: Record<string, string> = {
  eventId: 'transaction_id',
  merchantId: 'merchant_id',
  type: 'event_type',
  paymentMethod: 'payment_method',
  amountMinor: 'amount',
  feeMinor: 'fee',
  customerId: 'customer_id',
  productId: 'product_id',
  productName: 'product_name',
  orderId: 'order_id',
  walletId: 'wallet_id',
  occurredAt: 'occurred_at',
};

function v1Field(field: string, message: string): { field: string; message: string } {
  const top = field.split('.')[0]!;
  const name = V1_FIELD_NAMES[top];
  if (!name) return { field, message };
  return { field: name + field.slice(top.length), message: message.replace(top, name) };
}

function toFieldErrors(error: z.ZodError, raw: Record<string, unknown>): FieldError[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(event)';
    const top = String(issue.path[0] ?? '');
    let code: FieldErrorCode = FieldErrorCode.InvalidField;
    if (issue.path.length === 1 && raw[top] === undefined) code = FieldErrorCode.MissingField;
    else if (top === 'currency') code = FieldErrorCode.InvalidCurrency;
    else if (issue.code === 'custom' && issue.params?.code === FieldErrorCode.AmountOutOfRange) code = FieldErrorCode.AmountOutOfRange;
    else if (['amountMinor', 'feeMinor', 'amount', 'fee'].includes(top)) code = FieldErrorCode.InvalidAmount;
    else if (top === 'type' || top === 'event_type') code = FieldErrorCode.InvalidEventType;
    const message = code === FieldErrorCode.MissingField ? `${field} is required` : `${field} ${issue.message}`;
    return { field, code, message };
  });
}

function fail(field: string, code: FieldErrorCode, message: string): EnvelopeResult {
  return { ok: false, errors: [{ field, code, message }] };
}
