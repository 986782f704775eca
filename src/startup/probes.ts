/**
 * Start-up probes: is each configured service reachable, answering as expected, within the
 * bounded wait `STARTUP_TIMEOUT_MS`? A refusal that waiting cannot cure (a database that does not
 * exist, a wrong password) fails at once; an unreachable service is retried until the deadline,
 * so a server started together with its services (a compose file, a pod) waits for them. Each
 * failure is a StartupError naming the part, printed by main() on one line.
 */
import amqp from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { createRedis } from '../lib/redis.js';
import pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { printableUrl, reasonOf, StartupError, type StartupPart } from './errors.js';

/** Pause between two attempts at an unreachable service. */
const RETRY_PAUSE_MS = 250;

class Permanent extends Error {}

/**
 * Calls `attempt` until it resolves, it throws Permanent (failed at once), or `timeoutMs` passed
 * (failed with the last reason). Logs one warning when the first attempt fails.
 */
async function untilReachable(part: StartupPart, what: string, timeoutMs: number, logger: Logger, attempt: (remainingMs: number) => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let tries = 1; ; tries++) {
    try {
      // Each attempt gets at least a second, so a zero timeout still means one real attempt.
      return await attempt(Math.max(1_000, deadline - Date.now()));
    } catch (error) {
      if (error instanceof Permanent) throw new StartupError(part, error.message, { cause: error.cause });
      const reason = reasonOf(error);
      if (Date.now() + RETRY_PAUSE_MS >= deadline) {
        throw new StartupError(part, `cannot reach ${what} within ${timeoutMs} ms (${reason})`, { cause: error });
      }
      if (tries === 1) logger.warn({ part, reason, timeoutMs }, `${part}: ${what} not reachable yet; waiting`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
  }
}

/** PostgreSQL SQLSTATEs that waiting cannot cure. */
const PG_PERMANENT: Record<string, (url: URL) => string> = {
  '3D000': (url) => {
    const name = decodeURIComponent(url.pathname.slice(1));
    return `database "${name}" does not exist on ${url.host} (create it: createdb -h ${url.hostname} -p ${url.port || 5432}${url.username ? ` -U ${decodeURIComponent(url.username)}` : ''} ${name})`;
  },
  '28P01': (url) => `password authentication failed for user "${decodeURIComponent(url.username)}" on ${url.host}`,
  '28000': (url) => `user "${decodeURIComponent(url.username)}" may not connect to ${url.host}${url.pathname} (pg_hba.conf)`,
};

/** Connects once and runs `SELECT 1`: the server is up, the database exists, the credentials work. */
export async function probePostgres(databaseUrl: string, timeoutMs: number, logger: Logger): Promise<void> {
  const url = new URL(databaseUrl);
  await untilReachable('database', `PostgreSQL at ${url.host}`, timeoutMs, logger, async (remainingMs) => {
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: Math.min(remainingMs, 5_000) });
    // An 'error' event after a failed connect must not become an uncaught exception.
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
    } catch (error) {
      const code = (error as { code?: string }).code;
      const permanent = code ? PG_PERMANENT[code] : undefined;
      if (permanent) throw Object.assign(new Permanent(permanent(url)), { cause: error });
      throw error;
    } finally {
      await client.end().catch(() => {});
    }
  });
}

/** Connects once and PINGs. A refused password or an unknown command set is not waited for. */
export async function probeRedis(redisUrl: string, timeoutMs: number, logger: Logger): Promise<void> {
  await untilReachable('redis', `Redis at ${printableUrl(redisUrl)}`, timeoutMs, logger, async (remainingMs) => {
    // The probe reports its failure itself (thrown below, logged by untilReachable).
    const { client: redis } = createRedis({ url: redisUrl, logger, errors: 'caller' }, 'startup-probe', {
      lazyConnect: true,
      connectTimeout: Math.min(remainingMs, 5_000),
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    // The socket's own error (ECONNREFUSED…) says more than the "Connection is closed." that follows it.
    let socketError: unknown;
    redis.on('error', (error) => (socketError ??= error));
    try {
      await redis.connect();
      const pong = await redis.ping();
      if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
    } catch (caught) {
      const error = socketError ?? caught;
      const message = (error as Error).message ?? '';
      if (/WRONGPASS|NOAUTH|NOPERM|invalid password/i.test(message)) throw Object.assign(new Permanent(`Redis at ${printableUrl(redisUrl)} refused the credentials (${message.split('\n')[0]})`), { cause: error });
      throw error;
    } finally {
      redis.disconnect();
    }
  });
}

/** Connects an admin client once and reads the cluster's brokers. */
export async function probeKafka(brokers: readonly string[], timeoutMs: number, logger: Logger): Promise<void> {
  await untilReachable('kafka', `Kafka at ${brokers.join(',')}`, timeoutMs, logger, async (remainingMs) => {
    const kafka = new Kafka({
      clientId: 'paypulse-startup-probe',
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: Math.min(remainingMs, 5_000),
      requestTimeout: Math.min(remainingMs, 5_000),
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const { brokers: found } = await admin.describeCluster();
      if (found.length === 0) throw new Error('the cluster reports no brokers');
    } finally {
      await admin.disconnect().catch(() => {});
    }
  });
}

/** RabbitMQ answers the AMQP handshake with these credentials (RABBITMQ_URL). */
export async function probeRabbitmq(url: string, timeoutMs: number, logger: Logger): Promise<void> {
  await untilReachable('rabbitmq', `RabbitMQ at ${printableUrl(url)}`, timeoutMs, logger, async (remainingMs) => {
    const connection = await amqp.connect(url, { timeout: Math.min(remainingMs, 5_000) });
    await connection.close().catch(() => {});
  });
}
