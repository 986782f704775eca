/**
 * Where presence lives: which sockets each user holds (on which instance), their last activity
 * and merchant, and each instance's connection counts. Redis when there is one, so presence is
 * the same on every instance and the sockets of an instance that dies stop counting once its
 * heartbeat runs out; memory otherwise (one instance).
 *
 * A socket counts while its instance is alive: each instance keeps one liveness key of its own
 * (PRESENCE_TTL_MS), renewed by its heartbeat. So the heartbeat is one round trip per instance
 * whatever the number of users and sockets it holds, instead of one write per user: idle sockets
 * cost Redis nothing between their connect and their close.
 */
import { createRedis, type RedisConfig } from '../lib/redis.js';

export interface UserPresenceRecord {
  /** Sockets still alive (their instance's heartbeat not expired), on any instance. */
  sockets: number;
  /** Last operation or connection on any of the user's sockets (epoch ms); undefined when never seen. */
  lastActivity: number | undefined;
  /** The merchant the user's token named at connect time (null: none). Undefined when never seen. */
  merchantId: string | null | undefined;
}

export interface InstanceStats {
  instance: string;
  sockets: number;
  users: number;
  subscriptions: number;
  at: number;
}

/** One socket of one instance. `key` must start with `<instance>:`. */
export interface PresenceSocket {
  instance: string;
  userId: string;
  merchantId: string | null;
  key: string;
}

export interface PresenceStore {
  /**
   * Registers sockets of one instance, records their users' merchant and activity (`at`; 0 leaves
   * activity as it is), and keeps the instance alive for `ttlMs` (an instance that dies before
   * its first heartbeat still expires). One round trip however many sockets.
   */
  add(sockets: readonly PresenceSocket[], at: number, ttlMs: number): Promise<void>;
  remove(userId: string, socketKey: string): Promise<void>;
  touch(userId: string, at: number): Promise<void>;
  /**
   * The heartbeat of one instance, one round trip: every socket of `stats.instance` counts for
   * `ttlMs` more, its stats are published, and the users in `remember` have their merchant and
   * last activity remembered for another MEMORY_MS (sent rarely, see the service). Resolves
   * true when the instance's liveness had lapsed (Redis was unreachable for longer than ttlMs):
   * readers may have dropped its sockets, and the caller registers them again.
   */
  heartbeat(stats: InstanceStats, ttlMs: number, remember: readonly string[]): Promise<boolean>;
  read(userIds: readonly string[], now: number): Promise<Map<string, UserPresenceRecord>>;
  allStats(now: number): Promise<InstanceStats[]>;
  /** False while the backing store (Redis) is unreachable. */
  readiness(): Promise<boolean>;
  stop(): Promise<void>;
}

/** How long a user's merchant, last activity and socket list are remembered after their last write. */
export const MEMORY_MS = 7 * 24 * 3600 * 1000;

const instanceOf = (socketKey: string) => socketKey.slice(0, socketKey.indexOf(':'));

export function createMemoryPresenceStore(): PresenceStore {
  // user → socket key → instance
  const sockets = new Map<string, Set<string>>();
  const users = new Map<string, { merchantId: string | null; lastActivity: number }>();
  const alive = new Map<string, number>();
  const stats = new Map<string, { stats: InstanceStats; until: number }>();
  return {
    async add(added, at, ttlMs) {
      for (const socket of added) {
        const mine = sockets.get(socket.userId) ?? new Set<string>();
        mine.add(socket.key);
        sockets.set(socket.userId, mine);
        const user = users.get(socket.userId);
        users.set(socket.userId, { merchantId: socket.merchantId, lastActivity: Math.max(user?.lastActivity ?? 0, at) });
        alive.set(socket.instance, Math.max(alive.get(socket.instance) ?? 0, Date.now() + ttlMs));
      }
    },
    async remove(userId, key) {
      sockets.get(userId)?.delete(key);
    },
    async touch(userId, at) {
      const user = users.get(userId);
      if (user) user.lastActivity = Math.max(user.lastActivity, at);
    },
    async heartbeat(s, ttlMs) {
      const lapsed = (alive.get(s.instance) ?? 0) <= s.at;
      alive.set(s.instance, s.at + ttlMs);
      stats.set(s.instance, { stats: s, until: s.at + ttlMs });
      return lapsed;
    },
    async read(userIds, now) {
      const out = new Map<string, UserPresenceRecord>();
      for (const id of userIds) {
        const live = [...(sockets.get(id) ?? [])].filter((key) => (alive.get(instanceOf(key)) ?? 0) > now).length;
        const user = users.get(id);
        out.set(id, { sockets: live, lastActivity: user?.lastActivity, merchantId: user?.merchantId });
      }
      return out;
    },
    async allStats(now) {
      return [...stats.values()].filter((s) => s.until > now).map((s) => s.stats);
    },
    readiness: async () => true,
    async stop() {
      sockets.clear();
    },
  };
}

// KEYS: instance liveness, then a sockets set and a user hash per socket. ARGV: ttl, memory, at,
// then a socket key and a merchant ('' = none) per socket.
const ADD = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
local at = tonumber(ARGV[3])
for i = 2, #KEYS, 2 do
  local n = i + 2
  redis.call('ZADD', KEYS[i], ARGV[3], ARGV[n])
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
  redis.call('HSET', KEYS[i + 1], 'merchantId', ARGV[n + 1])
  local v = tonumber(redis.call('HGET', KEYS[i + 1], 'lastActivity') or '0')
  if at > v then redis.call('HSET', KEYS[i + 1], 'lastActivity', ARGV[3]) end
  redis.call('PEXPIRE', KEYS[i + 1], ARGV[2])
end
return 1
`;

// KEYS: instance liveness, stats hash, then a sockets set and a user hash per remembered user.
// ARGV: ttl, instance, stats JSON, memory. Returns 1 when the liveness key had lapsed.
const HEARTBEAT = `
local existed = redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'GET')
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
for i = 3, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
if existed then return 0 end
return 1
`;

// KEYS: a sockets set and a user hash per user. ARGV[1]: the liveness key prefix. Sockets of
// instances found dead are dropped from the sets (each instance is looked up once per read).
const READ = `
local alive = {}
local out = {}
for i = 1, #KEYS, 2 do
  local count = 0
  local dead = {}
  for _, member in ipairs(redis.call('ZRANGE', KEYS[i], 0, -1)) do
    local instance = string.match(member, '^([^:]*)')
    if alive[instance] == nil then alive[instance] = redis.call('EXISTS', ARGV[1] .. instance) == 1 end
    if alive[instance] then count = count + 1 else dead[#dead + 1] = member end
  end
  if #dead > 0 then redis.call('ZREM', KEYS[i], unpack(dead)) end
  local h = redis.call('HMGET', KEYS[i + 1], 'lastActivity', 'merchantId')
  out[#out + 1] = count
  out[#out + 1] = h[1] or false
  out[#out + 1] = h[2] or false
end
return out
`;

export function createRedisPresenceStore(redisConfig: RedisConfig | string, prefix = 'paypulse:presence:'): PresenceStore {
  const connection = createRedis(redisConfig, 'presence', { maxRetriesPerRequest: 2, enableAutoPipelining: true });
  const redis = connection.client;
  const socketsKey = (userId: string) => `${prefix}sockets:${userId}`;
  const userKey = (userId: string) => `${prefix}user:${userId}`;
  const aliveKey = (instance: string) => `${prefix}alive:${instance}`;
  const statsKey = `${prefix}instances`;
  redis.defineCommand('paypulsePresenceAdd', { lua: ADD });
  redis.defineCommand('paypulsePresenceHeartbeat', { lua: HEARTBEAT });
  redis.defineCommand('paypulsePresenceRead', { lua: READ });
  const commands = redis as unknown as {
    paypulsePresenceAdd(numKeys: number, ...args: (string | number)[]): Promise<number>;
    paypulsePresenceHeartbeat(numKeys: number, ...args: (string | number)[]): Promise<number>;
    paypulsePresenceRead(numKeys: number, ...args: string[]): Promise<(number | string | null)[]>;
  };
  return {
    async add(sockets, at, ttlMs) {
      if (sockets.length === 0) return;
      const keys = [aliveKey(sockets[0]!.instance), ...sockets.flatMap((s) => [socketsKey(s.userId), userKey(s.userId)])];
      await commands.paypulsePresenceAdd(keys.length, ...keys, ttlMs, MEMORY_MS, at, ...sockets.flatMap((s) => [s.key, s.merchantId ?? '']));
    },
    async remove(userId, key) {
      await redis.zrem(socketsKey(userId), key);
    },
    async touch(userId, at) {
      // Keeps the latest activity whatever order instances write in.
      await redis.eval(
        "local v = tonumber(redis.call('HGET', KEYS[1], 'lastActivity') or '0') if tonumber(ARGV[1]) > v then redis.call('HSET', KEYS[1], 'lastActivity', ARGV[1]) end return 1",
        1,
        userKey(userId),
        at,
      );
    },
    async heartbeat(s, ttlMs, remember) {
      const keys = [aliveKey(s.instance), statsKey, ...remember.flatMap((u) => [socketsKey(u), userKey(u)])];
      return (await commands.paypulsePresenceHeartbeat(keys.length, ...keys, ttlMs, s.instance, JSON.stringify({ ...s, until: s.at + ttlMs }), MEMORY_MS)) === 1;
    },
    async read(userIds, _now) {
      const out = new Map<string, UserPresenceRecord>();
      if (userIds.length === 0) return out;
      const keys = userIds.flatMap((u) => [socketsKey(u), userKey(u)]);
      const replies = await commands.paypulsePresenceRead(keys.length, ...keys, `${prefix}alive:`);
      userIds.forEach((id, i) => {
        const activity = replies[3 * i + 1];
        const merchant = replies[3 * i + 2];
        out.set(id, {
          sockets: Number(replies[3 * i] ?? 0),
          lastActivity: activity ? Number(activity) : undefined,
          merchantId: merchant === null || merchant === undefined ? undefined : merchant === '' ? null : String(merchant),
        });
      });
      return out;
    },
    async allStats(now) {
      const all = await redis.hgetall(statsKey);
      const live: InstanceStats[] = [];
      const stale: string[] = [];
      for (const [instance, raw] of Object.entries(all)) {
        const s = JSON.parse(raw) as InstanceStats & { until: number };
        if (s.until > now) live.push({ instance: s.instance, sockets: s.sockets, users: s.users, subscriptions: s.subscriptions, at: s.at });
        else stale.push(instance);
      }
      if (stale.length > 0) await redis.hdel(statsKey, ...stale);
      return live;
    },
    readiness: () => connection.readiness(),
    stop: () => connection.stop(),
  };
}
