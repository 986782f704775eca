/**
 * The one place that reads `process.env`. Every variable is validated once at start; a bad value
 * stops the process with a message naming the variable. Everything else receives a frozen
 * `Config` object.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

const DEV_JWT_SECRET = 'paypulse-dev-secret-change-me-0123456789abcdef';
/** Seals webhook secrets at rest when WEBHOOK_SECRETS_KEY is unset (development only: it is public). */
const DEV_WEBHOOK_SECRETS_KEY = 'paypulse-dev-webhook-secrets-key-change-me-0123';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/** A whole number written in plain digits (no spaces, signs, exponents or hex). */
const wholeNumber = (schema: z.ZodNumber) => z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(schema);
const positiveInt = (max = Number.MAX_SAFE_INTEGER) => wholeNumber(z.number().int().positive().max(max));

/** host:port with a port in 1-65535. */
const brokerList = z
  .string()
  .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, 'must be host:port[,host:port…]')
  .refine((v) => v.split(',').every((b) => Number(b.split(':')[1]) >= 1 && Number(b.split(':')[1]) <= 65535), 'every port must be 1-65535');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const PUSH_PROVIDERS = ['fcm', 'onesignal'] as const;
export type PushProvider = (typeof PUSH_PROVIDERS)[number];
export const SMS_PROVIDERS = ['twilio', 'africastalking'] as const;
export type SmsProvider = (typeof SMS_PROVIDERS)[number];

/** One SMS_ROUTES entry: numbers starting with `prefix` (a "+" and 1-6 digits) go through `provider`. */
export interface SmsRoute {
  prefix: string;
  provider: SmsProvider;
}

/** `+254=africastalking,+1=twilio`: comma-separated prefix=provider pairs, each prefix once. */
const smsRoutes = z.string().transform((v, ctx): SmsRoute[] => {
  const routes: SmsRoute[] = [];
  for (const entry of v.split(',').map((e) => e.trim())) {
    const match = /^(\+[1-9]\d{0,5})=([a-z]+)$/.exec(entry);
    const provider = match?.[2] as SmsProvider | undefined;
    if (!match || !provider || !SMS_PROVIDERS.includes(provider)) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not +<country prefix>=${SMS_PROVIDERS.join('|')}` });
      return z.NEVER;
    }
    if (routes.some((r) => r.prefix === match[1])) {
      ctx.addIssue({ code: 'custom', message: `prefix ${match[1]} is routed twice` });
      return z.NEVER;
    }
    routes.push({ prefix: match[1]!, provider });
  }
  return routes;
});

/** An AMQP exchange or queue name we declare: printable, no spaces, not the reserved `amq.` prefix. */
const amqpName = z
  .string()
  .regex(/^[a-zA-Z0-9._:-]{1,200}$/, 'must be 1-200 of a-z A-Z 0-9 . _ : -')
  .refine((v) => !v.startsWith('amq.'), 'must not start with amq. (reserved by the broker)');

const url = (protocols: readonly string[]) =>
  z
    .string()
    .url()
    .refine((v) => protocols.some((p) => v.startsWith(`${p}:`)), {
      message: `must start with ${protocols.map((p) => `${p}:`).join(' or ')}`,
    });

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: wholeNumber(z.number().int().min(0).max(65535)).default(4000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: url(['postgres', 'postgresql']).optional(),
    DATABASE_POOL_SIZE: positiveInt(200).default(10),
    PGLITE_DATA_DIR: z.string().min(1).default('./.data'),
    REDIS_URL: url(['redis', 'rediss']).optional(),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWKS_URL: url(['https', 'http']).optional(),
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    MAX_BODY_BYTES: positiveInt().default(1_048_576),
    MAX_QUERY_TOKENS: positiveInt().default(5_000),
    WS_MAX_BUFFERED_BYTES: positiveInt().default(1_048_576),
    MAX_SOCKETS_PER_CREDENTIAL: positiveInt(100_000).default(20),
    MAX_SUBSCRIPTIONS_PER_SOCKET: positiveInt(100_000).default(100),
    SUBSCRIPTION_QUEUE_SIZE: positiveInt(1_000_000).default(5_000),
    MAX_QUERY_DEPTH: positiveInt(1000).default(12),
    MAX_QUERY_BREADTH: positiveInt().default(300),
    MAX_QUERY_COMPLEXITY: positiveInt().default(5_000),
    TRUSTED_DOCUMENTS: z.string().min(1).optional(),
    APQ_TTL_SECONDS: positiveInt(30 * 24 * 3600).default(86_400),
    MULTIPART_HEARTBEAT_MS: positiveInt(600_000).default(5_000),
    RATE_LIMIT_PER_MINUTE: wholeNumber(z.number().int().min(0)).default(1_200),
    RATE_LIMIT_BURST: positiveInt().default(200),
    RATE_LIMIT_API_KEY_PER_MINUTE: wholeNumber(z.number().int().min(0)).default(60_000),
    RATE_LIMIT_API_KEY_BURST: positiveInt().default(2_000),
    WS_KEEPALIVE_MS: positiveInt().default(20_000),
    PRESENCE_AWAY_MS: positiveInt().default(300_000),
    PRESENCE_TTL_MS: positiveInt().default(30_000),
    SHUTDOWN_TIMEOUT_MS: positiveInt().default(10_000),
    DRAIN_DELAY_MS: wholeNumber(z.number().int().min(0).max(600_000)).default(0),
    DRAIN_BATCH_SIZE: positiveInt().default(500),
    DRAIN_BATCH_INTERVAL_MS: wholeNumber(z.number().int().min(0).max(60_000)).default(100),
    KAFKA_BROKERS: brokerList.optional(),
    KAFKA_CLIENT_ID: z.string().min(1).default('paypulse'),
    KAFKA_GROUP_ID: z.string().min(1).default('paypulse-ingest'),
    KAFKA_TOPIC: z.string().regex(/^[a-zA-Z0-9._-]{1,200}$/, 'must be a valid Kafka topic name').default('payment-events'),
    KAFKA_DLQ_TOPIC: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a valid Kafka topic name').optional(),
    KAFKA_TOPIC_PARTITIONS: positiveInt(1000).default(6),
    KAFKA_CONSUMER: bool.default(true),
    KAFKA_BATCH_SIZE: positiveInt(1000).default(500),
    KAFKA_RETRY_BASE_MS: positiveInt().default(200),
    KAFKA_RETRY_MAX_MS: positiveInt().default(30_000),
    KAFKA_MAX_ATTEMPTS: positiveInt(1000).default(10),
    RABBITMQ_URL: url(['amqp', 'amqps']).optional(),
    RABBITMQ_EXCHANGE: amqpName.default('payment-events'),
    RABBITMQ_QUEUE: amqpName.default('payment-events'),
    RABBITMQ_DLX: amqpName.optional(),
    RABBITMQ_DLQ: amqpName.optional(),
    RABBITMQ_SHARDS: positiveInt(256).default(6),
    RABBITMQ_PREFETCH: positiveInt(10_000).default(1_000),
    RABBITMQ_BATCH_SIZE: positiveInt(1000).default(500),
    RABBITMQ_CONSUMER: bool.default(true),
    RABBITMQ_RETRY_BASE_MS: positiveInt().default(200),
    RABBITMQ_RETRY_MAX_MS: positiveInt().default(30_000),
    RABBITMQ_MAX_ATTEMPTS: positiveInt(1000).default(10),
    RABBITMQ_MAX_DELIVERIES: positiveInt(10_000).default(20),
    RABBITMQ_REBALANCE_MS: positiveInt(600_000).default(2_000),
    RABBITMQ_PUBLISH_TIMEOUT_MS: positiveInt(600_000).default(10_000),
    INGEST_BROKER: z.enum(['kafka', 'rabbitmq']).optional(),
    NOTIFICATIONS_WORKER: bool.default(true),
    NOTIFY_POLL_MS: positiveInt(3_600_000).default(1_000),
    NOTIFY_BATCH_SIZE: positiveInt(1000).default(50),
    NOTIFY_LEASE_MS: positiveInt(3_600_000).default(60_000),
    NOTIFY_SEND_TIMEOUT_MS: positiveInt(300_000).default(10_000),
    NOTIFY_MAX_ATTEMPTS: positiveInt(100).default(8),
    NOTIFY_RETRY_BASE_MS: positiveInt().default(2_000),
    NOTIFY_RETRY_MAX_MS: positiveInt().default(600_000),
    FCM_SERVICE_ACCOUNT: z
      .string()
      .transform((v, ctx) => {
        try {
          const parsed = JSON.parse(v) as Record<string, unknown>;
          if (typeof parsed.project_id === 'string' && typeof parsed.client_email === 'string' && typeof parsed.private_key === 'string') {
            return { projectId: parsed.project_id, clientEmail: parsed.client_email, privateKey: parsed.private_key };
          }
        } catch {
          // reported below
        }
        ctx.addIssue({ code: 'custom', message: 'must be a service account JSON with project_id, client_email and private_key' });
        return z.NEVER;
      })
      .optional(),
    FCM_API_URL: url(['https', 'http']).optional(),
    SENDGRID_API_KEY: z.string().min(1).optional(),
    SENDGRID_FROM: z.string().regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, 'must be an email address').optional(),
    SENDGRID_API_URL: url(['https', 'http']).optional(),
    TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits').optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_FROM: z.string().regex(/^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/, 'must be an E.164 number or a Messaging Service SID').optional(),
    TWILIO_API_URL: url(['https', 'http']).optional(),
    PUSH_PROVIDER: z.enum(PUSH_PROVIDERS).optional(),
    ONESIGNAL_APP_ID: z.string().regex(UUID, 'must be the OneSignal App ID (a UUID)').optional(),
    ONESIGNAL_REST_API_KEY: z.string().min(1).optional(),
    ONESIGNAL_API_URL: url(['https', 'http']).optional(),
    SMS_PROVIDER: z.enum(SMS_PROVIDERS).optional(),
    SMS_ROUTES: smsRoutes.optional(),
    AFRICASTALKING_USERNAME: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be your Africa\'s Talking app username (or sandbox)').optional(),
    AFRICASTALKING_API_KEY: z.string().min(1).optional(),
    // A registered alphanumeric sender id (at most 11 characters, a letter among them) or a short code.
    AFRICASTALKING_FROM: z
      .string()
      .regex(/^(\+?\d{3,15}|(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9 ._-]{1,11})$/, 'must be a short code or an alphanumeric sender id of at most 11 characters')
      .optional(),
    AFRICASTALKING_API_URL: url(['https', 'http']).optional(),
    WEBHOOK_TOLERANCE_SECONDS: positiveInt(3600).default(300),
    WEBHOOK_SECRETS_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
    STARTUP_TIMEOUT_MS: wholeNumber(z.number().int().min(0).max(600_000)).default(10_000),
    INTROSPECTION: z.enum(['public', 'authenticated', 'off']).optional(),
    FIELD_SUGGESTIONS: z.enum(['public', 'authenticated', 'off']).optional(),
    GRAPHIQL: bool.optional(),
    CORS_ORIGINS: z
      .string()
      .transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o !== ''))
      .refine((list) => list.every((o) => o === '*' || /^https?:\/\/[^/\s?#]+$/.test(o)), 'must be * or a comma-separated list of origins (scheme://host[:port], no path)')
      .optional(),
    ERROR_DETAILS: bool.optional(),
    JWT_CLOCK_SKEW_SECONDS: wholeNumber(z.number().int().min(0).max(600)).default(60),
    DEMO: bool.default(false),
    DEMO_ROTATE_KEY: bool.default(false),
    DEMO_INTERVAL_MS: positiveInt().default(1_000),
    DEMO_MERCHANT: bool.optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET && !env.JWKS_URL) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'JWT_SECRET or JWKS_URL is required when NODE_ENV=production' });
    }
    if (env.NODE_ENV === 'production' && !env.WEBHOOK_SECRETS_KEY) {
      // The development key is public: secrets sealed with it are as good as plain text.
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_SECRETS_KEY'], message: 'is required when NODE_ENV=production' });
    }
    if (env.JWKS_URL) {
      // Keys from an identity provider: accept only its tokens meant for us.
      if (!env.JWT_ISSUER) ctx.addIssue({ code: 'custom', path: ['JWT_ISSUER'], message: 'JWT_ISSUER is required with JWKS_URL' });
      if (!env.JWT_AUDIENCE) ctx.addIssue({ code: 'custom', path: ['JWT_AUDIENCE'], message: 'JWT_AUDIENCE is required with JWKS_URL' });
    }
    // A provider is configured completely or not at all.
    const together: [string, ...(keyof typeof env)[]][] = [
      ['SendGrid', 'SENDGRID_API_KEY', 'SENDGRID_FROM'],
      ['Twilio', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'],
      ['OneSignal', 'ONESIGNAL_APP_ID', 'ONESIGNAL_REST_API_KEY'],
      ["Africa's Talking", 'AFRICASTALKING_USERNAME', 'AFRICASTALKING_API_KEY'],
    ];
    for (const [provider, ...keys] of together) {
      const set = keys.filter((k) => env[k] !== undefined);
      if (set.length > 0 && set.length < keys.length) {
        for (const k of keys.filter((k) => env[k] === undefined)) ctx.addIssue({ code: 'custom', path: [k], message: `is required with ${set.join(', ')} (${provider})` });
      }
    }
    // One push provider per deployment; SMS picks one per number (SMS_ROUTES, then SMS_PROVIDER).
    const pushConfigured: Record<PushProvider, boolean> = { fcm: !!env.FCM_SERVICE_ACCOUNT, onesignal: !!(env.ONESIGNAL_APP_ID && env.ONESIGNAL_REST_API_KEY) };
    const smsConfigured: Record<SmsProvider, boolean> = {
      twilio: !!(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM),
      africastalking: !!(env.AFRICASTALKING_USERNAME && env.AFRICASTALKING_API_KEY),
    };
    const credentials = { fcm: 'FCM_SERVICE_ACCOUNT', onesignal: 'ONESIGNAL_APP_ID and ONESIGNAL_REST_API_KEY', twilio: 'the TWILIO_* credentials', africastalking: 'AFRICASTALKING_USERNAME and AFRICASTALKING_API_KEY' };
    if (env.PUSH_PROVIDER && !pushConfigured[env.PUSH_PROVIDER]) {
      ctx.addIssue({ code: 'custom', path: ['PUSH_PROVIDER'], message: `is ${env.PUSH_PROVIDER}, which needs ${credentials[env.PUSH_PROVIDER]}` });
    }
    if (!env.PUSH_PROVIDER && pushConfigured.fcm && pushConfigured.onesignal) {
      ctx.addIssue({ code: 'custom', path: ['PUSH_PROVIDER'], message: 'is required when both FCM and OneSignal are configured (fcm or onesignal)' });
    }
    if (env.SMS_PROVIDER && !smsConfigured[env.SMS_PROVIDER]) {
      ctx.addIssue({ code: 'custom', path: ['SMS_PROVIDER'], message: `is ${env.SMS_PROVIDER}, which needs ${credentials[env.SMS_PROVIDER]}` });
    }
    if (!env.SMS_PROVIDER && smsConfigured.twilio && smsConfigured.africastalking) {
      ctx.addIssue({ code: 'custom', path: ['SMS_PROVIDER'], message: "is required when both Twilio and Africa's Talking are configured: the provider for numbers no SMS_ROUTES prefix matches" });
    }
    for (const route of env.SMS_ROUTES ?? []) {
      if (!smsConfigured[route.provider]) ctx.addIssue({ code: 'custom', path: ['SMS_ROUTES'], message: `routes ${route.prefix} to ${route.provider}, which needs ${credentials[route.provider]}` });
    }
    if (env.NOTIFY_LEASE_MS < 2 * env.NOTIFY_SEND_TIMEOUT_MS) {
      // A lease no longer than a send would let a second worker send while the first still
      // waits; twice the timeout leaves room for the pass's own queries and its record.
      ctx.addIssue({ code: 'custom', path: ['NOTIFY_LEASE_MS'], message: 'must be at least twice NOTIFY_SEND_TIMEOUT_MS' });
    }
    if (env.RABBITMQ_BATCH_SIZE > env.RABBITMQ_PREFETCH) {
      // A chunk is cut from what the broker has delivered: it can never be larger than the prefetch.
      ctx.addIssue({ code: 'custom', path: ['RABBITMQ_BATCH_SIZE'], message: 'must not exceed RABBITMQ_PREFETCH' });
    }
    if (env.KAFKA_BROKERS && env.RABBITMQ_URL && !env.INGEST_BROKER) {
      // Both are consumed; which one the ingest mutations publish to must be a decision, not a default.
      ctx.addIssue({ code: 'custom', path: ['INGEST_BROKER'], message: 'is required (kafka or rabbitmq) when both KAFKA_BROKERS and RABBITMQ_URL are set' });
    }
    if (env.INGEST_BROKER === 'kafka' && !env.KAFKA_BROKERS) ctx.addIssue({ code: 'custom', path: ['INGEST_BROKER'], message: 'kafka needs KAFKA_BROKERS' });
    if (env.INGEST_BROKER === 'rabbitmq' && !env.RABBITMQ_URL) ctx.addIssue({ code: 'custom', path: ['INGEST_BROKER'], message: 'rabbitmq needs RABBITMQ_URL' });
    if (env.JWT_SECRET && env.JWKS_URL) {
      ctx.addIssue({ code: 'custom', path: ['JWKS_URL'], message: 'set JWT_SECRET or JWKS_URL, not both' });
    }
  });

type RateBudget = Readonly<{ perMinute: number; burst: number }>;

export type Config = Readonly<{
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  logLevel: string;
  database: Readonly<{ kind: 'postgres'; url: string; poolSize: number } | { kind: 'pglite'; dataDir: string }>;
  redisUrl: string | undefined;
  auth: Readonly<{
    /** HS256 secret, or undefined when tokens are verified against `jwksUrl`. */
    secret: string | undefined;
    jwksUrl: string | undefined;
    issuer: string;
    audience: string;
    /** True when the built-in development secret is in use (never in production). */
    usingDevSecret: boolean;
    /** Tolerance for `exp`, `nbf` and a future `iat`, in seconds (clocks of issuer and server differ). */
    clockSkewSeconds: number;
  }>;
  /** Bounded wait for every configured service at start (STARTUP_TIMEOUT_MS). */
  startupTimeoutMs: number;
  /**
   * What anonymous callers (no token, no API key) may see. Production defaults keep the schema's
   * shape to authenticated callers (docs: README "Production defaults").
   */
  exposure: Readonly<{
    /** `__schema` / `__type`: for everyone, authenticated callers only, or nobody. */
    introspection: 'public' | 'authenticated' | 'off';
    /** "Did you mean …?" in validation errors. */
    suggestions: 'public' | 'authenticated' | 'off';
    /** Serve GraphiQL at GET /graphql (text/html). */
    graphiql: boolean;
    /** Origins allowed cross-origin; `['*']` any; empty: same origin only. Never with credentials. */
    corsOrigins: readonly string[];
    /** Internal error text and parser details in responses (never in production by default). */
    errorDetails: boolean;
  }>;
  limits: Readonly<{
    maxBodyBytes: number;
    maxBatchSize: number;
    query: Readonly<{ maxTokens: number; maxDepth: number; maxBreadth: number; maxComplexity: number }>;
    /** Sockets one user / API key may hold on one instance; operations in flight on one socket. */
    sockets: Readonly<{ perCredential: number; subscriptionsPerSocket: number }>;
    /** Per WebSocket subscription: unsent bytes on the socket and messages queued before SLOW_CONSUMER. */
    subscription: Readonly<{ maxBufferedBytes: number; maxQueued: number }>;
    /** Path of a persisted documents manifest: when set, only its operations run (TRUSTED_DOCUMENTS). */
    trustedDocuments: string | undefined;
    /** Operations per caller; undefined when RATE_LIMIT_PER_MINUTE / RATE_LIMIT_API_KEY_PER_MINUTE is 0. */
    rate: Readonly<{ users: RateBudget | undefined; apiKeys: RateBudget | undefined }>;
  }>;
  /** Undefined when KAFKA_BROKERS is unset: ingest mutations then run the pipeline directly. */
  kafka:
    | Readonly<{
        brokers: readonly string[];
        clientId: string;
        groupId: string;
        topic: string;
        dlqTopic: string;
        partitions: number;
        /** Whether this instance runs the consumer (an instance may only produce). */
        consume: boolean;
        /** Messages handed to the pipeline in one call (one transaction per merchant). */
        batchSize: number;
        retry: Readonly<{ baseMs: number; maxMs: number; maxAttempts: number }>;
      }>
    | undefined;
  /** Undefined when RABBITMQ_URL is unset (docs/events.md#rabbitmq). */
  rabbitmq:
    | Readonly<{
        url: string;
        /** Direct exchange the events are published to, routing key = the merchant's shard number. */
        exchange: string;
        /** Shard queues are `<queue>.<n>` for n in 0..shards-1. */
        queue: string;
        deadLetterExchange: string;
        deadLetterQueue: string;
        shards: number;
        /** Unacknowledged messages the broker may hand one shard consumer. */
        prefetch: number;
        /** Messages handed to the pipeline in one call; acknowledged together after it. */
        batchSize: number;
        /** Whether this instance consumes (an instance may only publish). */
        consume: boolean;
        retry: Readonly<{ baseMs: number; maxMs: number; maxAttempts: number }>;
        /** A message delivered this many times without being acknowledged is dead-lettered unprocessed. */
        maxDeliveries: number;
        /** How often an instance re-counts the consumers and takes or hands back shards. */
        rebalanceMs: number;
        /** Longest wait for the broker's publisher confirms before an ingest answers SERVICE_UNAVAILABLE. */
        publishTimeoutMs: number;
      }>
    | undefined;
  /** Where ingest mutations and webhooks hand their events: run at once, or published to a broker. */
  ingestBroker: 'direct' | 'kafka' | 'rabbitmq';
  wsKeepAliveMs: number;
  /** Subscriptions over HTTP (docs/clients.md). */
  subscriptions: Readonly<{
    /** Interval of the `{}` heartbeat parts of Apollo's multipart protocol. */
    multipartHeartbeatMs: number;
  }>;
  /**
   * Automatic persisted queries (Apollo's APQ), stored in Redis when REDIS_URL is set, in memory
   * otherwise; undefined in trusted documents mode, which accepts only its manifest.
   */
  apq: Readonly<{ ttlSeconds: number }> | undefined;
  /** Presence: idle time before AWAY; heartbeat TTL after which a dead instance's sockets count as gone. */
  presence: Readonly<{ awayMs: number; ttlMs: number }>;
  shutdownTimeoutMs: number;
  /** On SIGTERM: /readyz answers 503 for `delayMs` before sockets close, `batchSize` every `intervalMs`. */
  drain: Readonly<{ delayMs: number; batchSize: number; intervalMs: number }>;
  /** `rotateKey`: revoke the stored demo API key and make a new one at this start. */
  demo: Readonly<{ simulate: boolean; intervalMs: number; seedMerchant: boolean; rotateKey: boolean }>;
  /** Providers left undefined are not configured: their deliveries are logged, not sent. */
  notifications: Readonly<{
    /** Whether this instance runs the delivery worker. */
    worker: boolean;
    pollMs: number;
    batchSize: number;
    leaseMs: number;
    sendTimeoutMs: number;
    maxAttempts: number;
    backoff: Readonly<{ baseMs: number; maxMs: number }>;
    /** Which push provider sends (PUSH_PROVIDER, or the only one configured); undefined: push is logged. */
    push: PushProvider | undefined;
    fcm: Readonly<{ serviceAccount: Readonly<{ projectId: string; clientEmail: string; privateKey: string }>; apiUrl: string | undefined }> | undefined;
    onesignal: Readonly<{ appId: string; restApiKey: string; apiUrl: string | undefined; timeoutMs: number }> | undefined;
    sendgrid: Readonly<{ apiKey: string; from: string; apiUrl: string | undefined; timeoutMs: number }> | undefined;
    /**
     * Which SMS provider sends to a number: the longest matching `routes` prefix, else `fallback`
     * (SMS_PROVIDER, or the only one configured). Undefined: SMS is logged.
     */
    sms: Readonly<{ fallback: SmsProvider; routes: readonly Readonly<SmsRoute>[] }> | undefined;
    twilio: Readonly<{ accountSid: string; authToken: string; from: string; apiUrl: string | undefined; timeoutMs: number }> | undefined;
    africastalking: Readonly<{ username: string; apiKey: string; from: string | undefined; apiUrl: string | undefined; timeoutMs: number }> | undefined;
  }>;
  /** Provider webhooks (docs/webhooks.md). */
  webhooks: Readonly<{
    /** Standard Webhooks: a `webhook-timestamp` further than this from now (either side) is refused. */
    toleranceSeconds: number;
    /** Key material sealing the per-merchant provider secrets in the database. */
    secretsKey: string;
    /** True when the public development key is in use (never in production). */
    usingDevSecretsKey: boolean;
  }>;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Loads `.env` from the working directory (or the file ENV_FILE names) into `process.env` with
 * Node's own parser. A variable already set in the real environment wins, even when empty.
 * Returns the file loaded, or undefined when there is none.
 */
export function loadEnvFile(cwd = process.cwd()): string | undefined {
  const named = process.env.ENV_FILE;
  const path = resolve(cwd, named || '.env');
  if (!existsSync(path)) {
    if (named) throw new ConfigError(`Invalid configuration:\n  ENV_FILE: ${path} does not exist`);
    return undefined;
  }
  try {
    process.loadEnvFile(path);
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  ENV_FILE: cannot read ${path} (${(error as Error).message})`);
  }
  return path;
}

/** Parses an environment (defaults to `process.env`) into a frozen Config, or throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings are treated as unset, as shells and .env files commonly produce them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const usingDevSecret = !e.JWT_SECRET && !e.JWKS_URL;
  const production = e.NODE_ENV === 'production';
  return deepFreeze({
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    database: e.DATABASE_URL
      ? { kind: 'postgres' as const, url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
      : { kind: 'pglite' as const, dataDir: e.PGLITE_DATA_DIR },
    redisUrl: e.REDIS_URL,
    auth: {
      secret: e.JWKS_URL ? undefined : (e.JWT_SECRET ?? DEV_JWT_SECRET),
      jwksUrl: e.JWKS_URL,
      issuer: e.JWT_ISSUER ?? 'paypulse-dev',
      audience: e.JWT_AUDIENCE ?? 'paypulse',
      usingDevSecret,
      clockSkewSeconds: e.JWT_CLOCK_SKEW_SECONDS,
    },
    startupTimeoutMs: e.STARTUP_TIMEOUT_MS,
    exposure: {
      introspection: e.INTROSPECTION ?? (production ? 'authenticated' : 'public'),
      suggestions: e.FIELD_SUGGESTIONS ?? (production ? 'authenticated' : 'public'),
      graphiql: e.GRAPHIQL ?? !production,
      corsOrigins: e.CORS_ORIGINS ?? (production ? [] : ['*']),
      errorDetails: e.ERROR_DETAILS ?? !production,
    },
    limits: {
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxBatchSize: 1000,
      sockets: { perCredential: e.MAX_SOCKETS_PER_CREDENTIAL, subscriptionsPerSocket: e.MAX_SUBSCRIPTIONS_PER_SOCKET },
      subscription: { maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES, maxQueued: e.SUBSCRIPTION_QUEUE_SIZE },
      trustedDocuments: e.TRUSTED_DOCUMENTS,
      query: { maxTokens: e.MAX_QUERY_TOKENS, maxDepth: e.MAX_QUERY_DEPTH, maxBreadth: e.MAX_QUERY_BREADTH, maxComplexity: e.MAX_QUERY_COMPLEXITY },
      rate: {
        users: e.RATE_LIMIT_PER_MINUTE > 0 ? { perMinute: e.RATE_LIMIT_PER_MINUTE, burst: e.RATE_LIMIT_BURST } : undefined,
        apiKeys: e.RATE_LIMIT_API_KEY_PER_MINUTE > 0 ? { perMinute: e.RATE_LIMIT_API_KEY_PER_MINUTE, burst: e.RATE_LIMIT_API_KEY_BURST } : undefined,
      },
    },
    kafka: e.KAFKA_BROKERS
      ? {
          brokers: e.KAFKA_BROKERS.split(','),
          clientId: e.KAFKA_CLIENT_ID,
          groupId: e.KAFKA_GROUP_ID,
          topic: e.KAFKA_TOPIC,
          dlqTopic: e.KAFKA_DLQ_TOPIC ?? `${e.KAFKA_TOPIC}.dlq`,
          partitions: e.KAFKA_TOPIC_PARTITIONS,
          consume: e.KAFKA_CONSUMER,
          batchSize: e.KAFKA_BATCH_SIZE,
          retry: { baseMs: e.KAFKA_RETRY_BASE_MS, maxMs: e.KAFKA_RETRY_MAX_MS, maxAttempts: e.KAFKA_MAX_ATTEMPTS },
        }
      : undefined,
    rabbitmq: e.RABBITMQ_URL
      ? {
          url: e.RABBITMQ_URL,
          exchange: e.RABBITMQ_EXCHANGE,
          queue: e.RABBITMQ_QUEUE,
          deadLetterExchange: e.RABBITMQ_DLX ?? `${e.RABBITMQ_EXCHANGE}.dlx`,
          deadLetterQueue: e.RABBITMQ_DLQ ?? `${e.RABBITMQ_QUEUE}.dlq`,
          shards: e.RABBITMQ_SHARDS,
          prefetch: e.RABBITMQ_PREFETCH,
          batchSize: e.RABBITMQ_BATCH_SIZE,
          consume: e.RABBITMQ_CONSUMER,
          retry: { baseMs: e.RABBITMQ_RETRY_BASE_MS, maxMs: e.RABBITMQ_RETRY_MAX_MS, maxAttempts: e.RABBITMQ_MAX_ATTEMPTS },
          maxDeliveries: e.RABBITMQ_MAX_DELIVERIES,
          rebalanceMs: e.RABBITMQ_REBALANCE_MS,
          publishTimeoutMs: e.RABBITMQ_PUBLISH_TIMEOUT_MS,
        }
      : undefined,
    ingestBroker: e.INGEST_BROKER ?? (e.KAFKA_BROKERS ? 'kafka' : e.RABBITMQ_URL ? 'rabbitmq' : 'direct'),
    wsKeepAliveMs: e.WS_KEEPALIVE_MS,
    subscriptions: { multipartHeartbeatMs: e.MULTIPART_HEARTBEAT_MS },
    apq: e.TRUSTED_DOCUMENTS ? undefined : { ttlSeconds: e.APQ_TTL_SECONDS },
    presence: { awayMs: e.PRESENCE_AWAY_MS, ttlMs: e.PRESENCE_TTL_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    drain: { delayMs: e.DRAIN_DELAY_MS, batchSize: e.DRAIN_BATCH_SIZE, intervalMs: e.DRAIN_BATCH_INTERVAL_MS },
    demo: {
      simulate: e.DEMO,
      intervalMs: e.DEMO_INTERVAL_MS,
      // The demo merchant is seeded by default only in the embedded mode.
      seedMerchant: e.DEMO_MERCHANT ?? (e.DEMO || !e.DATABASE_URL),
      rotateKey: e.DEMO_ROTATE_KEY,
    },
    notifications: {
      worker: e.NOTIFICATIONS_WORKER,
      pollMs: e.NOTIFY_POLL_MS,
      batchSize: e.NOTIFY_BATCH_SIZE,
      leaseMs: e.NOTIFY_LEASE_MS,
      sendTimeoutMs: e.NOTIFY_SEND_TIMEOUT_MS,
      maxAttempts: e.NOTIFY_MAX_ATTEMPTS,
      backoff: { baseMs: e.NOTIFY_RETRY_BASE_MS, maxMs: e.NOTIFY_RETRY_MAX_MS },
      push: e.PUSH_PROVIDER ?? (e.FCM_SERVICE_ACCOUNT ? 'fcm' : e.ONESIGNAL_APP_ID && e.ONESIGNAL_REST_API_KEY ? 'onesignal' : undefined),
      fcm: e.FCM_SERVICE_ACCOUNT ? { serviceAccount: e.FCM_SERVICE_ACCOUNT, apiUrl: e.FCM_API_URL } : undefined,
      onesignal:
        e.ONESIGNAL_APP_ID && e.ONESIGNAL_REST_API_KEY
          ? { appId: e.ONESIGNAL_APP_ID, restApiKey: e.ONESIGNAL_REST_API_KEY, apiUrl: e.ONESIGNAL_API_URL, timeoutMs: e.NOTIFY_SEND_TIMEOUT_MS }
          : undefined,
      sendgrid:
        e.SENDGRID_API_KEY && e.SENDGRID_FROM
          ? { apiKey: e.SENDGRID_API_KEY, from: e.SENDGRID_FROM, apiUrl: e.SENDGRID_API_URL, timeoutMs: e.NOTIFY_SEND_TIMEOUT_MS }
          : undefined,
      twilio:
        e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_FROM
          ? { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN, from: e.TWILIO_FROM, apiUrl: e.TWILIO_API_URL, timeoutMs: e.NOTIFY_SEND_TIMEOUT_MS }
          : undefined,
      africastalking:
        e.AFRICASTALKING_USERNAME && e.AFRICASTALKING_API_KEY
          ? { username: e.AFRICASTALKING_USERNAME, apiKey: e.AFRICASTALKING_API_KEY, from: e.AFRICASTALKING_FROM, apiUrl: e.AFRICASTALKING_API_URL, timeoutMs: e.NOTIFY_SEND_TIMEOUT_MS }
          : undefined,
      sms: smsChoice(e),
    },
    webhooks: {
      toleranceSeconds: e.WEBHOOK_TOLERANCE_SECONDS,
      secretsKey: e.WEBHOOK_SECRETS_KEY ?? DEV_WEBHOOK_SECRETS_KEY,
      usingDevSecretsKey: !e.WEBHOOK_SECRETS_KEY,
    },
  });
}

/** The SMS fallback and routes, longest prefix first (the first match is the most specific). */
function smsChoice(e: z.infer<typeof EnvSchema>): Config['notifications']['sms'] {
  const twilio = !!(e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_FROM);
  const africastalking = !!(e.AFRICASTALKING_USERNAME && e.AFRICASTALKING_API_KEY);
  const fallback = e.SMS_PROVIDER ?? (twilio ? 'twilio' : africastalking ? 'africastalking' : undefined);
  if (!fallback) return undefined;
  const routes = [...(e.SMS_ROUTES ?? [])].sort((a, b) => b.prefix.length - a.prefix.length);
  return { fallback, routes };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Every variable the configuration reads (README's table and .env.example document each). */
export const ENV_VARIABLES: readonly string[] = [...Object.keys(EnvSchema.shape), 'ENV_FILE'];
