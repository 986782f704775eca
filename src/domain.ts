/**
 * What resolvers may use: the domain services, built once per process by createApp (app.ts) and
 * carried by the GraphQL context. No database, pubsub, pipeline, Redis, config or logger here:
 * each service is built with the infrastructure it needs, and the adapters (server/) get theirs
 * explicitly (infrastructure.ts).
 */
import type { AnalyticsService } from './analytics/queries.js';
import { createDashboardStream, type DashboardSnapshot } from './analytics/live.js';
import type { AnnouncementService } from './announcements/service.js';
import type { AuditService } from './audit/service.js';
import type { ApiKeyService } from './auth/api-keys.js';
import type { SessionRevocation } from './auth/revocation.js';
import type { DeadLetterService } from './dead-letters/service.js';
import type { Intake } from './ingest/intake.js';
import type { MerchantService } from './merchants/service.js';
import type { NotificationService } from './notifications/service.js';
import type { OrderService } from './orders/service.js';
import { createMerchantOrderStream, createOrderStatusStream } from './orders/stream.js';
import type { OrderRecord } from './orders/types.js';
import type { ActivityService } from './payments/activity.js';
import type { PaymentEventRepository } from './payments/repository.js';
import { createPaymentEventStream, type PaymentEventStreamArgs } from './payments/stream.js';
import type { PaymentEventRecord } from './payments/types.js';
import type { PresenceService } from './presence/service.js';
import type { PubSub } from './pubsub/index.js';
import type { TrackingService } from './tracking/service.js';
import type { WalletService } from './wallets/service.js';
import { createBalanceStream } from './wallets/stream.js';
import type { BalanceChange, WalletKey } from './wallets/types.js';
import type { WebhookService } from './webhooks/service.js';

export interface Domain {
  merchants: MerchantService;
  /** Dashboard analytics: overview, series, payment methods, products, customers. */
  analytics: AnalyticsService;
  wallets: WalletService;
  orders: OrderService;
  /** In-app notifications, device tokens, preferences; deliveries go out through the outbox worker. */
  notifications: NotificationService;
  /** Payments and transfers by provider reference. */
  tracking: TrackingService;
  announcements: AnnouncementService;
  audit: AuditService;
  apiKeys: ApiKeyService;
  /** Who is online, away or offline, across instances. */
  presence: PresenceService;
  /** Ending sessions after `revokeApiKey` and `revokeSessions` (every transport, every instance). */
  sessions: SessionRevocation;
  /** Stored payment events, read by the `paymentEvents` connection and the Relay node. */
  events: Pick<PaymentEventRepository, 'page' | 'bySeq'>;
  /** Event counts per minute / hour and provider, for the dashboard. */
  activity: ActivityService;
  deadLetters: DeadLetterService;
  /** Provider webhooks: verification secrets and the way into the intake (docs/webhooks.md). */
  webhooks: WebhookService;
  /** What the ingest mutations call: the pipeline directly, or Kafka / RabbitMQ. */
  intake: Intake;
  /** The live feeds the subscriptions return (pubsub bound at construction). */
  feeds: Feeds;
}

/** One live feed per subscription that has no domain service of its own to follow. */
export interface Feeds {
  /** `paymentEvents`: replay after the cursor, then live with no gap and no duplicate (payments/stream.ts). */
  paymentEvents(args: PaymentEventStreamArgs): AsyncIterableIterator<PaymentEventRecord>;
  /** `dashboardUpdated`: today's totals, coalesced (analytics/live.ts). */
  dashboard(merchantId: string): AsyncIterableIterator<DashboardSnapshot>;
  /** `balance`: the wallet's balance now, then every later version (wallets/stream.ts). */
  balance(wallet: WalletKey): AsyncIterableIterator<BalanceChange>;
  /** `orderStatus`: the order now, then every change (orders/stream.ts). */
  orderStatus(orderId: string): AsyncIterableIterator<OrderRecord>;
  /** `orderUpdates`: every new or changed order of the merchant (orders/stream.ts). */
  orderUpdates(merchantId: string): AsyncIterableIterator<OrderRecord>;
}

export interface FeedDeps {
  pubsub: PubSub;
  events: PaymentEventRepository;
  analytics: AnalyticsService;
  wallets: WalletService;
  orders: OrderService;
}

export function createFeeds(deps: FeedDeps): Feeds {
  return {
    paymentEvents: (args) => createPaymentEventStream(deps, args),
    dashboard: (merchantId) => createDashboardStream(deps, merchantId),
    balance: (wallet) => createBalanceStream(deps, wallet),
    orderStatus: (orderId) => createOrderStatusStream(deps, orderId),
    orderUpdates: (merchantId) => createMerchantOrderStream(deps, merchantId),
  };
}
