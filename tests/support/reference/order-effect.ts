/**
 * The order ingest effect: runs inside the ingest transaction for the events just stored (never
 * for duplicates). A `payment.completed` naming an `orderId` of the same merchant moves that
 * order from CREATED to PAID (actor `event:<eventId>`), when it pays the order in full in its
 * currency. An order already PAID or beyond, another merchant's order, an unknown order or an
 * underpayment is left alone (and logged). Published after commit, in version order.
 */
import type { AfterCommit, IngestEffect } from './pipeline.js';
import type { Logger } from '../../../src/lib/logger.js';
import type { PubSub } from '../../../src/pubsub/index.js';
import { applyChange, lockOrders, publishOrders } from '../../../src/orders/service.js';
import type { OrderRecord } from '../../../src/orders/types.js';

export interface OrderEffectDeps {
  pubsub: PubSub;
  logger: Logger;
}

export function createOrderEffect({ pubsub, logger }: OrderEffectDeps): IngestEffect {
  return async (tx, inserted): Promise<AfterCommit | undefined> => {
    const payments = inserted.filter((e) => e.type === 'payment.completed' && e.orderId !== null);
    if (payments.length === 0) return undefined;
    const orders = await lockOrders(tx, payments.map((e) => e.orderId!), payments[0]!.merchantId);

    const changed: OrderRecord[] = [];
    for (const event of payments) {
      const order = orders.get(event.orderId!);
      const skip = (why: string) => logger.warn({ merchantId: event.merchantId, eventId: event.eventId, orderId: event.orderId }, `order not marked paid: ${why}`);
      // Another merchant's order looks exactly like a missing one: no cross-tenant effect.
      if (!order || order.merchantId !== event.merchantId) skip('no such order at this merchant');
      else if (order.status !== 'CREATED') continue; // already paid (or cancelled): a second payment changes nothing
      else if (order.currency !== event.currency) skip(`the order is in ${order.currency}, the payment in ${event.currency}`);
      else if (event.amountMinor < order.amountMinor) skip('the payment is less than the order amount');
      else {
        const paid = await applyChange(tx, order, { to: 'PAID', actor: `event:${event.eventId}`, reason: event.type });
        orders.set(paid.id, paid);
        changed.push(paid);
      }
    }
    if (changed.length === 0) return undefined;
    return () => publishOrders(pubsub, changed);
  };
}
