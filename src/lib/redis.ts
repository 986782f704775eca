/**
 * The one way paypulse builds an ioredis client from REDIS_URL. Every client is named (its
 * CLIENT SETNAME is `paypulse-<name>`), logs its connection errors with that name instead of
 * swallowing them, and answers `readiness()` from its connection state.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { createLogger, type Logger } from './logger.js';

export interface RedisConfig {
  /** redis:// or rediss:// URL (REDIS_URL). */
  url: string;
  /**
   * Where connection errors go, with `redis: <name>`.
   * @default a warn-level logger of its own (tests that build a part alone)
   */
  logger?: Logger;
  /**
   * `caller` when the caller handles every error itself and reports it (the start-up probe throws
   * the first one): nothing is logged then.
   * @default 'log'
   */
  errors?: 'log' | 'caller';
}

export interface NamedRedis {
  readonly name: string;
  readonly client: Redis;
  /** True while the connection is up (status `ready`); a PING is left to callers that need one. */
  readiness(): Promise<boolean>;
  /** Disconnects at once: pending commands fail, nothing reconnects. */
  stop(): Promise<void>;
}

/**
 * An ioredis client for `name`, with the options the caller's part needs (the pubsub subscriber,
 * the rate limiter's lazy connect…). The command clients set `enableAutoPipelining`: the commands
 * issued in one turn of the event loop (a reconnect storm's rate-limit, not-before and quota
 * checks; one commit's publishes) leave in one write, in the order they were issued, instead of
 * one write each; each caller still gets its own reply or error. ioredis emits `error` on every failed reconnect attempt: the
 * first failure after a healthy connection is logged at `error`, repeats of the same message are
 * not (an outage would otherwise log every 200 ms), and recovery is logged at `info`.
 */
export function createRedis(config: RedisConfig | string, name: string, options: RedisOptions = {}): NamedRedis {
  const { url, logger: given, errors = 'log' } = typeof config === 'string' ? ({ url: config } as RedisConfig) : config;
  const logger = (given ?? createLogger({ level: 'warn' })).child({ redis: name });
  const client = new Redis(url, { ...options, connectionName: `paypulse-${name}` });
  let failing: string | undefined;
  client.on('error', (err: Error) => {
    if (errors === 'caller' || failing === err.message) return;
    failing = err.message;
    logger.error({ err }, `Redis client ${name}: ${err.message}`);
  });
  client.on('ready', () => {
    if (failing === undefined) return;
    failing = undefined;
    logger.info(`Redis client ${name} reconnected`);
  });
  let stopped = false;
  return {
    name,
    client,
    async readiness() {
      if (stopped) return false;
      if (client.status === 'ready') return true;
      // A lazy client that has not needed its connection yet: connect now to find out.
      if (client.status !== 'wait') return false;
      return client.ping().then((pong) => pong === 'PONG', () => false);
    },
    async stop() {
      stopped = true;
      client.disconnect();
    },
  };
}
