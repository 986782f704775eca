/**
 * createApp wires every part from a Config and returns its lifecycle handles. main() and the tests
 * build the server through this same factory.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAnalyticsEffect } from './analytics/aggregates.js';
import { createAnalyticsService } from './analytics/queries.js';
import { createAnnouncementService } from './announcements/service.js';
import { createAuditService } from './audit/service.js';
import { createApiKeyService } from './auth/api-keys.js';
import { createSessionRevocation } from './auth/revocation.js';
import { createTokenVerifier, signToken } from './auth/jwt.js';
import type { Config } from './config.js';
import { createDatabase } from './db/client.js';
import { migrate } from './db/migrate.js';
import { createDeadLetterService } from './dead-letters/service.js';
import { createFeeds, type Domain } from './domain.js';
import { demoApiKey } from './demo/credentials.js';
import { createSimulator, type Simulator } from './demo/simulator.js';
import { createDirectIntake, withBatchLimit } from './ingest/intake.js';
import { createIngestPipeline, INGEST_TRANSACTION_LIMITS } from './ingest/pipeline.js';
import { createKafka, ensureTopics } from './kafka/client.js';
import { createEventConsumer } from './kafka/consumer.js';
import { createKafkaIntake, createProducer } from './kafka/producer.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createRabbitConsumer } from './rabbitmq/consumer.js';
import { createRabbitIntake } from './rabbitmq/intake.js';
import { createRabbitMetrics } from './rabbitmq/metrics.js';
import { createMetrics } from './lib/metrics.js';
import { createMerchantService } from './merchants/service.js';
import { stopChannels, createChannels } from './notifications/channels/index.js';
import { createNotificationEffect } from './notifications/effect.js';
import { draftForApiKey } from './notifications/rules.js';
import { createNotificationService } from './notifications/service.js';
import { createNotificationWorker } from './notifications/worker.js';
import { createOrderEffect } from './orders/effect.js';
import { createOrderService } from './orders/service.js';
import { createActivityService } from './payments/activity.js';
import { createPaymentEventRepository } from './payments/repository.js';
import { createPresenceService } from './presence/service.js';
import { createMemoryPresenceStore, createRedisPresenceStore } from './presence/store.js';
import { createPubSub } from './pubsub/index.js';
import { createMemoryPersistedQueryStore, createRedisPersistedQueryStore } from './server/apq.js';
import { createDashboardHandler } from './server/dashboard.js';
import type { AuthDeps } from './server/context.js';
import { createExportHandler } from './server/exports.js';
import { createClientErrorHandler, createHttpHandler } from './server/http.js';
import { createMemoryRateLimiter, createRedisRateLimiter } from './server/limits/rate-limit.js';
import { slowConsumerError } from './server/backpressure.js';
import { createSessionRegistry } from './edge/sessions.js';
import { createEdge } from './edge/policy.js';
import { createMemoryNotBeforeStore, createRedisNotBeforeStore } from './auth/not-before.js';
import { createMemorySocketQuota, createRedisSocketQuota } from './server/limits/socket-quota.js';
import { attachSocketServer, type SocketServer } from './server/ws.js';
import { createYogaServer, GRAPHQL_PATH } from './server/yoga.js';
import type { Infrastructure } from './infrastructure.js';
import { StartupError } from './startup/errors.js';
import { answerStarting, bindHttpServer } from './startup/port.js';
import { probeKafka, probeRabbitmq, probePostgres, probeRedis } from './startup/probes.js';
import { createTrackingService } from './tracking/service.js';
import { createWalletEffect } from './wallets/ledger.js';
import { createWalletService } from './wallets/service.js';
import { createSecretBox } from './lib/secret-box.js';
import { createWebhookHttpHandler } from './webhooks/http.js';
import { createWebhookSecretStore } from './webhooks/secrets.js';
import { createWebhookService } from './webhooks/service.js';
import { ErrorCode } from './lib/error-codes.js';

export const DEMO_MERCHANT_ID = 'm_demo';

export interface DemoCredentials {
  merchantId: string;
  token: string;
  apiKey: string;
  /** False when `apiKey` is the one stored by an earlier start (src/demo/credentials.ts). */
  apiKeyCreated: boolean;
  /** Lifetime of `token`, in seconds. */
  tokenTtlSeconds: number;
}

/** Lifetime of the merchant token the start-up banner prints (README: "Tokens"). */
export const DEMO_TOKEN_TTL_SECONDS = 24 * 3600;

export interface StartedApp {
  url: string;
  port: number;
  /** Present when the demo merchant was seeded at start. */
  demo: DemoCredentials | undefined;
}

export interface App {
  /** What resolvers see (the GraphQL context's `domain`): the domain services only. */
  readonly domain: Domain;
  /** The parts under the domain (database, pubsub, pipeline, limits, …), for adapters, scripts and tests. */
  readonly infra: Infrastructure;
  start(): Promise<StartedApp>;
  /** Stops accepting, closes sockets with 1001, stops background work, closes pubsub and database. */
  stop(): Promise<void>;
  readiness(): Promise<{ ready: boolean; checks: Record<string, boolean> }>;
  sockets(): number;
}

export interface AppOptions {
  logger?: Logger;
  /**
   * A server already listening on the configured port (main() binds it before opening the
   * database). Without one, start() binds it first. Until the app runs it must answer with
   * `answerStarting`, which start() replaces.
   */
  server?: Server;
  /**
   * The clock of the rate limiters, in epoch ms (tests freeze it to count refusals exactly).
   * @default Date.now in memory; Redis's own clock with Redis
   */
  now?: () => number;
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = createMetrics();
  const db = await createDatabase(config.database);
  // Every Redis client is built by createRedis (lib/redis.ts) from this, named per part.
  const redis = config.redisUrl ? { url: config.redisUrl, logger } : undefined;
  const pubsub = createPubSub(redis, {
    // A subscriber that lets this many messages pile up is told to resume from its cursor.
    maxBuffered: config.limits.subscription.maxQueued,
    overflowError: () => {
      metrics.refuse(ErrorCode.SlowConsumer);
      return slowConsumerError(undefined);
    },
  });
  const events = createPaymentEventRepository(db.prisma);
  const secretBox = createSecretBox(config.webhooks.secretsKey);
  const channels = createChannels(config.notifications, logger);
  // The outbox worker needs nothing of the service, so it comes first and the service can wake it.
  const worker = config.notifications.worker ? createNotificationWorker({ prisma: db.prisma, channels, logger, metrics, options: config.notifications }) : undefined;
  const notifications = createNotificationService({
    prisma: db.prisma,
    pubsub,
    logger,
    channels,
    kick: () => worker?.kick(),
    production: config.env === 'production',
    codeKey: config.webhooks.secretsKey,
    push: config.notifications.push,
  });
  const pipeline = createIngestPipeline({
    prisma: db.prisma,
    transaction: db.sqlTransactions(INGEST_TRANSACTION_LIMITS),
    pubsub,
    logger,
    metrics,
    // Below the pool, so orders, keys and reads still get connections; PGlite is one session.
    maxConcurrentTransactions: config.database.kind === 'postgres' ? Math.max(1, config.database.poolSize - 2) : 1,
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
  // Before the key service: a key revoked through it is reported to the registry, whose listener
  // (the edge's check cache, below) forgets what it remembered of the key.
  const sessions = createSessionRegistry({ pubsub, logger });
  const apiKeys = createApiKeyService(db.prisma, {
    // The security alert is written with the key change, in its transaction; after commit, the
    // edge of this instance stops trusting its remembered check of a revoked key.
    onChange: async (tx, { action, apiKey, actor }) => {
      const after = await notifications.stage(tx, [draftForApiKey({ merchantId: apiKey.merchantId, keyId: apiKey.id, keyName: apiKey.name, actor, action })]);
      if (action !== 'revoked') return after;
      return async () => {
        sessions.changed('apiKey', apiKey.id);
        await after?.();
      };
    },
    onAfterCommitError: (err) => logger.error({ err }, 'API key alert publish after commit failed'),
  });
  const presence = createPresenceService({
    store: redis ? createRedisPresenceStore(redis) : createMemoryPresenceStore(),
    pubsub,
    logger,
    options: config.presence,
  });
  const notBefore = redis ? createRedisNotBeforeStore(redis) : createMemoryNotBeforeStore();
  const edge = createEdge({
    metrics,
    logger,
    apiKeys,
    notBefore,
    sessions,
    presence,
    // A session's place lives as long as the presence heartbeat: a dead instance's places free after it.
    quota: redis ? createRedisSocketQuota(redis, { ttlMs: config.presence.ttlMs }) : createMemorySocketQuota(),
    maxSessionsPerCredential: config.limits.sockets.perCredential,
    maxBufferedBytes: config.limits.subscription.maxBufferedBytes,
  });
  const analytics = createAnalyticsService(db.prisma);
  const wallets = createWalletService(db.prisma);
  const orders = createOrderService({ prisma: db.prisma, pubsub, logger, notifications });
  // What resolvers may call (src/domain.ts): each service already holds the infrastructure it needs.
  const domain: Domain = {
    merchants,
    analytics,
    wallets,
    orders,
    notifications,
    tracking: createTrackingService({ prisma: db.prisma, pubsub }),
    announcements: createAnnouncementService({ prisma: db.prisma, pubsub, logger }),
    audit: createAuditService(db.prisma),
    apiKeys,
    presence,
    sessions: createSessionRevocation({ sessions, notBefore, notifications, logger }),
    events,
    activity: createActivityService(db.prisma),
    deadLetters,
    intake: withBatchLimit(intake, config.limits.maxBatchSize),
    feeds: createFeeds({ pubsub, events, analytics, wallets, orders }),
    webhooks: createWebhookService({
      prisma: db.prisma,
      intake,
      secrets: createWebhookSecretStore({ prisma: db.prisma, box: secretBox }),
      metrics,
      logger,
      toleranceSeconds: config.webhooks.toleranceSeconds,
    }),
  };
  const tokens = createTokenVerifier(config.auth);
  const rateLimiter = redis ? createRedisRateLimiter(redis, undefined, options.now ? { now: options.now } : {}) : createMemoryRateLimiter(options.now);
  const persistedQueries = config.apq
    ? redis
      ? createRedisPersistedQueryStore(redis, { ttlSeconds: config.apq.ttlSeconds, maxTokens: config.limits.query.maxTokens })
      : createMemoryPersistedQueryStore({ ttlSeconds: config.apq.ttlSeconds, maxTokens: config.limits.query.maxTokens })
    : undefined;
  // Never in the GraphQL context: each adapter (server/) is handed the few parts it needs.
  const infra: Infrastructure = { config, logger, metrics, db, pubsub, pipeline, tokens, notBefore, rateLimiter, persistedQueries, edge };
  // What every authenticating adapter checks credentials with.
  const auth: AuthDeps = { tokens, apiKeys, notBefore };
  const consumer =
    kafka && config.kafka?.consume ? createEventConsumer({ kafka, config: config.kafka, pipeline, deadLetters, logger }) : undefined;
  const rabbitConsumer =
    config.rabbitmq?.consume && rabbitMetrics ? createRabbitConsumer({ config: config.rabbitmq, pipeline, deadLetters, logger, metrics: rabbitMetrics }) : undefined;

  // Set at start when the demo merchant is seeded: GraphiQL and the dashboard then offer its token
  // to whoever opens them — a development convenience, so never in production (nor with JWKS,
  // where there is no token of ours to offer).
  let demo: DemoCredentials | undefined;
  const offered = () => (demo && config.auth.secret && config.env !== 'production' ? demo : undefined);
  const demoHeaders = () => {
    const d = offered();
    return d ? { Authorization: `Bearer ${d.token}` } : undefined;
  };
  const yoga = createYogaServer({ config, logger, metrics, rateLimiter, persistedQueries, edge, domain, auth }, { graphiqlHeaders: demoHeaders });
  let started = false;
  let draining = false;
  let http: Server | undefined;
  let sockets: SocketServer | undefined;
  let simulator: Simulator | undefined;

  async function readiness() {
    const settle = (check: Promise<boolean>) => check.catch(() => false);
    const [database, pubsubReady, redisParts] = await Promise.all([
      db.readiness(),
      settle(pubsub.readiness()),
      // Each part holding its own Redis connection; in memory they are always ready and not listed.
      redis
        ? Promise.all([
            settle(rateLimiter.readiness()).then((ok) => ['rateLimit', ok] as const),
            settle(presence.readiness()).then((ok) => ['presence', ok] as const),
            settle(edge.readiness()).then((ok) => ['edge', ok] as const),
            ...(persistedQueries ? [settle(persistedQueries.readiness()).then((ok) => ['persistedQueries', ok] as const)] : []),
          ])
        : [],
    ]);
    const checks: Record<string, boolean> = { started: started && !draining, database, pubsub: pubsubReady, ...Object.fromEntries(redisParts) };
    if (consumer) checks.kafkaConsumer = consumer.readiness();
    if (rabbitConsumer) checks.rabbitmqConsumer = rabbitConsumer.readiness();
    // Every ingest mutation would answer SERVICE_UNAVAILABLE without it.
    if (rabbitIntake) checks.rabbitmqPublisher = rabbitIntake.readiness();
    return { ready: Object.values(checks).every(Boolean), checks };
  }

  /**
   * Redis and Kafka (and RabbitMQ, RABBITMQ_URL, once it is a source: its probe goes in this
   * list) are waited for together, so the whole wait is bounded by one STARTUP_TIMEOUT_MS; the
   * first failure in this order is reported.
   */
  async function probeServices(): Promise<void> {
    const probes: Promise<void>[] = [];
    if (config.redisUrl) probes.push(probeRedis(config.redisUrl, config.startupTimeoutMs, logger));
    if (config.kafka) probes.push(probeKafka(config.kafka.brokers, config.startupTimeoutMs, logger));
    if (config.rabbitmq) probes.push(probeRabbitmq(config.rabbitmq.url, config.startupTimeoutMs, logger));
    const failed = (await Promise.allSettled(probes)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async function seedDemo(): Promise<DemoCredentials> {
    const merchant = await merchants.ensure({ id: DEMO_MERCHANT_ID, name: 'Demo Merchant', timezone: 'Africa/Nairobi', defaultCurrency: 'KES' });
    // The same key as the previous start unless rotated: back ends configured with it keep working.
    const key = await demoApiKey({ prisma: db.prisma, apiKeys, box: secretBox, logger }, merchant.id, { rotate: config.demo.rotateKey });
    const token = config.auth.secret
      ? await signToken(config.auth, { sub: 'demo-merchant-user', role: 'merchant', merchantId: merchant.id, expiresInSeconds: DEMO_TOKEN_TTL_SECONDS })
      : '(JWKS mode: get a token from your identity provider)';
    return { merchantId: merchant.id, token, apiKey: key.secret, apiKeyCreated: key.created, tokenTtlSeconds: DEMO_TOKEN_TTL_SECONDS };
  }

  return {
    domain,
    infra,
    readiness,
    sockets: () => sockets?.sockets() ?? 0,
    async start() {
      // Start-up checks, in order, each failing with a StartupError naming its part (main()
      // prints it on one line, exit 78): the port (before anything slow, so "in use" is
      // reported at once), the database (PGlite: opened and locked by createDatabase), the
      // other services within STARTUP_TIMEOUT_MS, then the migrations.
      const server = options.server ?? (await bindHttpServer(config.host, config.port));
      http = server;
      if (config.database.kind === 'postgres') await probePostgres(config.database.url, config.startupTimeoutMs, logger);
      await probeServices();
      try {
        await migrate(db, logger);
      } catch (error) {
        throw new StartupError('migrations', (error as Error).message, { cause: error });
      }
      if (kafka && config.kafka && producer) {
        await ensureTopics(kafka, config.kafka);
        await producer.connect();
        await consumer?.start();
      }
      await rabbitIntake?.start();
      await rabbitConsumer?.start();
      demo = config.demo.seedMerchant ? await seedDemo() : undefined;
      await sessions.start();
      presence.start();
      worker?.start();
      const webhooks = createWebhookHttpHandler({
        webhooks: domain.webhooks,
        maxBodyBytes: config.limits.maxBodyBytes,
        metrics,
        logger,
        rateLimiter,
        budget: config.limits.rate.apiKeys,
      });
      const dashboard = createDashboardHandler({
        demo: () => {
          const d = offered();
          return d ? { merchantId: d.merchantId, token: d.token } : undefined;
        },
      });
      const exports = createExportHandler({ config, logger, metrics, rateLimiter, auth, merchants, prisma: db.prisma });
      server.on('clientError', createClientErrorHandler(metrics));
      sockets = attachSocketServer(server, yoga, { config, logger, metrics, persistedQueries, edge, auth });
      // Until now the bound port answered 503 "starting"; from here on it serves.
      server.removeListener('request', answerStarting);
      server.on('request', createHttpHandler({ yoga, readiness, metrics, maxBodyBytes: config.limits.maxBodyBytes, webhooks, dashboard, exports }));
      if (config.demo.simulate && demo) {
        simulator = createSimulator({ pipeline, merchantId: demo.merchantId, intervalMs: config.demo.intervalMs, logger });
        simulator.start();
      }
      started = true;
      const port = (server.address() as AddressInfo).port;
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
      await presence.stop();
      await sessions.stop();
      // The pass in progress records its results before the database closes.
      await worker?.stop();
      await stopChannels(channels);
      // Ending every live subscription ends the SSE streams too; then idle keep-alive
      // connections are all that hold close() open.
      await pubsub.stop();
      // graphql-sse's reserved single-connection streams outlive their operations: end them.
      await yoga.dispose();
      // Every session has ended (sockets closed, streams disposed): the edge's places go back.
      await edge.stop();
      await notBefore.stop();
      // Streams that just ended leave keep-alive connections that turn idle a moment later:
      // close idle ones until the server is closed, not only those idle right now.
      http?.closeIdleConnections();
      const sweep = setInterval(() => http?.closeIdleConnections(), 50);
      const force = setTimeout(() => http?.closeAllConnections(), config.shutdownTimeoutMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
      await rateLimiter.stop();
      await persistedQueries?.stop();
      // After the last HTTP request: an ingest mutation in flight still reaches Kafka.
      await producer?.disconnect();
      await rabbitIntake?.stop();
      await db.stop();
    },
  };
}
