/**
 * Orders (docs/orders.md): `createOrder`, `updateOrderStatus`, `order`, `orders` and the live
 * `orderStatus` / `orderUpdates`. Staff of a merchant = its `vendor`s and `merchant`s (JWT or API
 * key); admins act for any merchant. An order is visible to its customer (a user whose `sub` is
 * the order's customer id), its merchant's staff and admins; anyone else gets FORBIDDEN — also
 * for an order that does not exist, so ids cannot be probed; admins get NOT_FOUND.
 */
import { actorOf } from '../auth/principal.js';
import { canSee, illegalTransition, mayActForMerchant, orderAccess, validateNewOrder, type OrderNeed } from '../orders/rules.js';
import { ORDER_STATUSES, type OrderStatus } from '../orders/state.js';
import type { OrderItem, OrderRecord, OrderStatusChangeRecord } from '../orders/types.js';
import { builder, type GraphQLContext } from './builder.js';
import { connectionOf, forwardPageSize, parseSeqCursor } from './cursor.js';
import { clientError, ErrorCode, orThrow } from './errors.js';
import { Money } from './money.js';
import { localKey, registerNode } from './relay.js';
import { merchantScope } from './scope.js';

export const OrderStatusEnum = builder.enumType('OrderStatus', {
  description: 'Where an order is. Allowed moves: docs/orders.md (others fail with ILLEGAL_TRANSITION).',
  values: ORDER_STATUSES,
});

const OrderItemRef = builder.objectRef<OrderItem & { currency: string }>('OrderItem').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    quantity: t.exposeInt('quantity'),
    unitPrice: t.field({ type: Money, resolve: (i) => ({ amountMinor: i.unitPriceMinor, currency: i.currency }) }),
    total: t.field({ type: Money, description: 'quantity × unitPrice', resolve: (i) => ({ amountMinor: BigInt(i.quantity) * i.unitPriceMinor, currency: i.currency }) }),
  }),
});

const OrderStatusChangeRef = builder.objectRef<OrderStatusChangeRecord>('OrderStatusChange').implement({
  description: 'One change of an order (its creation included): the history.',
  fields: (t) => ({
    from: t.field({ type: OrderStatusEnum, nullable: true, description: 'Null for the creation.', resolve: (c) => c.fromStatus }),
    to: t.field({ type: OrderStatusEnum, resolve: (c) => c.toStatus }),
    actor: t.exposeString('actor', { description: 'Who made it: the user id (JWT `sub`), "apiKey:<id>" for an API key, or "event:<eventId>" for an ingested payment.' }),
    reason: t.exposeString('reason', { nullable: true }),
    version: t.expose('version', { type: 'BigInt', description: "The order's version after it." }),
    at: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const OrderRef = builder.node(builder.objectRef<OrderRecord>('Order'), {
  description: "A customer's order at one merchant. `version` rises by 1 per change: drop any message whose version is not above the last one you hold.",
  id: { description: 'Opaque global id (Relay `Node`). Every argument taking an order id accepts it or `orderId`.', resolve: (o) => o.id },
  fields: (t) => ({
    orderId: t.exposeID('id', { description: "The order's own id." }),
    merchantId: t.exposeID('merchantId'),
    vendorId: t.exposeID('vendorId', { nullable: true }),
    customerId: t.exposeID('customerId', { description: "The ordering user's id (JWT `sub`)." }),
    items: t.field({ type: [OrderItemRef], resolve: (o) => o.items.map((i) => ({ ...i, currency: o.currency })) }),
    amount: t.field({ type: Money, description: 'Sum of the items.', resolve: (o) => ({ amountMinor: o.amountMinor, currency: o.currency }) }),
    currency: t.exposeString('currency'),
    status: t.field({ type: OrderStatusEnum, resolve: (o) => o.status }),
    estimatedReadyAt: t.expose('estimatedReadyAt', { type: 'DateTime', nullable: true }),
    version: t.expose('version', { type: 'BigInt' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    history: t.field({ type: [OrderStatusChangeRef], description: 'Every change, oldest first.', resolve: (o, _args, ctx) => ctx.loaders.orderHistory.load(o.id) }),
  }),
});

const OrderItemInput = builder.inputType('OrderItemInput', {
  fields: (t) => ({
    name: t.string(),
    quantity: t.int({ description: '1 or more.' }),
    unitPriceMinor: t.field({ type: 'BigInt', description: 'Minor units, 0 or more.' }),
  }),
});

const CreateOrderInput = builder.inputType('CreateOrderInput', {
  fields: (t) => ({
    customerId: t.id({ description: "The ordering user's id (JWT `sub`): they may read and follow the order." }),
    vendorId: t.id({ required: false }),
    items: t.field({ type: [OrderItemInput] }),
    currency: t.string({ description: 'ISO 4217.' }),
    estimatedReadyAt: t.field({ type: 'DateTime', required: false }),
    merchantId: t.id({ required: false, description: 'Admins only: the merchant the order is for.' }),
  }),
});

/** The merchant a staff member acts for (customers: FORBIDDEN; admins name it). */
function staffMerchant(ctx: GraphQLContext, requested?: string | null): string {
  orThrow(mayActForMerchant(ctx.principal));
  return merchantScope(ctx, requested);
}

/** The order, when the caller may act on it (`staff`) or see it (orders/rules.ts); otherwise the error (no data). */
async function visibleOrder(ctx: GraphQLContext, id: string, need: OrderNeed): Promise<OrderRecord> {
  if (!ctx.principal) throw clientError(ErrorCode.Unauthenticated, 'authentication required');
  const orderId = localKey(id, 'Order');
  return orThrow(orderAccess(ctx.principal, orderId, await ctx.domain.orders.byId(orderId), need));
}

builder.mutationFields((t) => ({
  createOrder: t.field({
    type: OrderRef,
    description: "Creates an order in CREATED (version 1). Vendors and merchants of the merchant, or admins naming `merchantId`.",
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: CreateOrderInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const merchantId = staffMerchant(ctx, input.merchantId?.toString());
      const { customerId, currency, items } = orThrow(validateNewOrder({ customerId: input.customerId.toString(), currency: input.currency, items: input.items }));
      if (!(await ctx.domain.merchants.get(merchantId))) throw clientError(ErrorCode.MerchantNotFound, `merchant ${merchantId} does not exist`);
      return ctx.domain.orders.create({
        merchantId,
        vendorId: input.vendorId?.toString() ?? null,
        customerId,
        items,
        currency,
        estimatedReadyAt: input.estimatedReadyAt ?? null,
        actor: actorOf(ctx.principal!),
      });
    },
  }),
  updateOrderStatus: t.field({
    type: OrderRef,
    description: 'Moves an order to `status` (docs/orders.md; others fail with ILLEGAL_TRANSITION and change nothing). Staff of its merchant or admins.',
    authScopes: { authenticated: true },
    args: {
      orderId: t.arg.id({ required: true }),
      status: t.arg({ type: OrderStatusEnum, required: true }),
      estimatedReadyAt: t.arg({ type: 'DateTime', required: false, description: 'Replaces the estimate; null clears it; omitted keeps it.' }),
      reason: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const order = await visibleOrder(ctx, args.orderId.toString(), 'staff');
      const result = await ctx.domain.orders.changeStatus({
        orderId: order.id,
        to: args.status,
        estimatedReadyAt: args.estimatedReadyAt,
        reason: args.reason ?? null,
        actor: actorOf(ctx.principal!),
      });
      if (result.kind === 'not-found') throw clientError(ErrorCode.NotFound, `order ${order.id} does not exist`);
      if (result.kind === 'illegal') return orThrow(illegalTransition(result.from, result.to));
      return result.order;
    },
  }),
}));

builder.queryFields((t) => ({
  order: t.field({
    type: OrderRef,
    description: 'One order: its customer, staff of its merchant, or an admin.',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => visibleOrder(ctx, args.id.toString(), 'see'),
  }),
  orders: t.connection({
    type: OrderRef,
    description: "A merchant's orders, newest first, for its vendors and merchants (admins name `merchantId`). Only `first`/`after` paging.",
    authScopes: { authenticated: true },
    args: { status: t.arg({ type: OrderStatusEnum, required: false }), merchantId: t.arg.id({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const first = forwardPageSize(args);
      const merchantId = staffMerchant(ctx, args.merchantId?.toString());
      const page = await ctx.domain.orders.list({ merchantId, status: (args.status ?? undefined) as OrderStatus | undefined, beforeSeq: parseSeqCursor(args.after), first });
      return connectionOf(page.orders, (o) => o.seq.toString(), page.hasNextPage, args.after);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  orderStatus: t.field({
    type: OrderRef,
    description: 'An order live: first its current state, then each change, versions strictly increasing. Its customer, staff of its merchant, or an admin.',
    authScopes: { authenticated: true },
    args: { orderId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      const order = await visibleOrder(ctx, args.orderId.toString(), 'see');
      return ctx.domain.feeds.orderStatus(order.id);
    },
    resolve: (order) => order,
  }),
  orderUpdates: t.field({
    type: OrderRef,
    description: "Every new or changed order of the caller's merchant (vendors and merchants; admins name `merchantId`), as each change commits.",
    authScopes: { authenticated: true },
    args: { merchantId: t.arg.id({ required: false }) },
    subscribe: (_root, args, ctx) => ctx.domain.feeds.orderUpdates(staffMerchant(ctx, args.merchantId?.toString())),
    resolve: (order) => order,
  }),
}));

// Relay: whoever may see the order (`order(id)`), null for anyone else.
registerNode('Order', async (key, ctx) => {
  const order = ctx.principal ? await ctx.domain.orders.byId(key) : undefined;
  return order && canSee(ctx.principal!, order) ? order : null;
});
