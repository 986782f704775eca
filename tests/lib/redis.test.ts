/**
 * lib/redis.ts: the one factory of ioredis clients. A client names itself, logs its connection
 * errors with that name (once per outage, not per reconnect attempt) and answers readiness().
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { createRedis } from '../../src/lib/redis.js';
import { describeWith, REDIS_URL } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('createRedis', () => {
  it('logs an unreachable Redis once with the client name, and is not ready', async () => {
    const { lines, logger } = capture();
    const redis = createRedis({ url: `redis://127.0.0.1:${await closedPort()}`, logger }, 'probe-test', { retryStrategy: () => 20, maxRetriesPerRequest: 0 });
    try {
      await waitUntil(() => lines.length > 0, 10_000, () => 'the connection error logged');
      // Several reconnect attempts fail with the same error: still one line.
      let attempts = 0;
      redis.client.on('reconnecting', () => attempts++);
      await waitUntil(() => attempts >= 3, 10_000, () => 'three reconnect attempts');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'error', redis: 'probe-test' });
      expect(String(lines[0]!.msg)).toContain('probe-test');
      expect(await redis.readiness()).toBe(false);
    } finally {
      await redis.stop();
    }
  });

  it('stays quiet when the caller reports errors itself', async () => {
    const { lines, logger } = capture();
    const redis = createRedis({ url: `redis://127.0.0.1:${await closedPort()}`, logger, errors: 'caller' }, 'quiet', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.client.on('error', () => {});
    await expect(redis.client.connect()).rejects.toThrow();
    await redis.stop();
    expect(lines).toEqual([]);
  });
});

await describeWith(['redis'], 'createRedis against Redis', () => {
  it('names the connection paypulse-<name> and is ready once connected', async () => {
    const redis = createRedis({ url: REDIS_URL, logger: createLogger({ level: 'silent' }) }, 'named-test');
    try {
      await waitUntil(() => redis.readiness(), 10_000, () => 'connected');
      expect(await redis.client.client('GETNAME')).toBe('paypulse-named-test');
    } finally {
      await redis.stop();
    }
    expect(await redis.readiness()).toBe(false);
  });

  it('connects a lazy client when asked for its readiness', async () => {
    const redis = createRedis({ url: REDIS_URL, logger: createLogger({ level: 'silent' }) }, 'lazy-test', { lazyConnect: true });
    try {
      expect(redis.client.status).toBe('wait');
      expect(await redis.readiness()).toBe(true);
    } finally {
      await redis.stop();
    }
  });
});

describe('Redis client construction', () => {
  it('happens only in src/lib/redis.ts', () => {
    const root = join(import.meta.dirname, '..', '..', 'src');
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? (name === 'generated' ? [] : files(join(dir, name))) : name.endsWith('.ts') ? [join(dir, name)] : []));
    const builders = files(root).filter((file) => /new (IO)?Redis\(|import \{[^}]*\bRedis\b[^}]*\} from 'ioredis'/.test(readFileSync(file, 'utf8')));
    expect(builders.map((f) => f.slice(root.length + 1))).toEqual(['lib/redis.ts']);
  });
});
