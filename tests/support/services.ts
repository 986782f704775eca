/**
 * Real services for integration tests. Outside CI a suite whose service is missing is skipped
 * with a printed reason; in CI (CI=true) it fails instead.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, it } from 'vitest';

export const inCI = process.env.CI === 'true';
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Set by tests/support/kafka-setup.ts (the broker it started) or by the caller. */
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

export const RABBITMQ_URL = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export type Service = 'postgres' | 'redis' | 'kafka' | 'rabbitmq' | 'chromium';

const probes: Record<Service, () => Promise<string | undefined>> = {
  async postgres() {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (error) {
      return `PostgreSQL at ${POSTGRES_URL} is not reachable (${(error as Error).message})`;
    } finally {
      await client.end().catch(() => {});
    }
  },
  async redis() {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {});
    try {
      await redis.connect();
      await redis.ping();
      return undefined;
    } catch (error) {
      return `Redis at ${REDIS_URL} is not reachable (${(error as Error).message})`;
    } finally {
      redis.disconnect();
    }
  },
  kafka: probeKafka,
  async chromium() {
    return chromiumPath() ? undefined : 'chromium is not installed (apt-get install -y chromium; .ci/run installs it)';
  },
  async rabbitmq() {
    try {
      const conn = await amqp.connect(RABBITMQ_URL, { timeout: 2_000 });
      await conn.close();
      return undefined;
    } catch (error) {
      return `RabbitMQ at ${new URL(RABBITMQ_URL).host} is not reachable (${(error as Error).message}; start it with rabbitmq-server -detached)`;
    }
  },
};

async function probeKafka(): Promise<string | undefined> {
  const [host, port] = KAFKA_BROKERS.split(',')[0]!.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host: host!, port: Number(port) });
    socket.setTimeout(2_000);
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.once('connect', () => done(undefined));
    socket.once('timeout', () => done(`Kafka at ${KAFKA_BROKERS} did not answer (start it with scripts/kafka/kafka start)`));
    socket.once('error', (error) => done(`Kafka at ${KAFKA_BROKERS} is not reachable (${error.message}; start it with scripts/kafka/kafka start)`));
  });
}

/** `command -v chromium` (Debian's package), or undefined when it is not installed. */
export function chromiumPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const cache = new Map<Service, Promise<string | undefined>>();
async function missing(needs: readonly Service[]): Promise<string | undefined> {
  for (const s of needs) {
    if (!cache.has(s)) cache.set(s, probes[s]());
    const reason = await cache.get(s);
    if (reason) return reason;
  }
  return undefined;
}

/** `describe` that needs real services: runs, skips with a reason (local) or fails (CI). */
export async function describeWith(needs: readonly Service[], name: string, fn: () => void): Promise<void> {
  const reason = await missing(needs);
  if (!reason) return void describe(name, fn);
  if (inCI) {
    describe(name, () => {
      it(`has ${needs.join(' and ')} available`, () => {
        throw new Error(`${reason} — CI requires it`);
      });
    });
    return;
  }
  console.warn(`[skip] ${name}: ${reason}`);
  describe.skip(name, fn);
}

/** A fresh, empty PostgreSQL database for one test app; `drop()` removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `paypulse_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
