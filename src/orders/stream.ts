/**
 * Live order feeds (src/pubsub/feed.ts). Guarantees of `createOrderStatusStream` (a
 * `sequencedFeed` by order version), per subscription:
 * - the first message is the order as it is at the moment of the request;
 * - then its later states with strictly increasing versions: the channel is subscribed BEFORE
 *   the order is read, messages at or below the version sent are dropped, and a message that
 *   skips versions (a lost publish) makes the stream re-read the order and send its latest state;
 * - `return()` unsubscribes from PubSub at once, even while waiting for the next message.
 * `createMerchantOrderStream` (a `liveFeed`) forwards every new or changed order of one merchant.
 */
import type { PubSub } from '../pubsub/index.js';
import { liveFeed, sequencedFeed } from '../pubsub/feed.js';
import type { OrderService } from './service.js';
import { fromOrderMessage, type OrderRecord } from './types.js';

export function createOrderStatusStream(deps: { orders: OrderService; pubsub: PubSub }, orderId: string): AsyncIterableIterator<OrderRecord> {
  return sequencedFeed(deps.pubsub, {
    topic: 'orderStatus',
    key: orderId,
    decode: fromOrderMessage,
    seq: (order) => order.version,
    // No `range`: a gap re-reads the order (its history is not replayed, its latest state is sent).
    async head() {
      const current = await deps.orders.byId(orderId);
      return current && { seq: current.version, current };
    },
  });
}

export function createMerchantOrderStream(deps: { pubsub: PubSub }, merchantId: string): AsyncIterableIterator<OrderRecord> {
  return liveFeed(deps.pubsub, { topic: 'merchantOrders', key: merchantId, map: fromOrderMessage });
}
