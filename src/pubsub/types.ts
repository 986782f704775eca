import type { AnnouncementMessage } from '../announcements/service.js';
import type { NotificationMessage } from '../notifications/types.js';
import type { OrderMessage } from '../orders/types.js';
import type { RevocationMessage } from '../edge/sessions.js';
import type { PaymentEventMessage } from '../payments/types.js';
import type { BalanceMessage } from '../wallets/types.js';

/**
 * Every topic with its key (one channel per key) and payload. Payloads are JSON-safe: they cross
 * Redis between instances. An instance subscribes to a channel only while a subscriber needs it.
 */
export interface TopicMap {
  /** Keyed by merchant id: an instance only receives the merchants its subscribers can see. */
  paymentEvents: [merchantId: string, message: PaymentEventMessage];
  /** Keyed by `walletChannelKey(merchant, wallet)`: one message per ledger entry (per wallet version), after commit. */
  walletBalance: [walletKey: string, message: BalanceMessage];
  /** Keyed by order id: the order after each change (one message per version), after commit. */
  orderStatus: [orderId: string, message: OrderMessage];
  /** Keyed by merchant id: every new or changed order of the merchant, after commit. */
  merchantOrders: [merchantId: string, message: OrderMessage];
  /** One channel ('all'): subscribers keep what is addressed to them. */
  announcements: [key: 'all', message: AnnouncementMessage];
  /** Keyed by user id: each new notification of the user, after commit. */
  notifications: [userId: string, message: NotificationMessage];
  /** Keyed by user id: a nudge that the user's presence may have changed (watchers re-read it). */
  presence: [userId: string, message: { userId: string }];
  /** One channel ('all'): credentials whose sockets every instance closes with 4403. */
  sessions: [key: 'all', message: RevocationMessage];
}
export type Topic = keyof TopicMap;
export type TopicKey<T extends Topic> = TopicMap[T][0];
export type TopicPayload<T extends Topic> = TopicMap[T][1];

export interface PubSub {
  readonly kind: 'memory' | 'redis';
  publish<T extends Topic>(topic: T, key: TopicKey<T>, payload: TopicPayload<T>): Promise<void>;
  /**
   * Resolves once the subscription is active (on Redis: SUBSCRIBE acknowledged), so anything
   * published after the promise resolves is delivered. `return()` on the iterator unsubscribes.
   */
  subscribe<T extends Topic>(topic: T, key: TopicKey<T>, options?: { internal?: boolean }): Promise<AsyncIterableIterator<TopicPayload<T>>>;
  /**
   * True while this instance already holds a live subscription to the channel: a `subscribe()`
   * called now attaches its listener during the call (no round trip), so everything published
   * from the call on reaches it. Feeds use it to skip a read made only to cover the subscribe
   * round trip (src/pubsub/feed.ts). Absent: treated as false.
   */
  listening?<T extends Topic>(topic: T, key: TopicKey<T>): boolean;
  /** Active channel subscriptions held by this instance for clients (internal ones, such as the sessions listener, are not counted). */
  activeSubscriptions(): number;
  /** True when publishing and subscribing work now (on Redis: both connections up and a PING answered). */
  readiness(): Promise<boolean>;
  /** Ends every open subscription (their iterators finish), then disconnects. */
  stop(): Promise<void>;
}

/**
 * A subscription could not start because the pubsub backend (Redis) is unreachable. Clients
 * see SERVICE_UNAVAILABLE with `retryable: true` (src/server/errors.ts); nothing else changes.
 */
export class PubSubUnavailableError extends Error {
  override name = 'PubSubUnavailableError';
}

export function channelName(topic: Topic, key: string): string {
  return `paypulse:${topic}:${key}`;
}

/** Per-subscription buffering: beyond `maxBuffered` waiting messages the iterator fails with `overflowError()`. */
export interface SubscriptionBuffer {
  maxBuffered?: number;
  overflowError?: () => Error;
}
