/**
 * Tracking by provider reference (docs/tracking.md): `paymentStatus` / `transferStatus` and the
 * live `paymentTracking` / `transferTracking`. Who may look: staff of the merchant (vendors,
 * merchants, API keys), admins naming the merchant, and the customer the events name (a user
 * whose `sub` is the events' customerId). A customer gets FORBIDDEN for a reference that is not
 * theirs — also when it does not exist, so references cannot be probed.
 */
import type { PaymentEventRecord } from '../payments/types.js';
import { FINAL_STATUSES, TRACKING_STATUSES, type TrackingKind, type TrackingState } from '../tracking/state.js';
import { builder, type GraphQLContext } from './builder.js';
import { clientError, ErrorCode } from './errors.js';
import { Money } from './money.js';
import { PaymentEventTypeEnum } from './payments.js';
import { merchantScope } from './scope.js';

const MAX_REFERENCE = 200;

const TrackingStatusEnum = builder.enumType('TrackingStatus', {
  description: `Where a payment or transfer is. Final (the live stream completes): ${[...FINAL_STATUSES].join(', ')}.`,
  values: TRACKING_STATUSES,
});

const TrackingStepRef = builder.objectRef<{ status: (typeof TRACKING_STATUSES)[number]; event: PaymentEventRecord }>('TrackingStep').implement({
  description: 'One event of the reference, in provider time.',
  fields: (t) => ({
    status: t.field({ type: TrackingStatusEnum, resolve: (s) => s.status }),
    eventId: t.string({ resolve: (s) => s.event.eventId }),
    type: t.field({ type: PaymentEventTypeEnum, resolve: (s) => s.event.type }),
    amount: t.field({ type: Money, resolve: (s) => ({ amountMinor: s.event.amountMinor, currency: s.event.currency }) }),
    at: t.field({ type: 'DateTime', description: 'When the provider says it happened.', resolve: (s) => s.event.occurredAt }),
    cursor: t.string({ description: 'The event\'s paymentEvents cursor.', resolve: (s) => s.event.seq.toString() }),
  }),
});

const TrackedReferenceRef = builder.objectRef<TrackingState>('TrackedReference').implement({
  description: 'A payment or a transfer by its provider reference: its status (never moving backwards on late events) and its history.',
  fields: (t) => ({
    reference: t.exposeString('reference'),
    merchantId: t.exposeID('merchantId'),
    kind: t.string({ description: '`payment` or `transfer`.', resolve: (s) => s.kind }),
    status: t.field({ type: TrackingStatusEnum, resolve: (s) => s.status }),
    final: t.exposeBoolean('final', { description: 'True once the status can no longer change (the live stream then completes).' }),
    amount: t.field({ type: Money, description: 'Of the event that set the status.', resolve: (s) => ({ amountMinor: s.latest.amountMinor, currency: s.latest.currency }) }),
    provider: t.string({ resolve: (s) => s.latest.provider }),
    updatedAt: t.field({ type: 'DateTime', resolve: (s) => s.latest.occurredAt }),
    history: t.field({ type: [TrackingStepRef], resolve: (s) => s.history }),
  }),
});

interface Scope {
  merchantId: string;
  /** Set for customers: the state must name them. */
  customer?: string;
}

function trackingScope(ctx: GraphQLContext, reference: string, requested?: string | null): Scope {
  if (reference.trim() === '' || reference.length > MAX_REFERENCE) throw clientError(ErrorCode.BadUserInput, `reference must be 1-${MAX_REFERENCE} characters`);
  const principal = ctx.principal!;
  if (principal.role !== 'customer') return { merchantId: merchantScope(ctx, requested) };
  const merchantId = requested ?? principal.merchantId;
  if (!merchantId) throw clientError(ErrorCode.BadUserInput, 'merchantId is required: name the merchant you paid');
  if (principal.merchantId && principal.merchantId !== merchantId) throw clientError(ErrorCode.Forbidden, "cannot access another merchant's data");
  return { merchantId, customer: principal.subject };
}

const notYours = () => clientError(ErrorCode.Forbidden, 'no such reference among your payments');

async function current(ctx: GraphQLContext, kind: TrackingKind, reference: string, requested?: string | null) {
  const scope = trackingScope(ctx, reference, requested);
  const state = await ctx.domain.tracking.state(kind, scope.merchantId, reference);
  if (scope.customer && !state?.customerIds.includes(scope.customer)) throw notYours();
  return { scope, state };
}

const KINDS: { kind: TrackingKind; query: string; subscription: string }[] = [
  { kind: 'payment', query: 'paymentStatus', subscription: 'paymentTracking' },
  { kind: 'transfer', query: 'transferStatus', subscription: 'transferTracking' },
];

builder.queryFields((t) =>
  Object.fromEntries(
    KINDS.map(({ kind, query }) => {
      return [
        query,
        t.field({
          type: TrackedReferenceRef,
          nullable: true,
          description: `The ${kind} with this provider reference now; null when no event of it was stored yet (staff). Staff of its merchant, admins naming it, or its customer.`,
          authScopes: { authenticated: true },
          args: {
            reference: t.arg.string({ required: true, description: 'The provider reference.' }),
            merchantId: t.arg.id({ required: false, description: 'Admins, and customers whose token names no merchant: the merchant.' }),
          },
          resolve: async (_root, args, ctx) => (await current(ctx, kind, args.reference, args.merchantId?.toString())).state ?? null,
        }),
      ];
    }),
  ),
);

builder.subscriptionFields((t) =>
  Object.fromEntries(
    KINDS.map(({ kind, subscription }) => {
      return [
        subscription,
        t.field({
          type: TrackedReferenceRef,
          description: `The ${kind} live: its state now (once it has one), then every change; completes at a final status. Same access as the query; customers can follow only a reference that already names them.`,
          authScopes: { authenticated: true },
          args: {
            reference: t.arg.string({ required: true, description: 'The provider reference.' }),
            merchantId: t.arg.id({ required: false, description: 'Admins, and customers whose token names no merchant: the merchant.' }),
          },
          subscribe: async (_root, args, ctx) => {
            const { scope } = await current(ctx, kind, args.reference, args.merchantId?.toString());
            return ctx.domain.tracking.follow(kind, scope.merchantId, args.reference);
          },
          resolve: (state: TrackingState) => state,
        }),
      ];
    }),
  ),
);
