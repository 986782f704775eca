/**
 * createApp wires every part from a Config and returns its lifecycle handles. main() and the tests
 * build the server through this same factory.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAnalyticsEffect } from './analytics/aggregates.js';
import { createAnalyticsService } from './analytics/queries.js';
import { createAnnouncementService } from './announcements/service.js';
import { createAuditService } from './audit/service.js';
import { createApiKeyService } from './auth/api-keys.js';
import { createTokenVerifier, signToken } from './auth/jwt.js';
import type { Config } from './config.js';
import { createDatabase } from './db/client.js';
import { migrate } from './db/migrate.js';
import { createDeadLetterService } from './dead-letters/service.js';
import { createSimulator, type Simulator } from './demo/simulator.js';
import { createDirectIntake } from './ingest/intake.js';
import { createIngestPipeline } from './ingest/pipeline.js';
import { createKafka, ensureTopics } from './kafka/client.js';
import { createEventConsumer } from './kafka/consumer.js';
import { createKafkaIntake, createProducer } from './kafka/producer.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createRabbitConsumer } from './rabbitmq/consumer.js';
import { createRabbitIntake } from './rabbitmq/intake.js';
import { createRabbitMetrics } from './rabbitmq/metrics.js';
import { createMetrics } from './lib/metrics.js';
import { createMerchantService } from './merchants/service.js';
import { closeChannels, createChannels } from './notifications/channels/index.js';
import { createNotificationEffect } from './notifications/effect.js';
import { draftForApiKey } from './notifications/rules.js';
import { createNotificationService } from './notifications/service.js';
import { createNotificationWorker, type NotificationWorker } from './notifications/worker.js';
import { createOrderEffect } from './orders/effect.js';
import { createOrderService } from './orders/service.js';
import { createPaymentEventRepository } from './payments/repository.js';
import { createPresenceService } from './presence/service.js';
import { createMemoryPresenceStore, createRedisPresenceStore } from './presence/store.js';
import { createPubSub } from './pubsub/index.js';
import { createClientErrorHandler, createHttpHandler } from './server/http.js';
import { createMemoryRateLimiter, createRedisRateLimiter } from './server/limits/rate-limit.js';
import { slowConsumerError } from './server/backpressure.js';
import { createSessionRegistry } from './server/sessions.js';
import { attachSocketServer, type SocketServer } from './server/ws.js';
import { createYogaServer, GRAPHQL_PATH } from './server/yoga.js';
import type { Services } from './services.js';
import { createTrackingService } from './tracking/service.js';
import { createWalletEffect } from './wallets/ledger.js';
import { createWalletService } from './wallets/service.js';
import { createSecretBox } from './lib/secret-box.js';
import { createWebhookHttpHandler } from './webhooks/http.js';
import { createWebhookSecretStore } from './webhooks/secrets.js';
import { createWebhookService } from './webhooks/service.js';

export const DEMO_MERCHANT_ID = 'm_demo';

export interface DemoCredentials {
  merchantId: string;
  token: string;
  apiKey: string;
}

export interface StartedApp {
  url: string;
  port: number;
  /** Present when the demo merchant was seeded at start. */
  demo: DemoCredentials | undefined;
}

export interface App {
  readonly services: Services;
  start(): Promise<StartedApp>;
  /** Stops accepting, closes sockets with 1001, stops background work, closes pubsub and database. */
  stop(): Promise<void>;
  readiness(): Promise<{ ready: boolean; checks: Record<string, boolean> }>;
  sockets(): number;
}

export async function createApp(config: Config, options: { logger?: Logger } = {}): Promise<App> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = createMetrics();
  const db = await createDatabase(config.database);
  const pubsub = createPubSub(config.redisUrl, {
    // A subscriber that lets this many messages pile up is told to resume from its cursor.
    maxBuffered: config.limits.subscription.maxQueued,
    overflowError: () => {
      metrics.refuse('SLOW_CONSUMER');
      return slowConsumerError(undefined);
    },
  });
  const events = createPaymentEventRepository(db.prisma);
  const channels = createChannels(config.notifications, logger);
  let worker: NotificationWorker | undefined;
  const notifications = createNotificationService({
    prisma: db.prisma,
    pubsub,
    logger,
    channels,
    kick: () => worker?.kick(),
    production: config.env === 'production',
    codeKey: config.webhooks.secretsKey,
  });
  if (config.notifications.worker) worker = createNotificationWorker({ prisma: db.prisma, channels, logger, metrics, options: config.notifications });
  const pipeline = createIngestPipeline({
    prisma: db.prisma,
    pubsub,
    logger,
    metrics,
    // In this order: notifications read the ledger entries the wallet effect wrote.
    effects: [createAnalyticsEffect(), createWalletEffect({ pubsub, logger }), createOrderEffect({ pubsub, logger }), createNotificationEffect({ notifications })],
  });
  const merchants = createMerchantService(db.prisma);
  const kafka = config.kafka ? createKafka(config.kafka, logger) : undefined;
  const producer = kafka ? createProducer(kafka) : undefined;
  const rabbitMetrics = config.rabbitmq ? createRabbitMetrics(metrics.registry) : undefined;
  // Both brokers may be consumed at once; the mutations publish to the one INGEST_BROKER names.
  const rabbitIntake =
    config.rabbitmq && rabbitMetrics && config.ingestBroker === 'rabbitmq' ? createRabbitIntake({ config: config.rabbitmq, merchants, logger, metrics: rabbitMetrics }) : undefined;
  const intake =
    config.ingestBroker === 'kafka' && producer && config.kafka
      ? createKafkaIntake({ producer, config: config.kafka, merchants })
      : (rabbitIntake ?? createDirectIntake(pipeline));
  const deadLetters = createDeadLetterService({ prisma: db.prisma, pipeline, producer, dlqTopic: config.kafka?.dlqTopic });
  const services: Services = {
    config,
    logger,
    metrics,
    db,
    pubsub,
    events,
    pipeline,
    intake,
    deadLetters,
    merchants,
    analytics: createAnalyticsService(db.prisma),
    wallets: createWalletService(db.prisma),
    orders: createOrderService({ prisma: db.prisma, pubsub, logger, notifications }),
    notifications,
    tracking: createTrackingService({ prisma: db.prisma, pubsub }),
    announcements: createAnnouncementService({ prisma: db.prisma, pubsub, logger }),
    audit: createAuditService(db.prisma),
    apiKeys: createApiKeyService(db.prisma, {
      // The security alert is written with the key change, in its transaction.
      onChange: (tx, { action, apiKey, actor }) =>
        notifications.stage(tx, [draftForApiKey({ merchantId: apiKey.merchantId, keyId: apiKey.id, keyName: apiKey.name, actor, action })]),
      onAfterCommitError: (err) => logger.error({ err }, 'API key alert publish after commit failed'),
    }),
    tokens: createTokenVerifier(config.auth),
    rateLimiter: config.redisUrl ? createRedisRateLimiter(config.redisUrl) : createMemoryRateLimiter(),
    presence: createPresenceService({
      store: config.redisUrl ? createRedisPresenceStore(config.redisUrl) : createMemoryPresenceStore(),
      pubsub,
      logger,
      options: config.presence,
    }),
    sessions: createSessionRegistry({ pubsub, logger }),
    webhooks: createWebhookService({
      prisma: db.prisma,
      intake,
      secrets: createWebhookSecretStore({ prisma: db.prisma, box: createSecretBox(config.webhooks.secretsKey) }),
      metrics,
      logger,
      toleranceSeconds: config.webhooks.toleranceSeconds,
    }),
  };
  const consumer =
    kafka && config.kafka?.consume ? createEventConsumer({ kafka, config: config.kafka, pipeline, deadLetters, logger }) : undefined;
  const rabbitConsumer =
    config.rabbitmq?.consume && rabbitMetrics ? createRabbitConsumer({ config: config.rabbitmq, pipeline, deadLetters, logger, metrics: rabbitMetrics }) : undefined;

  const yoga = createYogaServer(services);
  let started = false;
  let draining = false;
  let http: Server | undefined;
  let sockets: SocketServer | undefined;
  let simulator: Simulator | undefined;

  async function readiness() {
    const [database, pubsubReady] = await Promise.all([
      db.ping().then(() => true, () => false),
      pubsub.ready().catch(() => false),
    ]);
    const checks: Record<string, boolean> = { started: started && !draining, database, pubsub: pubsubReady };
    if (consumer) checks.kafkaConsumer = consumer.ready();
    if (rabbitConsumer) checks.rabbitmqConsumer = rabbitConsumer.ready();
    // Every ingest mutation would answer SERVICE_UNAVAILABLE without it.
    if (rabbitIntake) checks.rabbitmqPublisher = rabbitIntake.ready();
    return { ready: Object.values(checks).every(Boolean), checks };
  }

  async function seedDemo(): Promise<DemoCredentials> {
    const merchant = await services.merchants.ensure({ id: DEMO_MERCHANT_ID, name: 'Demo Merchant', timezone: 'Africa/Nairobi', defaultCurrency: 'KES' });
    // One live start-up key at a time: the previous run's key is revoked.
    for (const key of await services.apiKeys.list(merchant.id)) {
      if (key.name === 'demo start-up key' && !key.revokedAt) await services.apiKeys.revoke({ id: key.id, merchantId: merchant.id, actor: 'system:demo' });
    }
    const { secret } = await services.apiKeys.create({ merchantId: merchant.id, name: 'demo start-up key', actor: 'system:demo' });
    const token = config.auth.secret
      ? await signToken(config.auth, { sub: 'demo-merchant-user', role: 'merchant', merchantId: merchant.id, expiresInSeconds: 24 * 3600 })
      : '(JWKS mode: get a token from your identity provider)';
    return { merchantId: merchant.id, token, apiKey: secret };
  }

  return {
    services,
    readiness,
    sockets: () => sockets?.sockets() ?? 0,
    async start() {
      await migrate(db, logger);
      if (kafka && config.kafka && producer) {
        await ensureTopics(kafka, config.kafka);
        await producer.connect();
        await consumer?.start();
      }
      await rabbitIntake?.start();
      await rabbitConsumer?.start();
      const demo = config.demo.seedMerchant ? await seedDemo() : undefined;
      await services.sessions.start();
      services.presence.start();
      worker?.start();
      const webhooks = createWebhookHttpHandler({
        webhooks: services.webhooks,
        maxBodyBytes: config.limits.maxBodyBytes,
        metrics,
        logger,
        rateLimiter: services.rateLimiter,
        budget: config.limits.rate.apiKeys,
      });
      http = createServer(createHttpHandler({ yoga, readiness, metrics, maxBodyBytes: config.limits.maxBodyBytes, webhooks }));
      http.on('clientError', createClientErrorHandler(metrics));
      sockets = attachSocketServer(http, yoga, services);
      await new Promise<void>((resolve, reject) => {
        http!.once('error', reject);
        http!.listen(config.port, config.host, () => resolve());
      });
      if (config.demo.simulate && demo) {
        simulator = createSimulator({ pipeline: services.pipeline, merchantId: demo.merchantId, intervalMs: config.demo.intervalMs, logger });
        simulator.start();
      }
      started = true;
      const port = (http.address() as AddressInfo).port;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return { port, url: `http://${host}:${port}${GRAPHQL_PATH}`, demo };
    },
    async stop() {
      draining = true;
      // Readiness now answers 503; give the load balancer time to stop sending new work here.
      if (config.drain.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.drain.delayMs));
      await simulator?.stop();
      const closed = http ? new Promise<void>((resolve) => http!.close(() => resolve())) : Promise.resolve();
      await sockets?.close();
      // In-flight chunks finish, publish and commit their offsets before the group is left.
      await consumer?.stop();
      await rabbitConsumer?.stop();
      await services.presence.stop();
      await services.sessions.stop();
      // The pass in progress records its results before the database closes.
      await worker?.stop();
      await closeChannels(channels);
      // Ending every live subscription ends the SSE streams too; then idle keep-alive
      // connections are all that hold close() open.
      await pubsub.close();
      http?.closeIdleConnections();
      const force = setTimeout(() => http?.closeAllConnections(), config.shutdownTimeoutMs);
      await closed;
      clearTimeout(force);
      await services.rateLimiter.close();
      // After the last HTTP request: an ingest mutation in flight still reaches Kafka.
      await producer?.disconnect();
      await rabbitIntake?.stop();
      await db.close();
    },
  };
}
