/**
 * Live order feeds. Guarantees of `createOrderStatusStream`, per subscription:
 * - the first message is the order as it is at the moment of the request;
 * - then its later states with strictly increasing versions: the channel is subscribed BEFORE
 *   the order is read, messages at or below the version sent are dropped, and a message that
 *   skips versions (a lost publish) makes the stream re-read the order and send its latest state;
 * - `return()` unsubscribes from PubSub at once, even while waiting for the next message.
 * `createMerchantOrderStream` forwards every new or changed order of one merchant.
 */
import { liveChannel } from '../lib/stoppable.js';
import type { PubSub } from '../pubsub/index.js';
import type { OrderService } from './service.js';
import { fromOrderMessage, type OrderRecord } from './types.js';

export function createOrderStatusStream(deps: { orders: OrderService; pubsub: PubSub }, orderId: string): AsyncIterableIterator<OrderRecord> {
  return liveChannel(
    () => deps.pubsub.subscribe('orderStatus', orderId),
    async function* (channel) {
      const current = await deps.orders.byId(orderId);
      if (!current) return;
      let last = current.version;
      yield current;
      for await (const message of channel) {
        let order = fromOrderMessage(message as never);
        if (order.version <= last) continue;
        if (order.version > last + 1n) order = (await deps.orders.byId(orderId)) ?? order;
        last = order.version;
        yield order;
      }
    },
  );
}

export function createMerchantOrderStream(deps: { pubsub: PubSub }, merchantId: string): AsyncIterableIterator<OrderRecord> {
  return liveChannel(
    () => deps.pubsub.subscribe('merchantOrders', merchantId),
    async function* (channel) {
      for await (const message of channel) yield fromOrderMessage(message as never);
    },
  );
}
