/**
 * `auditTrail`: every balance change and order status change of a merchant, newest first, with
 * actor, cause and time (docs/tracking.md). The merchant (JWT or API key) and admins naming the
 * merchant; vendors and customers are refused.
 */
import { decodeAuditCursor, encodeAuditCursor, type AuditEntry } from '../audit/service.js';
import { builder } from './builder.js';
import { connectionOf, forwardPageSize } from './cursor.js';
import { clientError, ErrorCode } from './errors.js';
import { Money } from './money.js';
import { merchantScope } from './scope.js';

const AuditKindEnum = builder.enumType('AuditKind', { values: ['BALANCE', 'ORDER'] as const });
const ActorKindEnum = builder.enumType('AuditActorKind', { values: ['USER', 'API_KEY', 'EVENT'] as const });

const money = (amount: bigint | null, currency: string | null) => (amount === null || currency === null ? null : { amountMinor: amount, currency });

const AuditEntryRef = builder.objectRef<AuditEntry>('AuditEntry').implement({
  description: 'One change: a wallet balance (ledger entry) or an order status.',
  fields: (t) => ({
    kind: t.field({ type: AuditKindEnum, resolve: (e) => e.kind }),
    at: t.expose('at', { type: 'DateTime' }),
    actor: t.exposeString('actor', { description: 'A user id (JWT `sub`), "apiKey:<id>", or "event:<eventId>".' }),
    actorKind: t.field({ type: ActorKindEnum, resolve: (e) => (e.actor.startsWith('event:') ? 'EVENT' : e.actor.startsWith('apiKey:') ? 'API_KEY' : 'USER') }),
    cause: t.string({ nullable: true, description: 'BALANCE: the wallet change reason. ORDER: the reason given, or the event type that caused it.', resolve: (e) => e.cause }),
    eventId: t.string({ nullable: true, resolve: (e) => e.eventId }),
    walletId: t.id({ nullable: true, resolve: (e) => e.walletId }),
    orderId: t.id({ nullable: true, resolve: (e) => e.orderId }),
    version: t.expose('version', { type: 'BigInt', description: 'The wallet or order version after the change.' }),
    availableDelta: t.field({ type: Money, nullable: true, resolve: (e) => money(e.availableDeltaMinor, e.currency) }),
    pendingDelta: t.field({ type: Money, nullable: true, resolve: (e) => money(e.pendingDeltaMinor, e.currency) }),
    available: t.field({ type: Money, nullable: true, description: 'The balance right after the change.', resolve: (e) => money(e.availableMinor, e.currency) }),
    pending: t.field({ type: Money, nullable: true, resolve: (e) => money(e.pendingMinor, e.currency) }),
    fromStatus: t.string({ nullable: true, resolve: (e) => e.fromStatus }),
    toStatus: t.string({ nullable: true, resolve: (e) => e.toStatus }),
  }),
});

const AuditFilterInput = builder.inputType('AuditFilter', {
  fields: (t) => ({
    walletId: t.id({ required: false }),
    orderId: t.id({ required: false }),
    since: t.field({ type: 'DateTime', required: false, description: 'Inclusive.' }),
    until: t.field({ type: 'DateTime', required: false, description: 'Exclusive.' }),
  }),
});

builder.queryField('auditTrail', (t) =>
  t.connection({
    type: AuditEntryRef,
    description: "A merchant's balance and order changes, newest first, with who made them and why. The merchant, or admins naming `merchantId`.",
    authScopes: { merchantStaff: true },
    args: { merchantId: t.arg.id({ required: false }), filter: t.arg({ type: AuditFilterInput, required: false }) },
    resolve: async (_root, args, ctx) => {
      const first = forwardPageSize(args);
      const merchantId = merchantScope(ctx, args.merchantId?.toString());
      const after = args.after == null ? undefined : decodeAuditCursor(args.after);
      if (args.after != null && !after) throw clientError(ErrorCode.BadUserInput, 'after must be a cursor from a previous page');
      const filter = args.filter ?? {};
      if (filter.walletId && filter.orderId) throw clientError(ErrorCode.BadUserInput, 'filter by walletId or orderId, not both');
      const page = await ctx.domain.audit.page(
        merchantId,
        { walletId: filter.walletId?.toString(), orderId: filter.orderId?.toString(), since: filter.since ?? undefined, until: filter.until ?? undefined },
        first,
        after,
      );
      return connectionOf(page.entries, (e) => encodeAuditCursor(e), page.hasNextPage, args.after);
    },
  }),
);
