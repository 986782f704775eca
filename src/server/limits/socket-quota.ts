/**
 * MAX_SOCKETS_PER_CREDENTIAL across instances. With Redis each credential has a sorted set of
 * its sockets, each member named `<instance>:<socket>`; a member counts while its instance's
 * liveness key exists. One Lua script drops the members of dead instances, counts, and adds the
 * new socket only when there is room, so two instances admitting at once cannot both take the
 * last place. Each instance renews its one liveness key every ttl/3 — one command for all its
 * sockets, however many — so the places of an instance that dies stop counting after `ttlMs`.
 * Without Redis (embedded mode) the count is kept in memory.
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

// KEYS[1]: the credential's set. ARGV: max, ttl, member, liveness key prefix, instance, set ttl.
const ACQUIRE = `
redis.call('SET', ARGV[4] .. ARGV[5], '1', 'PX', ARGV[2])
local alive = {}
local held = 0
local dead = {}
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local instance = string.match(member, '^([^:]*)')
  if alive[instance] == nil then alive[instance] = redis.call('EXISTS', ARGV[4] .. instance) == 1 end
  if alive[instance] then held = held + 1 else dead[#dead + 1] = member end
end
if #dead > 0 then redis.call('ZREM', KEYS[1], unpack(dead)) end
if held >= tonumber(ARGV[1]) then return 0 end
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
`;

// KEYS[1]: this instance's liveness key, then the credential sets whose expiry is renewed. ARGV: ttl, set ttl.
const HEARTBEAT = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
for i = 2, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return 1
`;

// A credential's set outlives the sockets of a dead instance by this much (then Redis drops it);
// sets of sockets held longer are renewed by the heartbeat every SET_TTL_MS / 4.
const SET_TTL_MS = 24 * 3600 * 1000;

export interface RedisSocketQuotaOptions {
  /** How long a socket counts without a heartbeat (an instance that died frees its places after it). */
  ttlMs: number;
  prefix?: string;
  /** @default ttlMs / 3 */
  heartbeatMs?: number;
}

export function createRedisSocketQuota(redisConfig: RedisConfig | string, options: RedisSocketQuotaOptions): SocketQuota {
  const prefix = options.prefix ?? 'paypulse:sockets:';
  const instance = `q_${randomUUID().slice(0, 8)}`;
  const aliveKey = `${prefix}alive:${instance}`;
  const connection = createRedis(redisConfig, 'socket-quota', { maxRetriesPerRequest: 2, enableAutoPipelining: true });
  const redis = connection.client;
  redis.defineCommand('paypulseSocketAcquire', { numberOfKeys: 1, lua: ACQUIRE });
  redis.defineCommand('paypulseSocketHeartbeat', { lua: HEARTBEAT });
  const commands = redis as unknown as {
    paypulseSocketAcquire(key: string, max: number, ttl: number, member: string, alivePrefix: string, instance: string, setTtl: number): Promise<number>;
    paypulseSocketHeartbeat(numKeys: number, ...args: (string | number)[]): Promise<number>;
  };
  // This instance's sockets (member → credential set), and per set how many and when its expiry was renewed.
  const local = new Map<string, string>();
  const sets = new Map<string, { sockets: number; renewedAt: number }>();
  // Redis unreachable: admit up to `max` on this instance rather than refuse every socket.
  const fallback = createMemorySocketQuota();
  const fallbackKeys = new Set<string>();

  const beat = setInterval(() => {
    if (local.size === 0) return;
    const at = Date.now();
    const renew: string[] = [];
    for (const [set, held] of sets)
      if (at - held.renewedAt >= SET_TTL_MS / 4) {
        held.renewedAt = at;
        renew.push(set);
      }
    void commands.paypulseSocketHeartbeat(1 + renew.length, aliveKey, ...renew, options.ttlMs, SET_TTL_MS).catch(() => {});
  }, options.heartbeatMs ?? Math.max(50, Math.floor(options.ttlMs / 3)));
  beat.unref();

  return {
    async acquire(credential, max) {
      const member = `${instance}:${randomUUID()}`;
      const set = prefix + credential;
      try {
        if ((await commands.paypulseSocketAcquire(set, max, options.ttlMs, member, `${prefix}alive:`, instance, SET_TTL_MS)) !== 1) return undefined;
      } catch {
        const key = await fallback.acquire(credential, max);
        if (key) fallbackKeys.add(key);
        return key;
      }
      local.set(member, set);
      const held = sets.get(set);
      if (held) held.sockets += 1;
      else sets.set(set, { sockets: 1, renewedAt: Date.now() });
      return member;
    },
    async release(credential, key) {
      if (fallbackKeys.delete(key)) return fallback.release(credential, key);
      const set = local.get(key);
      if (set === undefined) return;
      local.delete(key);
      const held = sets.get(set);
      if (held && --held.sockets === 0) sets.delete(set);
      await redis.zrem(set, key).catch(() => {});
    },
    readiness: () => connection.readiness(),
    async stop() {
      clearInterval(beat);
      // Places held by this instance are given back now rather than after the TTL.
      const entries = [...local];
      local.clear();
      sets.clear();
      if (entries.length > 0) await Promise.all([redis.del(aliveKey), ...entries.map(([member, set]) => redis.zrem(set, member))]).catch(() => {});
      await connection.stop();
    },
  };
}
