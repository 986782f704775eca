/**
 * MAX_SOCKETS_PER_CREDENTIAL across instances. With Redis each credential has a sorted set of
 * its live sockets scored by heartbeat expiry (Redis's clock); one Lua script drops expired
 * members, counts, and adds the new socket only when there is room, so two instances admitting
 * at once cannot both take the last place. Each instance refreshes its own sockets every ttl/3;
 * the sockets of an instance that dies stop counting after `ttlMs`. Without Redis (embedded mode)
 * the count is kept in memory.
 *
 * Not the presence store (src/presence/store.ts), although the shape is the same: presence
 * tracks users only and writes in the background, while admission must be checked and claimed in
 * one atomic step for users and API keys alike.
 */
import { randomUUID } from 'node:crypto';
import { createRedis, type RedisConfig } from '../../lib/redis.js';

export interface SocketQuota {
  /** Claims a place for a new socket of `credential`; resolves its release key, or undefined when `max` are held. */
  acquire(credential: string, max: number): Promise<string | undefined>;
  release(credential: string, key: string): Promise<void>;
  /** False while the backing store (Redis) is unreachable; sockets are then counted per instance. */
  readiness(): Promise<boolean>;
  stop(): Promise<void>;
}

export function createMemorySocketQuota(): SocketQuota {
  const held = new Map<string, Set<string>>();
  return {
    async acquire(credential, max) {
      const mine = held.get(credential) ?? new Set<string>();
      if (mine.size >= max) return undefined;
      const key = randomUUID();
      mine.add(key);
      held.set(credential, mine);
      return key;
    },
    async release(credential, key) {
      const mine = held.get(credential);
      mine?.delete(key);
      if (mine?.size === 0) held.delete(credential);
    },
    readiness: async () => true,
    async stop() {
      held.clear();
    },
  };
}

const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

// KEYS: one set per socket (repeated for a credential's sockets); ARGV[1] ttl, ARGV[2..] members.
const REFRESH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + ttl, ARGV[i + 1])
  redis.call('PEXPIRE', key, ttl)
end
return #KEYS
`;

export interface RedisSocketQuotaOptions {
  /** How long a socket counts without a heartbeat (an instance that died frees its places after it). */
  ttlMs: number;
  prefix?: string;
  /** @default ttlMs / 3 */
  heartbeatMs?: number;
}

export function createRedisSocketQuota(redisConfig: RedisConfig | string, options: RedisSocketQuotaOptions): SocketQuota {
  const prefix = options.prefix ?? 'paypulse:sockets:';
  const connection = createRedis(redisConfig, 'socket-quota', { maxRetriesPerRequest: 2 });
  const redis = connection.client;
  redis.defineCommand('paypulseSocketAcquire', { numberOfKeys: 1, lua: ACQUIRE });
  redis.defineCommand('paypulseSocketRefresh', { lua: REFRESH });
  const commands = redis as unknown as {
    paypulseSocketAcquire(key: string, max: number, ttl: number, member: string): Promise<number>;
    paypulseSocketRefresh(numKeys: number, ...args: (string | number)[]): Promise<number>;
  };
  // This instance's sockets (member → credential set), kept alive by the heartbeat below.
  const local = new Map<string, string>();
  // Redis unreachable: admit up to `max` on this instance rather than refuse every socket.
  const fallback = createMemorySocketQuota();
  const fallbackKeys = new Set<string>();

  const beat = setInterval(() => {
    if (local.size === 0) return;
    const entries = [...local];
    void commands.paypulseSocketRefresh(entries.length, ...entries.map(([, set]) => set), options.ttlMs, ...entries.map(([member]) => member)).catch(() => {});
  }, options.heartbeatMs ?? Math.max(50, Math.floor(options.ttlMs / 3)));
  beat.unref();

  return {
    async acquire(credential, max) {
      const member = randomUUID();
      const set = prefix + credential;
      try {
        if ((await commands.paypulseSocketAcquire(set, max, options.ttlMs, member)) !== 1) return undefined;
      } catch {
        const key = await fallback.acquire(credential, max);
        if (key) fallbackKeys.add(key);
        return key;
      }
      local.set(member, set);
      return member;
    },
    async release(credential, key) {
      if (fallbackKeys.delete(key)) return fallback.release(credential, key);
      local.delete(key);
      await redis.zrem(prefix + credential, key).catch(() => {});
    },
    readiness: () => connection.readiness(),
    async stop() {
      clearInterval(beat);
      // Places held by this instance are given back now rather than after the TTL.
      const entries = [...local];
      local.clear();
      if (entries.length > 0) await Promise.all(entries.map(([member, set]) => redis.zrem(set, member))).catch(() => {});
      await connection.stop();
    },
  };
}
