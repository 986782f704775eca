import { isTransient } from '../lib/transient.js';
import { IntakeUnavailableError } from '../ingest/intake.js';
import type { IngestResult, ItemOutcome } from '../ingest/batch.js';
import type { PaymentEventFilter } from '../payments/filter.js';
import { EVENT_SOURCES, PAYMENT_EVENT_TYPES, PAYMENT_METHODS, type PaymentEventRecord } from '../payments/types.js';
import { builder, type GraphQLContext } from './builder.js';
import { connectionOf, forwardPageSize, parseSeqCursor } from './cursor.js';
import { clientError, ErrorCode, orThrow } from './errors.js';
import { Money } from './money.js';
import { registerNode } from './relay.js';
import { merchantScope } from './scope.js';

const enumName = (value: string) => value.replace(/[.]/g, '_').toUpperCase();
const enumValues = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [enumName(v), { value: v, description: v }])) as Record<string, { value: T }>;

export const PaymentEventTypeEnum = builder.enumType('PaymentEventType', { values: enumValues(PAYMENT_EVENT_TYPES) });
export const PaymentMethodEnum = builder.enumType('PaymentMethod', { values: enumValues(PAYMENT_METHODS) });
const EventSourceEnum = builder.enumType('EventSource', { values: enumValues(EVENT_SOURCES) });
const SortOrder = builder.enumType('SortOrder', { values: { ASC: { value: 'ASC' }, DESC: { value: 'DESC' } } as const });

export const PaymentEventRef = builder.node(builder.objectRef<PaymentEventRecord>('PaymentEvent'), {
  description: 'An immutable payment event, stored once per (merchant, eventId).',
  id: { description: 'Opaque global id (Relay `Node`), for `node(id)` and client caches.', resolve: (e) => e.seq.toString() },
  fields: (t) => ({
    cursor: t.string({ description: 'Global sequence number (unique across merchants): pass as `after` to resume a feed after this event.', resolve: (e) => e.seq.toString() }),
    merchantSeq: t.expose('merchantSeq', { type: 'BigInt', description: "Contiguous position in this merchant's stream." }),
    eventId: t.exposeString('eventId', { description: "The producer's id: the idempotency key." }),
    merchantId: t.exposeString('merchantId'),
    schemaVersion: t.exposeInt('schemaVersion', { description: 'Envelope version the event arrived with.' }),
    type: t.field({ type: PaymentEventTypeEnum, resolve: (e) => e.type }),
    provider: t.exposeString('provider'),
    paymentMethod: t.field({ type: PaymentMethodEnum, nullable: true, resolve: (e) => e.paymentMethod }),
    amount: t.field({ type: Money, resolve: (e) => ({ amountMinor: e.amountMinor, currency: e.currency }) }),
    fee: t.field({ type: Money, resolve: (e) => ({ amountMinor: e.feeMinor, currency: e.currency }) }),
    currency: t.exposeString('currency'),
    customerId: t.exposeString('customerId', { nullable: true }),
    productId: t.exposeString('productId', { nullable: true }),
    productName: t.exposeString('productName', { nullable: true }),
    orderId: t.exposeString('orderId', { nullable: true }),
    walletId: t.exposeString('walletId', { nullable: true }),
    reference: t.exposeString('reference', { nullable: true }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    source: t.field({ type: EventSourceEnum, resolve: (e) => e.source }),
    metadata: t.expose('metadata', { type: 'JSON' }),
  }),
});

const PaymentEventFilterInput = builder.inputType('PaymentEventFilter', {
  description: 'Empty or missing lists mean "any"; values in one list are alternatives; fields combine with AND.',
  fields: (t) => ({
    merchantId: t.id({ required: false, description: "Admins: the merchant to read. Others: must be their own (anything else is FORBIDDEN)." }),
    types: t.field({ type: [PaymentEventTypeEnum], required: false }),
    providers: t.stringList({ required: false }),
    currencies: t.stringList({ required: false }),
    paymentMethods: t.field({ type: [PaymentMethodEnum], required: false }),
    minAmountMinor: t.field({ type: 'BigInt', required: false }),
    customerId: t.string({ required: false }),
    reference: t.string({ required: false }),
  }),
});

type FilterArg = typeof PaymentEventFilterInput.$inferInput | null | undefined;

function scopeAndFilter(ctx: GraphQLContext, filter: FilterArg): { merchantId: string; filter: PaymentEventFilter } {
  const merchantId = merchantScope(ctx, filter?.merchantId?.toString());
  return { merchantId, filter: { ...filter } };
}

const PaymentEventInput = builder.inputType('PaymentEventInput', {
  description: 'A payment event (envelope version 2). Amounts are integer minor units.',
  fields: (t) => ({
    eventId: t.string({ description: 'Idempotency key, unique per merchant (1-128 printable characters).' }),
    merchantId: t.id({ required: false, description: "Defaults to the caller's merchant; admins must set it." }),
    type: t.field({ type: PaymentEventTypeEnum }),
    provider: t.string({ description: 'Lower-case provider name: mpesa, paystack, flutterwave, mtn_momo, …' }),
    paymentMethod: t.field({ type: PaymentMethodEnum, required: false }),
    amountMinor: t.field({ type: 'BigInt' }),
    feeMinor: t.field({ type: 'BigInt', required: false }),
    currency: t.string({ description: 'ISO 4217 code.' }),
    customerId: t.string({ required: false }),
    productId: t.string({ required: false }),
    productName: t.string({ required: false }),
    orderId: t.string({ required: false }),
    walletId: t.string({ required: false }),
    reference: t.string({ required: false, description: "Provider's reference, for tracking." }),
    occurredAt: t.field({ type: 'DateTime', required: false, description: 'Defaults to the time it is received.' }),
    metadata: t.field({ type: 'JSON', required: false }),
  }),
});

export const IngestStatus = builder.enumType('IngestStatus', {
  values: {
    INGESTED: { value: 'ingested', description: 'Stored now.' },
    DUPLICATE: { value: 'duplicate', description: 'Already stored under this eventId; nothing changed.' },
    ACCEPTED: { value: 'accepted', description: 'Valid and acknowledged by Kafka; the consumer stores it (a repeat is then dropped as a duplicate).' },
    REJECTED: { value: 'rejected', description: 'Invalid; see the errors. Nothing was stored.' },
  } as const,
});

interface ItemErrorShape {
  index: number;
  field: string;
  code: string;
  message: string;
}

const IngestItemError = builder.objectRef<ItemErrorShape>('IngestItemError').implement({
  description: 'Why one item of a batch was not stored.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Position of the item in the input list.' }),
    field: t.exposeString('field'),
    code: t.exposeString('code', { description: 'INVALID_CURRENCY, INVALID_AMOUNT, AMOUNT_OUT_OF_RANGE, MISSING_FIELD, INVALID_FIELD, FORBIDDEN, MERCHANT_NOT_FOUND, …' }),
    message: t.exposeString('message'),
  }),
});

const IngestItemResult = builder.objectRef<ItemOutcome>('IngestItemResult').implement({
  fields: (t) => ({
    index: t.exposeInt('index'),
    status: t.field({ type: IngestStatus, resolve: (o) => o.status }),
    event: t.field({ type: PaymentEventRef, nullable: true, resolve: (o) => (o.status === 'ingested' || o.status === 'duplicate' ? o.event : null) }),
  }),
});

type StoredOrAccepted = Exclude<ItemOutcome, { status: 'rejected' }>;

const IngestPaymentEventPayload = builder.objectRef<StoredOrAccepted>('IngestPaymentEventPayload').implement({
  fields: (t) => ({
    status: t.field({ type: IngestStatus, resolve: (p) => p.status }),
    duplicate: t.boolean({ resolve: (p) => p.status === 'duplicate' }),
    eventId: t.string({ resolve: (p) => (p.status === 'accepted' ? p.eventId : p.event.eventId) }),
    event: t.field({
      type: PaymentEventRef,
      nullable: true,
      description: 'The stored event (the original one for a duplicate); null when ACCEPTED, as it is not stored yet.',
      resolve: (p) => (p.status === 'accepted' ? null : p.event),
    }),
  }),
});

export const IngestPaymentEventsPayload = builder.objectRef<IngestResult>('IngestPaymentEventsPayload').implement({
  fields: (t) => ({
    ingested: t.exposeInt('ingested'),
    duplicates: t.exposeInt('duplicates'),
    accepted: t.exposeInt('accepted', { description: 'Produced to Kafka, to be stored by the consumer (0 without Kafka).' }),
    rejected: t.exposeInt('rejected'),
    errors: t.field({ type: [IngestItemError], resolve: (r) => itemErrors(r.items) }),
    results: t.field({ type: [IngestItemResult], resolve: (r) => r.items }),
  }),
});

function itemErrors(items: ItemOutcome[]): ItemErrorShape[] {
  return items.flatMap((o) => (o.status === 'rejected' ? o.errors.map((e) => ({ index: o.index, ...e })) : []));
}

/** Ingest on behalf of the caller: merchants (JWT or API key) for themselves, admins for the merchant each item names. */
function ingestScope(ctx: GraphQLContext): string | undefined {
  const principal = ctx.principal!;
  return principal.role === 'admin' ? undefined : (principal.merchantId ?? undefined);
}

/** Through the intake in the caller's scope; an unavailable event log is a retryable client error. */
async function submit(ctx: GraphQLContext, inputs: readonly unknown[]): Promise<IngestResult> {
  try {
    return await ctx.domain.intake.ingest(inputs, { source: 'api', merchantId: ingestScope(ctx) });
  } catch (error) {
    if (error instanceof IntakeUnavailableError) throw clientError(ErrorCode.ServiceUnavailable, error.message, { retryable: true });
    // The database is unreachable or overloaded: nothing was stored, the same event ids can be sent again.
    if (isTransient(error)) throw clientError(ErrorCode.ServiceUnavailable, 'the event store is unavailable; retry with the same event ids', { retryable: true });
    throw error;
  }
}

/** A whole batch (≤ maxBatchSize, or nothing is stored). */
function submitBatch(ctx: GraphQLContext, inputs: readonly unknown[]): Promise<IngestResult> {
  return submit(ctx, orThrow(ctx.domain.intake.checkBatch(inputs)));
}

builder.queryFields((t) => ({
  paymentEvents: t.connection({
    type: PaymentEventRef,
    description: "The merchant's events, newest first by default. Only `first`/`after` paging is supported.",
    authScopes: { merchantStaff: true },
    args: {
      filter: t.arg({ type: PaymentEventFilterInput, required: false }),
      order: t.arg({ type: SortOrder, required: false, defaultValue: 'DESC' }),
    },
    resolve: async (_root, args, ctx) => {
      const first = forwardPageSize(args);
      const { merchantId, filter } = scopeAndFilter(ctx, args.filter);
      const page = await ctx.domain.events.page({ merchantId, filter, afterSeq: parseSeqCursor(args.after), first, order: args.order ?? 'DESC' });
      return connectionOf(page.events, (e) => e.seq.toString(), page.hasNextPage, args.after);
    },
  }),
}));

builder.mutationFields((t) => ({
  ingestPaymentEvent: t.field({
    type: IngestPaymentEventPayload,
    description:
      'Store one event. Repeating an eventId changes nothing and returns DUPLICATE with the stored event. With Kafka configured, the event is produced to the topic and ACCEPTED is returned once Kafka acknowledged it.',
    authScopes: { merchantStaff: true },
    args: { event: t.arg({ type: PaymentEventInput, required: true }) },
    resolve: async (_root, args, ctx) => {
      const result = await submit(ctx, [args.event]);
      const outcome = result.items[0]!;
      if (outcome.status === 'rejected') {
        const first = outcome.errors[0]!;
        throw clientError(first.code, outcome.errors.map((e) => e.message).join('; '), { fieldErrors: outcome.errors });
      }
      return outcome;
    },
  }),
  ingestPaymentEvents: t.field({
    type: IngestPaymentEventsPayload,
    description: 'Store up to 1000 events. Valid items are stored even when others are rejected; each rejection is listed with its index.',
    authScopes: { merchantStaff: true },
    args: { events: t.arg({ type: [PaymentEventInput], required: true }) },
    resolve: (_root, args, ctx) => submitBatch(ctx, args.events),
  }),
  ingestEnvelopes: t.field({
    type: IngestPaymentEventsPayload,
    description:
      'Store up to 1000 raw event envelopes of any supported `schemaVersion` (version 1: the older snake_case shape with major-unit amounts; version 2: the current one), as upstream systems produce them. Validation, scope and results are those of `ingestPaymentEvents`.',
    authScopes: { merchantStaff: true },
    args: { envelopes: t.arg({ type: ['JSON'], required: true }) },
    resolve: (_root, args, ctx) => submitBatch(ctx, args.envelopes),
  }),
}));

builder.subscriptionFields((t) => ({
  paymentEvents: t.field({
    type: PaymentEventRef,
    description:
      "Live events of the caller's merchant, filtered on the server. With `after` (a cursor), stored events after it are replayed first, then the feed continues live with no gap and no duplicate.",
    authScopes: { merchantStaff: true },
    args: {
      filter: t.arg({ type: PaymentEventFilterInput, required: false }),
      after: t.arg.string({ required: false }),
    },
    subscribe: (_root, args, ctx) => {
      const { merchantId, filter } = scopeAndFilter(ctx, args.filter);
      return ctx.domain.feeds.paymentEvents({ merchantId, filter, afterSeq: parseSeqCursor(args.after) });
    },
    resolve: (event) => event,
  }),
}));

// Relay: staff of the event's merchant and admins, like `paymentEvents`.
registerNode('PaymentEvent', async (key, ctx) => {
  const principal = ctx.principal;
  if (!/^\d{1,19}$/.test(key) || !principal) return null;
  if (principal.role !== 'admin' && principal.role !== 'merchant') return null;
  const event = await ctx.domain.events.bySeq(BigInt(key));
  return event && (principal.role === 'admin' || event.merchantId === principal.merchantId) ? event : null;
});
