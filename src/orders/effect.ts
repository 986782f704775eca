/**
 * The order ingest effect: runs inside the ingest transaction for the events just stored (never
 * for duplicates). A `payment.completed` naming an `orderId` of the same merchant moves that
 * order from CREATED to PAID (actor `event:<eventId>`), when it pays the order in full in its
 * currency. An order already PAID or beyond, another merchant's order, an unknown order or an
 * underpayment is left alone (and logged). Published after commit, in version order.
 *
 * Two statements whatever the batch: the named orders locked and read (in id order, as
 * ./service.ts locks them), then every change (history row and order row) written at once.
 */
import type { Order } from '../generated/prisma/client.js';
import type { AfterCommit, IngestEffect } from '../ingest/pipeline.js';
import type { Logger } from '../lib/logger.js';
import type { PubSub } from '../pubsub/index.js';
import { publishOrders, toOrder } from './service.js';
import type { OrderRecord } from './types.js';

export interface OrderEffectDeps {
  pubsub: PubSub;
  logger: Logger;
}

const orderColumns = (t: string) =>
  `${t}.id, ${t}.seq, ${t}.merchant_id AS "merchantId", ${t}.vendor_id AS "vendorId", ${t}.customer_id AS "customerId", ${t}.items,
   ${t}.amount_minor AS "amountMinor", ${t}.currency, ${t}.status, ${t}.estimated_ready_at AS "estimatedReadyAt", ${t}.version,
   ${t}.created_at AS "createdAt", ${t}.updated_at AS "updatedAt"`;

export function createOrderEffect({ pubsub, logger }: OrderEffectDeps): IngestEffect {
  return async (tx, inserted, context): Promise<AfterCommit | undefined> => {
    const payments = inserted.filter((e) => e.type === 'payment.completed' && e.orderId !== null);
    if (payments.length === 0) return undefined;
    const ids = [...new Set(payments.map((e) => e.orderId!))].sort();
    // Another merchant's order is not even read: it looks exactly like a missing one.
    const rows = await tx.$queryRawUnsafe<Order[]>(
      `SELECT ${orderColumns('o')} FROM orders AS o WHERE id = ANY($1::text[]) AND merchant_id = $2 ORDER BY id FOR UPDATE`,
      ids,
      context.merchant.id,
    );
    const orders = new Map(rows.map((o) => [o.id, toOrder(o)]));

    const changes: { order: OrderRecord; actor: string; reason: string }[] = [];
    for (const event of payments) {
      const order = orders.get(event.orderId!);
      const skip = (why: string) => logger.warn({ merchantId: event.merchantId, eventId: event.eventId, orderId: event.orderId }, `order not marked paid: ${why}`);
      if (!order || order.merchantId !== event.merchantId) skip('no such order at this merchant');
      else if (order.status !== 'CREATED') continue; // already paid (or cancelled): a second payment changes nothing
      else if (order.currency !== event.currency) skip(`the order is in ${order.currency}, the payment in ${event.currency}`);
      else if (event.amountMinor < order.amountMinor) skip('the payment is less than the order amount');
      else {
        changes.push({ order, actor: `event:${event.eventId}`, reason: event.type });
        orders.set(order.id, { ...order, status: 'PAID', version: order.version + 1n });
      }
    }
    if (changes.length === 0) return undefined;
    const paid = await tx.$queryRawUnsafe<Order[]>(
      `WITH history AS (
         INSERT INTO order_status_changes (order_id, from_status, to_status, actor, reason, version)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
       )
       UPDATE orders AS o SET status = v.to_status, version = v.version, updated_at = now()
       FROM unnest($1::text[], $3::text[], $6::bigint[]) AS v (id, to_status, version)
       WHERE o.id = v.id
       RETURNING ${orderColumns('o')}`,
      changes.map((c) => c.order.id),
      changes.map((c) => c.order.status),
      changes.map(() => 'PAID'),
      changes.map((c) => c.actor),
      changes.map((c) => c.reason),
      changes.map((c) => c.order.version + 1n),
    );
    const byId = new Map(paid.map((o) => [o.id, toOrder(o)]));
    return () => publishOrders(pubsub, changes.map((c) => byId.get(c.order.id)!));
  };
}
