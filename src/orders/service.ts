/**
 * Orders: creation, status changes by staff, and reads. Guarantees:
 * - a status changes only along the state machine (./state.ts); a refused move changes nothing;
 * - each change runs in one transaction holding the order's row lock (`FOR UPDATE`), so two
 *   concurrent changes of one order are serialised and the second is checked against the first's
 *   result; the version rises by exactly 1 per change (unique (order, version) in the history);
 * - every change (creation included) is one history row, and is published on `orderStatus` and
 *   `merchantOrders` only after its transaction committed.
 */
import { randomUUID } from 'node:crypto';
import type { PrismaClient, Tx } from '../db/client.js';
import { Prisma, type Order, type OrderStatusChange } from '../generated/prisma/client.js';
import type { Logger } from '../lib/logger.js';
import type { AfterCommit } from '../ingest/pipeline.js';
import { draftsForOrder } from '../notifications/rules.js';
import type { NotificationService } from '../notifications/service.js';
import type { PubSub } from '../pubsub/index.js';
import { canTransition, type OrderStatus } from './state.js';
import { toOrderMessage, type OrderItem, type OrderRecord, type OrderStatusChangeRecord } from './types.js';

export interface NewOrder {
  merchantId: string;
  vendorId: string | null;
  customerId: string;
  items: OrderItem[];
  currency: string;
  estimatedReadyAt: Date | null;
  /** Who creates it (a user id). */
  actor: string;
}

export interface StatusChangeRequest {
  orderId: string;
  to: OrderStatus;
  /** Replaces the estimate when given; `null` clears it. */
  estimatedReadyAt?: Date | null | undefined;
  reason?: string | null | undefined;
  actor: string;
}

export type StatusChangeResult =
  | { kind: 'changed'; order: OrderRecord }
  | { kind: 'illegal'; from: OrderStatus; to: OrderStatus }
  | { kind: 'not-found' };

export interface OrderPage {
  orders: OrderRecord[];
  hasNextPage: boolean;
}

export interface OrderService {
  create(input: NewOrder): Promise<OrderRecord>;
  changeStatus(request: StatusChangeRequest): Promise<StatusChangeResult>;
  byId(id: string): Promise<OrderRecord | undefined>;
  /** Newest first: a merchant's orders with a seq below `beforeSeq` (all when undefined). */
  list(args: { merchantId: string; status?: OrderStatus | undefined; beforeSeq?: bigint | undefined; first: number }): Promise<OrderPage>;
  /** Oldest first. */
  history(orderId: string): Promise<OrderStatusChangeRecord[]>;
  /** The histories of many orders in one query (the `Order.history` loader); an order without changes maps to []. */
  histories(orderIds: readonly string[]): Promise<Map<string, OrderStatusChangeRecord[]>>;
}

export interface OrderServiceDeps {
  prisma: PrismaClient;
  pubsub: PubSub;
  logger: Logger;
  /** Writes the order's notifications (new order, ready, cancelled) in the change's transaction. */
  notifications?: Pick<NotificationService, 'stage'>;
}

interface StoredItem {
  name: string;
  quantity: number;
  unitPriceMinor: string;
}

export const toOrder = (o: Order): OrderRecord => ({
  ...o,
  currency: o.currency.trim(),
  status: o.status as OrderStatus,
  items: (o.items as unknown as StoredItem[]).map((i) => ({ name: i.name, quantity: i.quantity, unitPriceMinor: BigInt(i.unitPriceMinor) })),
});

const toChange = (c: OrderStatusChange): OrderStatusChangeRecord => ({
  orderId: c.orderId,
  fromStatus: c.fromStatus as OrderStatus | null,
  toStatus: c.toStatus as OrderStatus,
  actor: c.actor,
  reason: c.reason,
  version: c.version,
  createdAt: c.createdAt,
});

/** Sum of quantity × unit price: integers only. */
export function orderTotal(items: readonly OrderItem[]): bigint {
  return items.reduce((sum, i) => sum + BigInt(i.quantity) * i.unitPriceMinor, 0n);
}

/**
 * Locks the orders (in id order, so concurrent writers never deadlock) and reads them. With
 * `merchantId`, only that merchant's orders: an id a sender names can never reach another
 * merchant's order.
 */
export async function lockOrders(tx: Tx, ids: readonly string[], merchantId?: string): Promise<Map<string, OrderRecord>> {
  const sorted = [...new Set(ids)].sort();
  if (sorted.length === 0) return new Map();
  const scope = merchantId === undefined ? Prisma.empty : Prisma.sql`AND merchant_id = ${merchantId}`;
  await tx.$queryRaw`SELECT id FROM orders WHERE id IN (${Prisma.join(sorted)}) ${scope} ORDER BY id FOR UPDATE`;
  const rows = await tx.order.findMany({ where: { id: { in: sorted }, ...(merchantId === undefined ? {} : { merchantId }) } });
  return new Map(rows.map((o) => [o.id, toOrder(o)]));
}

/** Writes a status change of a locked order (row and history) and returns the order after it. */
export async function applyChange(
  tx: Tx,
  order: OrderRecord,
  change: { to: OrderStatus; actor: string; reason: string | null; estimatedReadyAt?: Date | null | undefined },
): Promise<OrderRecord> {
  const version = order.version + 1n;
  await tx.orderStatusChange.create({ data: { orderId: order.id, fromStatus: order.status, toStatus: change.to, actor: change.actor, reason: change.reason, version } });
  const updated = await tx.order.update({
    where: { id: order.id },
    data: { status: change.to, version, updatedAt: new Date(), ...(change.estimatedReadyAt !== undefined ? { estimatedReadyAt: change.estimatedReadyAt } : {}) },
  });
  return toOrder(updated);
}

/** Publishes each order state on both topics, in the given order; throws the first failure. */
export async function publishOrders(pubsub: PubSub, orders: readonly OrderRecord[]): Promise<void> {
  // Issued together: one Redis connection keeps their order.
  const results = await Promise.allSettled(
    orders.flatMap((o) => {
      const message = toOrderMessage(o);
      return [pubsub.publish('orderStatus', o.id, message), pubsub.publish('merchantOrders', o.merchantId, message)];
    }),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export function createOrderService({ prisma, pubsub, logger, notifications }: OrderServiceDeps): OrderService {
  async function publishCommitted(order: OrderRecord, notified: AfterCommit | undefined) {
    // Committed whatever happens here: an `orderStatus` subscriber fills a missed version from
    // the database at the order's next change.
    await publishOrders(pubsub, [order]).catch((err: unknown) => logger.error({ err, orderId: order.id }, 'order publish after commit failed'));
    await notified?.().catch((err: unknown) => logger.error({ err, orderId: order.id }, 'order notification publish after commit failed'));
  }

  /** The order's notifications, written in the same transaction as the change. */
  const notify = (tx: Tx, order: OrderRecord) => notifications?.stage(tx, draftsForOrder(order));

  return {
    async create(input) {
      const id = `ord_${randomUUID()}`;
      const { order, notified } = await prisma.$transaction(async (tx) => {
        const row = await tx.order.create({
          data: {
            id,
            merchantId: input.merchantId,
            vendorId: input.vendorId,
            customerId: input.customerId,
            items: input.items.map((i) => ({ name: i.name, quantity: i.quantity, unitPriceMinor: i.unitPriceMinor.toString() })),
            amountMinor: orderTotal(input.items),
            currency: input.currency,
            status: 'CREATED',
            estimatedReadyAt: input.estimatedReadyAt,
            version: 1n,
          },
        });
        await tx.orderStatusChange.create({ data: { orderId: id, fromStatus: null, toStatus: 'CREATED', actor: input.actor, reason: null, version: 1n } });
        const created = toOrder(row);
        return { order: created, notified: await notify(tx, created) };
      });
      await publishCommitted(order, notified);
      return order;
    },

    async changeStatus(request) {
      let notified: AfterCommit | undefined;
      const result = await prisma.$transaction(async (tx): Promise<StatusChangeResult> => {
        const order = (await lockOrders(tx, [request.orderId])).get(request.orderId);
        if (!order) return { kind: 'not-found' };
        // Checked against the locked row: a concurrent change has committed or waits for us.
        if (!canTransition(order.status, request.to)) return { kind: 'illegal', from: order.status, to: request.to };
        const changed = await applyChange(tx, order, { to: request.to, actor: request.actor, reason: request.reason ?? null, estimatedReadyAt: request.estimatedReadyAt });
        notified = await notify(tx, changed);
        return { kind: 'changed', order: changed };
      });
      if (result.kind === 'changed') await publishCommitted(result.order, notified);
      return result;
    },

    async byId(id) {
      const o = await prisma.order.findUnique({ where: { id } });
      return o ? toOrder(o) : undefined;
    },

    async list({ merchantId, status, beforeSeq, first }) {
      const rows = await prisma.order.findMany({
        where: { merchantId, ...(status ? { status } : {}), ...(beforeSeq !== undefined ? { seq: { lt: beforeSeq } } : {}) },
        orderBy: { seq: 'desc' },
        take: first + 1,
      });
      return { orders: rows.slice(0, first).map(toOrder), hasNextPage: rows.length > first };
    },

    async history(orderId) {
      const rows = await prisma.orderStatusChange.findMany({ where: { orderId }, orderBy: { version: 'asc' } });
      return rows.map(toChange);
    },

    async histories(orderIds) {
      const out = new Map<string, OrderStatusChangeRecord[]>(orderIds.map((id) => [id, []]));
      if (orderIds.length === 0) return out;
      const rows = await prisma.orderStatusChange.findMany({ where: { orderId: { in: [...orderIds] } }, orderBy: [{ orderId: 'asc' }, { version: 'asc' }] });
      for (const row of rows) out.get(row.orderId)?.push(toChange(row));
      return out;
    },
  };
}
