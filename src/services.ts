import type { AnalyticsService } from './analytics/queries.js';
import type { AnnouncementService } from './announcements/service.js';
import type { AuditService } from './audit/service.js';
import type { ApiKeyService } from './auth/api-keys.js';
import type { TokenVerifier } from './auth/jwt.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { DeadLetterService } from './dead-letters/service.js';
import type { EventIntake } from './ingest/intake.js';
import type { IngestPipeline } from './ingest/pipeline.js';
import type { Logger } from './lib/logger.js';
import type { Metrics } from './lib/metrics.js';
import type { MerchantService } from './merchants/service.js';
import type { NotificationService } from './notifications/service.js';
import type { OrderService } from './orders/service.js';
import type { ActivityService } from './payments/activity.js';
import type { PaymentEventRepository } from './payments/repository.js';
import type { PresenceService } from './presence/service.js';
import type { PubSub } from './pubsub/index.js';
import type { PersistedQueryStore } from './server/apq.js';
import type { RateLimiter } from './server/limits/rate-limit.js';
import type { SessionRegistry } from './edge/sessions.js';
import type { Edge } from './edge/policy.js';
import type { NotBeforeStore } from './auth/not-before.js';
import type { TrackingService } from './tracking/service.js';
import type { WalletService } from './wallets/service.js';
import type { WebhookService } from './webhooks/service.js';

/** Everything resolvers may call, built once per process by createApp. */
export interface Services {
  config: Config;
  logger: Logger;
  /** Prometheus registry of this instance, served at /metrics. */
  metrics: Metrics;
  db: Database;
  pubsub: PubSub;
  pipeline: IngestPipeline;
  /** What the ingest mutations call: the pipeline directly, or Kafka. */
  intake: EventIntake;
  events: PaymentEventRepository;
  /** Event counts per minute / hour and provider, for the dashboard. */
  activity: ActivityService;
  deadLetters: DeadLetterService;
  merchants: MerchantService;
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
  tokens: TokenVerifier;
  /** Operations per caller, shared by every instance through Redis when there is one. */
  rateLimiter: RateLimiter;
  /** Automatic persisted queries by hash (server/apq.ts); undefined in trusted documents mode. */
  persistedQueries: PersistedQueryStore | undefined;
  /** Who is online, away or offline, across instances. */
  presence: PresenceService;
  /** Open sockets and streams by credential, to end them on revocation (every transport, every instance). */
  sessions: SessionRegistry;
  /** Per-user not-before after `revokeSessions`: older tokens are refused everywhere (auth/not-before.ts). */
  notBefore: NotBeforeStore;
  /** The policy every subscription transport goes through (src/edge). */
  edge: Edge;
  /** Provider webhooks: verification secrets and the way into the intake (docs/webhooks.md). */
  webhooks: WebhookService;
}
