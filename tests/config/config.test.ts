/**
 * loadConfig (src/config.ts): the defaults that make `npm start` work with nothing installed,
 * every variable parsed into the typed config, and every bad value refused with a message that
 * names the variable — in the function and in the real process (`src/main.ts`).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'a-production-secret-of-at-least-32-chars';

/** The error loadConfig throws for `env` (fails the test when it does not throw). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  it('runs embedded with nothing set: PGlite in ./.data, in-memory pubsub, port 4000, dev secret', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      env: 'development',
      host: '0.0.0.0',
      port: 4000,
      logLevel: 'info',
      database: { kind: 'pglite', dataDir: './.data' },
      redisUrl: undefined,
      auth: {
        secret: expect.any(String),
        jwksUrl: undefined,
        issuer: 'paypulse-dev',
        audience: 'paypulse',
        usingDevSecret: true,
        clockSkewSeconds: 60,
      },
      startupTimeoutMs: 10_000,
      // Development: everything open to everyone (never credentials on CORS).
      exposure: { introspection: 'public', suggestions: 'public', graphiql: true, corsOrigins: ['*'], errorDetails: true },
      limits: {
        maxBodyBytes: 1_048_576,
        maxBatchSize: 1000,
        sockets: { perCredential: 20, subscriptionsPerSocket: 100 },
        subscription: { maxBufferedBytes: 1_048_576, maxQueued: 5000 },
        query: { maxTokens: 5000, maxDepth: 12, maxBreadth: 300, maxComplexity: 5000 },
        rate: { users: { perMinute: 1200, burst: 200 }, apiKeys: { perMinute: 60_000, burst: 2000 } },
      },
      ingestBroker: 'direct',
      wsKeepAliveMs: 20_000,
      subscriptions: { multipartHeartbeatMs: 5_000 },
      apq: { ttlSeconds: 86_400 },
      presence: { awayMs: 300_000, ttlMs: 30_000 },
      shutdownTimeoutMs: 10_000,
      drain: { delayMs: 0, batchSize: 500, intervalMs: 100 },
      demo: { simulate: false, intervalMs: 1_000, seedMerchant: true, rotateKey: false },
      // No provider credentials: every channel is the log.
      notifications: {
        worker: true,
        pollMs: 1000,
        batchSize: 50,
        leaseMs: 60_000,
        sendTimeoutMs: 10_000,
        maxAttempts: 8,
        backoff: { baseMs: 2000, maxMs: 600_000 },
        fcm: undefined,
        sendgrid: undefined,
        twilio: undefined,
      },
      webhooks: { toleranceSeconds: 300, secretsKey: expect.any(String), usingDevSecretsKey: true },
    });
    expect(config.auth.secret!.length).toBeGreaterThanOrEqual(32);
    // Without brokers, ingest mutations run the pipeline directly.
    expect(config.kafka).toBeUndefined();
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', LOG_LEVEL: '', JWT_SECRET: '' })).toEqual(loadConfig({}));
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://u@db:5432/pp' });
    expect(Object.isFrozen(config)).toBe(true);
    for (const part of [config.database, config.auth, config.limits, config.demo]) expect(Object.isFrozen(part)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('reads process.env when called without an argument', () => {
    const saved = process.env.PORT;
    process.env.PORT = '4321';
    try {
      expect(loadConfig().port).toBe(4321);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });
});

describe('loadConfig parses every variable', () => {
  it('reads the production set: PostgreSQL, Redis, secret, limits, timeouts', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '8080',
      LOG_LEVEL: 'warn',
      DATABASE_URL: 'postgresql://paypulse:pw@db.internal:5432/paypulse',
      DATABASE_POOL_SIZE: '25',
      PGLITE_DATA_DIR: '/ignored/with/a/database/url',
      REDIS_URL: 'rediss://cache.internal:6380/2',
      JWT_SECRET: SECRET,
      JWT_ISSUER: 'https://id.example.com/',
      JWT_AUDIENCE: 'paypulse-api',
      MAX_BODY_BYTES: '2048',
      MAX_QUERY_TOKENS: '3000',
      WS_MAX_BUFFERED_BYTES: '65536',
      SUBSCRIPTION_QUEUE_SIZE: '50',
      MAX_QUERY_DEPTH: '8',
      MAX_QUERY_BREADTH: '100',
      MAX_QUERY_COMPLEXITY: '900',
      RATE_LIMIT_PER_MINUTE: '300',
      RATE_LIMIT_BURST: '50',
      RATE_LIMIT_API_KEY_PER_MINUTE: '0',
      WS_KEEPALIVE_MS: '5000',
      MULTIPART_HEARTBEAT_MS: '2500',
      APQ_TTL_SECONDS: '3600',
      PRESENCE_AWAY_MS: '60000',
      PRESENCE_TTL_MS: '9000',
      SHUTDOWN_TIMEOUT_MS: '30000',
      DRAIN_DELAY_MS: '5000',
      DRAIN_BATCH_SIZE: '50',
      DRAIN_BATCH_INTERVAL_MS: '20',
      DEMO_INTERVAL_MS: '250',
      WEBHOOK_TOLERANCE_SECONDS: '120',
      WEBHOOK_SECRETS_KEY: 'a-webhook-secrets-key-of-at-least-32-chars',
      STARTUP_TIMEOUT_MS: '30000',
      JWT_CLOCK_SKEW_SECONDS: '15',
    });
    expect(config).toEqual({
      env: 'production',
      host: '127.0.0.1',
      port: 8080,
      logLevel: 'warn',
      database: { kind: 'postgres', url: 'postgresql://paypulse:pw@db.internal:5432/paypulse', poolSize: 25 },
      redisUrl: 'rediss://cache.internal:6380/2',
      auth: { secret: SECRET, jwksUrl: undefined, issuer: 'https://id.example.com/', audience: 'paypulse-api', usingDevSecret: false, clockSkewSeconds: 15 },
      startupTimeoutMs: 30_000,
      // Production defaults: the schema's shape for authenticated callers only, same-origin only.
      exposure: { introspection: 'authenticated', suggestions: 'authenticated', graphiql: false, corsOrigins: [], errorDetails: false },
      limits: {
        maxBodyBytes: 2048,
        maxBatchSize: 1000,
        sockets: { perCredential: 20, subscriptionsPerSocket: 100 },
        subscription: { maxBufferedBytes: 65_536, maxQueued: 50 },
        query: { maxTokens: 3000, maxDepth: 8, maxBreadth: 100, maxComplexity: 900 },
        // 0 turns a limit off.
        rate: { users: { perMinute: 300, burst: 50 }, apiKeys: undefined },
      },
      ingestBroker: 'direct',
      wsKeepAliveMs: 5000,
      subscriptions: { multipartHeartbeatMs: 2_500 },
      apq: { ttlSeconds: 3_600 },
      presence: { awayMs: 60_000, ttlMs: 9_000 },
      shutdownTimeoutMs: 30_000,
      drain: { delayMs: 5000, batchSize: 50, intervalMs: 20 },
      // No demo merchant is seeded against a real database unless asked for.
      demo: { simulate: false, intervalMs: 250, seedMerchant: false, rotateKey: false },
      notifications: expect.objectContaining({ worker: true, fcm: undefined }),
      webhooks: { toleranceSeconds: 120, secretsKey: 'a-webhook-secrets-key-of-at-least-32-chars', usingDevSecretsKey: false },
    });
  });

  it('verifies against a JWKS URL instead of a secret when one is set', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      WEBHOOK_SECRETS_KEY: 'a-webhook-secrets-key-of-at-least-32-chars',
      JWKS_URL: 'https://id.example.com/.well-known/jwks.json',
      JWT_ISSUER: 'https://id.example.com/',
      JWT_AUDIENCE: 'paypulse-api',
    });
    expect(config.auth).toEqual({
      secret: undefined,
      jwksUrl: 'https://id.example.com/.well-known/jwks.json',
      issuer: 'https://id.example.com/',
      audience: 'paypulse-api',
      usingDevSecret: false,
      clockSkewSeconds: 60,
    });
  });

  it('reads the exposure settings, each overriding its production default', () => {
    const prod = { NODE_ENV: 'production', JWT_SECRET: SECRET, WEBHOOK_SECRETS_KEY: 'k'.repeat(32) };
    expect(loadConfig({ ...prod, INTROSPECTION: 'off', FIELD_SUGGESTIONS: 'public', GRAPHIQL: '1', CORS_ORIGINS: ' https://a.example.com , http://localhost:5173 ', ERROR_DETAILS: 'yes' }).exposure).toEqual({
      introspection: 'off',
      suggestions: 'public',
      graphiql: true,
      corsOrigins: ['https://a.example.com', 'http://localhost:5173'],
      errorDetails: true,
    });
    expect(loadConfig({ GRAPHIQL: '0', CORS_ORIGINS: 'https://only.example' }).exposure).toMatchObject({ graphiql: false, corsOrigins: ['https://only.example'] });
    expect(loadConfig({ DEMO_ROTATE_KEY: '1' }).demo.rotateKey).toBe(true);
    expect(loadConfig({ STARTUP_TIMEOUT_MS: '0' }).startupTimeoutMs).toBe(0);
  });

  it('refuses exposure values it does not know, naming the variable', () => {
    expect(configError({ INTROSPECTION: 'anonymous' }).message).toContain('INTROSPECTION');
    expect(configError({ FIELD_SUGGESTIONS: 'yes' }).message).toContain('FIELD_SUGGESTIONS');
    expect(configError({ CORS_ORIGINS: 'https://a.example.com/path' }).message).toMatch(/CORS_ORIGINS: must be \* or a comma-separated list of origins/);
    expect(configError({ JWT_CLOCK_SKEW_SECONDS: '3600' }).message).toContain('JWT_CLOCK_SKEW_SECONDS');
    expect(configError({ STARTUP_TIMEOUT_MS: '-1' }).message).toContain('STARTUP_TIMEOUT_MS');
  });

  it('accepts both postgres: and postgresql: URLs, and redis: and rediss:', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).database).toEqual({ kind: 'postgres', url: 'postgres://u@h/db', poolSize: 10 });
    expect(loadConfig({ REDIS_URL: 'redis://h:6379' }).redisUrl).toBe('redis://h:6379');
  });

  it('keeps a PGlite data dir, including memory://', () => {
    expect(loadConfig({ PGLITE_DATA_DIR: 'memory://' }).database).toEqual({ kind: 'pglite', dataDir: 'memory://' });
    expect(loadConfig({ PGLITE_DATA_DIR: '/var/lib/paypulse' }).database).toEqual({ kind: 'pglite', dataDir: '/var/lib/paypulse' });
  });

  it.each(['development', 'production', 'test'] as const)('accepts NODE_ENV=%s', (env) => {
    expect(loadConfig({ NODE_ENV: env, JWT_SECRET: SECRET, WEBHOOK_SECRETS_KEY: 'k'.repeat(32) }).env).toBe(env);
  });

  it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])('accepts LOG_LEVEL=%s', (level) => {
    expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
  });

  it.each([
    ['1', true],
    ['true', true],
    ['yes', true],
    ['0', false],
    ['false', false],
    ['no', false],
  ] as const)('reads DEMO=%s as %s', (value, on) => {
    expect(loadConfig({ DEMO: value }).demo.simulate).toBe(on);
  });

  it('seeds the demo merchant when the simulator runs, and follows DEMO_MERCHANT when it is set', () => {
    const pg = { DATABASE_URL: 'postgresql://u@h/db' };
    expect(loadConfig({ ...pg }).demo.seedMerchant).toBe(false);
    expect(loadConfig({ ...pg, DEMO: '1' }).demo.seedMerchant).toBe(true);
    expect(loadConfig({ ...pg, DEMO_MERCHANT: 'yes' }).demo.seedMerchant).toBe(true);
    expect(loadConfig({ DEMO_MERCHANT: '0' }).demo.seedMerchant).toBe(false);
    expect(loadConfig({ DEMO: '1', DEMO_MERCHANT: 'false' }).demo.seedMerchant).toBe(false);
  });

  it('reads KAFKA_BROKERS with the Kafka defaults: topic payment-events, its .dlq, consumer on', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9093' }).kafka).toEqual({
      brokers: ['kafka-1:9092', 'kafka-2:9093'],
      clientId: 'paypulse',
      groupId: 'paypulse-ingest',
      topic: 'payment-events',
      dlqTopic: 'payment-events.dlq',
      partitions: 6,
      consume: true,
      batchSize: 500,
      retry: { baseMs: 200, maxMs: 30_000, maxAttempts: 10 },
    });
  });

  it('reads RABBITMQ_URL with the RabbitMQ defaults: exchange and queues payment-events, 6 shards, consumer on, mutations publish to it', () => {
    const config = loadConfig({ RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672' });
    expect(config.rabbitmq).toEqual({
      url: 'amqp://guest:guest@127.0.0.1:5672',
      exchange: 'payment-events',
      queue: 'payment-events',
      deadLetterExchange: 'payment-events.dlx',
      deadLetterQueue: 'payment-events.dlq',
      shards: 6,
      prefetch: 1_000,
      batchSize: 500,
      consume: true,
      retry: { baseMs: 200, maxMs: 30_000, maxAttempts: 10 },
      maxDeliveries: 20,
      rebalanceMs: 2_000,
      publishTimeoutMs: 10_000,
    });
    expect(config.ingestBroker).toBe('rabbitmq');
    expect(config.kafka).toBeUndefined();
  });

  it('reads every RABBITMQ_* variable', () => {
    const config = loadConfig({
      RABBITMQ_URL: 'amqps://pp:secret@mq.internal:5671/payments',
      RABBITMQ_EXCHANGE: 'pp.events',
      RABBITMQ_QUEUE: 'pp.ingest',
      RABBITMQ_DLX: 'pp.events.dead',
      RABBITMQ_DLQ: 'pp.ingest.dead',
      RABBITMQ_SHARDS: '16',
      RABBITMQ_PREFETCH: '200',
      RABBITMQ_BATCH_SIZE: '100',
      RABBITMQ_CONSUMER: '0',
      RABBITMQ_RETRY_BASE_MS: '100',
      RABBITMQ_RETRY_MAX_MS: '5000',
      RABBITMQ_MAX_ATTEMPTS: '3',
      RABBITMQ_MAX_DELIVERIES: '5',
      RABBITMQ_REBALANCE_MS: '500',
      RABBITMQ_PUBLISH_TIMEOUT_MS: '2500',
    });
    expect(config.rabbitmq).toEqual({
      url: 'amqps://pp:secret@mq.internal:5671/payments',
      exchange: 'pp.events',
      queue: 'pp.ingest',
      deadLetterExchange: 'pp.events.dead',
      deadLetterQueue: 'pp.ingest.dead',
      shards: 16,
      prefetch: 200,
      batchSize: 100,
      consume: false,
      retry: { baseMs: 100, maxMs: 5000, maxAttempts: 3 },
      maxDeliveries: 5,
      rebalanceMs: 500,
      publishTimeoutMs: 2500,
    });
    // The derived dead-letter names follow custom ones.
    expect(loadConfig({ RABBITMQ_URL: 'amqp://h', RABBITMQ_EXCHANGE: 'x1', RABBITMQ_QUEUE: 'q1' }).rabbitmq).toMatchObject({ deadLetterExchange: 'x1.dlx', deadLetterQueue: 'q1.dlq' });
  });

  it('refuses bad RabbitMQ settings, naming the variable', () => {
    expect(configError({ RABBITMQ_URL: 'http://127.0.0.1:5672' }).message).toContain('RABBITMQ_URL');
    expect(configError({ RABBITMQ_URL: 'amqp://h', RABBITMQ_QUEUE: 'amq.mine' }).message).toContain('RABBITMQ_QUEUE');
    expect(configError({ RABBITMQ_URL: 'amqp://h', RABBITMQ_EXCHANGE: 'with space' }).message).toContain('RABBITMQ_EXCHANGE');
    expect(configError({ RABBITMQ_URL: 'amqp://h', RABBITMQ_SHARDS: '0' }).message).toContain('RABBITMQ_SHARDS');
    expect(configError({ RABBITMQ_URL: 'amqp://h', RABBITMQ_SHARDS: '257' }).message).toContain('RABBITMQ_SHARDS');
    expect(configError({ RABBITMQ_URL: 'amqp://h', RABBITMQ_PREFETCH: '100', RABBITMQ_BATCH_SIZE: '101' }).message).toContain('RABBITMQ_BATCH_SIZE');
    expect(configError({ INGEST_BROKER: 'rabbitmq' }).message).toContain('INGEST_BROKER');
    expect(configError({ INGEST_BROKER: 'kafka' }).message).toContain('INGEST_BROKER');
    expect(configError({ INGEST_BROKER: 'sqs', RABBITMQ_URL: 'amqp://h' }).message).toContain('INGEST_BROKER');
  });

  it('with both brokers set, consumes both and requires INGEST_BROKER to say where the mutations publish', () => {
    const both = { KAFKA_BROKERS: 'k:9092', RABBITMQ_URL: 'amqp://h' };
    expect(configError(both).message).toMatch(/INGEST_BROKER: is required \(kafka or rabbitmq\)/);
    expect(loadConfig({ ...both, INGEST_BROKER: 'rabbitmq' })).toMatchObject({ ingestBroker: 'rabbitmq', kafka: { consume: true }, rabbitmq: { consume: true } });
    expect(loadConfig({ ...both, INGEST_BROKER: 'kafka' }).ingestBroker).toBe('kafka');
    expect(loadConfig({ KAFKA_BROKERS: 'k:9092' }).ingestBroker).toBe('kafka');
  });

  it('reads every KAFKA_* variable', () => {
    const config = loadConfig({
      KAFKA_BROKERS: '127.0.0.1:19092',
      KAFKA_CLIENT_ID: 'pp-eu-1',
      KAFKA_GROUP_ID: 'pp-ingest-eu',
      KAFKA_TOPIC: 'payments.v2',
      KAFKA_DLQ_TOPIC: 'payments.v2.dead',
      KAFKA_TOPIC_PARTITIONS: '12',
      KAFKA_CONSUMER: 'false',
      KAFKA_BATCH_SIZE: '50',
      KAFKA_RETRY_BASE_MS: '100',
      KAFKA_RETRY_MAX_MS: '5000',
      KAFKA_MAX_ATTEMPTS: '3',
    });
    expect(config.kafka).toEqual({
      brokers: ['127.0.0.1:19092'],
      clientId: 'pp-eu-1',
      groupId: 'pp-ingest-eu',
      topic: 'payments.v2',
      dlqTopic: 'payments.v2.dead',
      partitions: 12,
      consume: false,
      batchSize: 50,
      retry: { baseMs: 100, maxMs: 5000, maxAttempts: 3 },
    });
    // The derived DLQ name follows a custom topic.
    expect(loadConfig({ KAFKA_BROKERS: 'k:9092', KAFKA_TOPIC: 'payments.v2' }).kafka?.dlqTopic).toBe('payments.v2.dlq');
  });

  it('accepts the edges of the port range (0 asks for a random port)', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });
});

describe('loadConfig refuses bad values, naming the variable', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PORT', '4000abc'],
    ['DATABASE_URL', 'not-a-url'],
    ['DATABASE_URL', 'mysql://u@h/db'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', '500'],
    ['DATABASE_POOL_SIZE', 'many'],
    ['REDIS_URL', 'not-a-url'],
    ['REDIS_URL', 'http://cache:6379'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['JWT_SECRET', 'too-short'],
    ['JWKS_URL', 'not-a-url'],
    ['JWKS_URL', 'ftp://id.example.com/jwks.json'],
    ['MAX_BODY_BYTES', '-1'],
    ['MAX_BODY_BYTES', '0'],
    ['MAX_BODY_BYTES', '1.5'],
    ['MAX_QUERY_DEPTH', '0'],
    ['MAX_QUERY_TOKENS', '1e4'],
    ['RATE_LIMIT_PER_MINUTE', '-1'],
    ['RATE_LIMIT_BURST', '0'],
    ['WS_KEEPALIVE_MS', 'soon'],
    ['SHUTDOWN_TIMEOUT_MS', '0'],
    ['DEMO', 'maybe'],
    ['DEMO_INTERVAL_MS', '-5'],
    ['DEMO_MERCHANT', '2'],
    ['KAFKA_BROKERS', 'localhost'],
    ['KAFKA_BROKERS', 'k1:9092, k2:9092'],
    ['KAFKA_BROKERS', 'k1:9092,'],
    ['KAFKA_TOPIC', 'bad topic'],
    ['KAFKA_DLQ_TOPIC', 'dead/letters'],
    ['KAFKA_TOPIC_PARTITIONS', '0'],
    ['KAFKA_TOPIC_PARTITIONS', '1001'],
    ['KAFKA_CONSUMER', 'maybe'],
    ['KAFKA_BATCH_SIZE', '0'],
    ['KAFKA_RETRY_BASE_MS', '-1'],
    ['KAFKA_RETRY_MAX_MS', 'later'],
    ['KAFKA_MAX_ATTEMPTS', 'abc'],
  ])('%s=%j', (variable, value) => {
    // A JWKS URL comes with its issuer and audience, so only the URL itself is wrong here.
    const companions: Record<string, string> = variable === 'JWKS_URL' ? { JWT_ISSUER: 'https://id.example.com/', JWT_AUDIENCE: 'paypulse' } : {};
    const error = configError({ ...companions, [variable]: value });
    expect(error.message).toContain(variable);
    // Only the bad variable is blamed.
    const named = [...error.message.matchAll(/^\s+([A-Z_]+):/gm)].map((m) => m[1]);
    expect([...new Set(named)]).toEqual([variable]);
  });

  it('refuses a PORT of only spaces instead of reading it as 0 (a random port)', () => {
    expect(configError({ PORT: ' ' }).message).toContain('PORT');
  });

  it('turns APQ off in trusted documents mode, and refuses a heartbeat of 0 ms', () => {
    expect(loadConfig({ TRUSTED_DOCUMENTS: '/etc/paypulse/persisted-documents.json' }).apq).toBeUndefined();
    expect(configError({ MULTIPART_HEARTBEAT_MS: '0' }).message).toContain('MULTIPART_HEARTBEAT_MS');
    expect(configError({ APQ_TTL_SECONDS: '-1' }).message).toContain('APQ_TTL_SECONDS');
  });

  it('refuses a KAFKA_BROKERS port outside 1-65535', () => {
    expect(configError({ KAFKA_BROKERS: 'kafka:99999' }).message).toContain('KAFKA_BROKERS');
  });

  it('requires JWT_SECRET or JWKS_URL in production, naming them', () => {
    const message = configError({ NODE_ENV: 'production' }).message;
    expect(message).toContain('JWT_SECRET');
    expect(message).toContain('JWKS_URL');
    // Nor the public development key for webhook secrets.
    expect(message).toContain('WEBHOOK_SECRETS_KEY: is required when NODE_ENV=production');
    // The development secret is never used in production.
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, WEBHOOK_SECRETS_KEY: 'k'.repeat(32) }).auth.usingDevSecret).toBe(false);
  });

  it('refuses JWT_SECRET and JWKS_URL together', () => {
    expect(configError({ JWT_SECRET: SECRET, JWKS_URL: 'https://id.example.com/jwks.json' }).message).toContain('JWKS_URL');
  });

  it('requires JWT_ISSUER and JWT_AUDIENCE with a JWKS_URL (the dev defaults can never match an external identity provider)', () => {
    const jwks = { JWKS_URL: 'https://id.example.com/.well-known/jwks.json' };
    expect(configError({ ...jwks, JWT_AUDIENCE: 'paypulse-api' }).message).toContain('JWT_ISSUER');
    expect(configError({ ...jwks, JWT_ISSUER: 'https://id.example.com/' }).message).toContain('JWT_AUDIENCE');
  });

  it('names every bad variable at once', () => {
    const message = configError({ PORT: 'abc', LOG_LEVEL: 'loud', MAX_BODY_BYTES: '-1' }).message;
    for (const v of ['PORT', 'LOG_LEVEL', 'MAX_BODY_BYTES']) expect(message).toContain(v);
  });
});

/** Runs `node --import ./scripts/ts-loader.mjs src/main.ts` (what `npm start` runs) with exactly `env` (plus PATH/HOME) and collects its output. */
function runMain(env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', './scripts/ts-loader.mjs', 'src/main.ts'], {
      cwd: ROOT,
      // Nothing from the developer's shell (DATABASE_URL, REDIS_URL, …) leaks in.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      // Still running: it started instead of refusing. Stop the whole process group we created.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

describe('loadConfig reads the notification providers', () => {
  const SID = `AC${'0123456789abcdef'.repeat(2)}`;
  const account = JSON.stringify({ project_id: 'p1', client_email: 'fcm@p1.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n' });

  it('reads every provider and worker variable', () => {
    const config = loadConfig({
      FCM_SERVICE_ACCOUNT: account,
      FCM_API_URL: 'http://127.0.0.1:9099',
      SENDGRID_API_KEY: 'SG.key',
      SENDGRID_FROM: 'alerts@example.com',
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: 'tok',
      TWILIO_FROM: '+254700000000',
      NOTIFICATIONS_WORKER: '0',
      NOTIFY_POLL_MS: '250',
      NOTIFY_BATCH_SIZE: '10',
      NOTIFY_LEASE_MS: '30000',
      NOTIFY_SEND_TIMEOUT_MS: '5000',
      NOTIFY_MAX_ATTEMPTS: '3',
      NOTIFY_RETRY_BASE_MS: '100',
      NOTIFY_RETRY_MAX_MS: '1000',
    });
    expect(config.notifications).toEqual({
      worker: false,
      pollMs: 250,
      batchSize: 10,
      leaseMs: 30_000,
      sendTimeoutMs: 5000,
      maxAttempts: 3,
      backoff: { baseMs: 100, maxMs: 1000 },
      push: 'fcm',
      fcm: { serviceAccount: { projectId: 'p1', clientEmail: 'fcm@p1.iam.gserviceaccount.com', privateKey: expect.stringContaining('PRIVATE KEY') }, apiUrl: 'http://127.0.0.1:9099' },
      onesignal: undefined,
      sendgrid: { apiKey: 'SG.key', from: 'alerts@example.com', apiUrl: undefined, timeoutMs: 5000 },
      sms: { fallback: 'twilio', routes: [] },
      twilio: { accountSid: SID, authToken: 'tok', from: '+254700000000', apiUrl: undefined, timeoutMs: 5000 },
      africastalking: undefined,
    });
  });

  const ONESIGNAL = { ONESIGNAL_APP_ID: '8a6f5a1c-4e2b-4d7a-9c1e-3f5b7d9e1a2c', ONESIGNAL_REST_API_KEY: 'os_v2_app_key' };
  const TWILIO = { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '+15005550006' };
  const AT = { AFRICASTALKING_USERNAME: 'paypulse', AFRICASTALKING_API_KEY: 'atsk_key' };

  it('reads OneSignal and Africa\'s Talking, each the only provider of its channel by default', () => {
    const config = loadConfig({ ...ONESIGNAL, ONESIGNAL_API_URL: 'http://127.0.0.1:9100', ...AT, AFRICASTALKING_FROM: 'PAYPULSE', AFRICASTALKING_API_URL: 'http://127.0.0.1:9101' });
    expect(config.notifications).toMatchObject({
      push: 'onesignal',
      onesignal: { appId: ONESIGNAL.ONESIGNAL_APP_ID, restApiKey: 'os_v2_app_key', apiUrl: 'http://127.0.0.1:9100', timeoutMs: 10_000 },
      sms: { fallback: 'africastalking', routes: [] },
      africastalking: { username: 'paypulse', apiKey: 'atsk_key', from: 'PAYPULSE', apiUrl: 'http://127.0.0.1:9101', timeoutMs: 10_000 },
    });
    expect(config.notifications.fcm).toBeUndefined();
    expect(config.notifications.twilio).toBeUndefined();
    expect(loadConfig({ ...AT, AFRICASTALKING_FROM: '20880' }).notifications.africastalking!.from).toBe('20880');
  });

  it('logs push and SMS when no provider of the channel is configured', () => {
    expect(loadConfig({}).notifications).toMatchObject({ push: undefined, sms: undefined });
  });

  it('picks the push provider with PUSH_PROVIDER and requires it when FCM and OneSignal are both configured', () => {
    expect(loadConfig({ FCM_SERVICE_ACCOUNT: account, ...ONESIGNAL, PUSH_PROVIDER: 'onesignal' }).notifications.push).toBe('onesignal');
    expect(loadConfig({ FCM_SERVICE_ACCOUNT: account, ...ONESIGNAL, PUSH_PROVIDER: 'fcm' }).notifications.push).toBe('fcm');
    expect(() => loadConfig({ FCM_SERVICE_ACCOUNT: account, ...ONESIGNAL })).toThrow(/PUSH_PROVIDER: is required when both FCM and OneSignal are configured/);
    expect(() => loadConfig({ PUSH_PROVIDER: 'onesignal' })).toThrow(/PUSH_PROVIDER: is onesignal, which needs ONESIGNAL_APP_ID and ONESIGNAL_REST_API_KEY/);
    expect(() => loadConfig({ PUSH_PROVIDER: 'apns' })).toThrow(/PUSH_PROVIDER/);
  });

  it('reads SMS_ROUTES, longest prefix first, with SMS_PROVIDER as the fallback', () => {
    const config = loadConfig({ ...TWILIO, ...AT, SMS_PROVIDER: 'twilio', SMS_ROUTES: '+1=twilio, +44=twilio,+254=africastalking,+2547=twilio,+256=africastalking' });
    expect(config.notifications.sms).toEqual({
      fallback: 'twilio',
      routes: [
        { prefix: '+2547', provider: 'twilio' },
        { prefix: '+254', provider: 'africastalking' },
        { prefix: '+256', provider: 'africastalking' },
        { prefix: '+44', provider: 'twilio' },
        { prefix: '+1', provider: 'twilio' },
      ],
    });
  });

  it('refuses SMS routing that cannot work, naming the variable', () => {
    expect(() => loadConfig({ ...TWILIO, ...AT })).toThrow(/SMS_PROVIDER: is required when both Twilio and Africa's Talking are configured/);
    expect(() => loadConfig({ ...TWILIO, SMS_PROVIDER: 'africastalking' })).toThrow(/SMS_PROVIDER: is africastalking, which needs AFRICASTALKING_USERNAME and AFRICASTALKING_API_KEY/);
    expect(() => loadConfig({ ...TWILIO, SMS_ROUTES: '+254=africastalking' })).toThrow(/SMS_ROUTES: routes \+254 to africastalking, which needs AFRICASTALKING_USERNAME/);
    expect(() => loadConfig({ ...TWILIO, SMS_ROUTES: '254=twilio' })).toThrow(/SMS_ROUTES: "254=twilio" is not \+<country prefix>=twilio\|africastalking/);
    expect(() => loadConfig({ ...TWILIO, SMS_ROUTES: '+1=vonage' })).toThrow(/SMS_ROUTES: "\+1=vonage" is not/);
    expect(() => loadConfig({ ...TWILIO, SMS_ROUTES: '+1=twilio,+1=twilio' })).toThrow(/SMS_ROUTES: prefix \+1 is routed twice/);
    expect(() => loadConfig({ ...TWILIO, SMS_ROUTES: '+1234567=twilio' })).toThrow(/SMS_ROUTES/);
  });

  it('refuses half-configured and malformed OneSignal and Africa\'s Talking settings', () => {
    expect(() => loadConfig({ ONESIGNAL_APP_ID: ONESIGNAL.ONESIGNAL_APP_ID })).toThrow(/ONESIGNAL_REST_API_KEY: is required with ONESIGNAL_APP_ID \(OneSignal\)/);
    expect(() => loadConfig({ ...ONESIGNAL, ONESIGNAL_APP_ID: 'my-app' })).toThrow(/ONESIGNAL_APP_ID: must be the OneSignal App ID \(a UUID\)/);
    expect(() => loadConfig({ AFRICASTALKING_API_KEY: 'k' })).toThrow(/AFRICASTALKING_USERNAME: is required with AFRICASTALKING_API_KEY \(Africa's Talking\)/);
    expect(() => loadConfig({ ...AT, AFRICASTALKING_FROM: 'PAYPULSE-ALERTS' })).toThrow(/AFRICASTALKING_FROM: must be a short code or an alphanumeric sender id of at most 11 characters/);
    expect(() => loadConfig({ ...AT, AFRICASTALKING_FROM: '12' })).toThrow(/AFRICASTALKING_FROM/);
    expect(() => loadConfig({ ...AT, AFRICASTALKING_API_URL: 'ftp://x' })).toThrow(/AFRICASTALKING_API_URL/);
  });

  it('refuses a half-configured provider, naming what is missing', () => {
    expect(() => loadConfig({ SENDGRID_API_KEY: 'SG.key' })).toThrow(/SENDGRID_FROM: is required with SENDGRID_API_KEY \(SendGrid\)/);
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: SID, TWILIO_FROM: '+254700000000' })).toThrow(/TWILIO_AUTH_TOKEN: is required/);
  });

  it('refuses a service account that is not one, a bad sender and a lease no longer than a send', () => {
    expect(() => loadConfig({ FCM_SERVICE_ACCOUNT: '{"project_id":"p"}' })).toThrow(/FCM_SERVICE_ACCOUNT: must be a service account JSON/);
    expect(() => loadConfig({ FCM_SERVICE_ACCOUNT: 'not json' })).toThrow(/FCM_SERVICE_ACCOUNT/);
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: 'SK123', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '0712' })).toThrow(/TWILIO_ACCOUNT_SID: must be AC[\s\S]*TWILIO_FROM: must be an E.164/);
    expect(() => loadConfig({ NOTIFY_LEASE_MS: '19999' })).toThrow(/NOTIFY_LEASE_MS: must be at least twice NOTIFY_SEND_TIMEOUT_MS/);
    expect(loadConfig({ NOTIFY_LEASE_MS: '20000' }).notifications.leaseMs).toBe(20_000);
  });
});

describe('the server process with a bad configuration', () => {
  it('exits non-zero before starting, with a message naming PORT', async () => {
    const { code, signal, output } = await runMain({ PORT: 'abc', PGLITE_DATA_DIR: 'memory://' });
    expect(signal, output).toBeNull();
    expect(code, output).not.toBe(0);
    expect(code, output).not.toBeNull();
    expect(output).toMatch(/PORT/);
    expect(output).not.toMatch(/paypulse is running/);
  });
});
