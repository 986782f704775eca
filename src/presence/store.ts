/**
 * Where presence lives: which sockets each user holds (on which instance, until when), their
 * last activity and merchant, and each instance's connection counts. Redis when there is one,
 * so presence is the same on every instance and the sockets of an instance that dies expire
 * with their TTL; memory otherwise (one instance).
 */
import { createRedis, type RedisConfig } from '../lib/redis.js';

export interface UserPresenceRecord {
  /** Sockets still alive (heartbeat not expired), on any instance. */
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

export interface PresenceStore {
  /** Registers sockets (or keeps them alive) until `expiresAt`. */
  refresh(userId: string, merchantId: string | null, socketKeys: readonly string[], expiresAt: number): Promise<void>;
  remove(userId: string, socketKey: string): Promise<void>;
  touch(userId: string, at: number): Promise<void>;
  read(userIds: readonly string[], now: number): Promise<Map<string, UserPresenceRecord>>;
  putStats(stats: InstanceStats, ttlMs: number): Promise<void>;
  allStats(now: number): Promise<InstanceStats[]>;
  /** False while the backing store (Redis) is unreachable. */
  readiness(): Promise<boolean>;
  stop(): Promise<void>;
}

// How long a user's merchant and last activity are remembered after their last socket.
const MEMORY_MS = 7 * 24 * 3600 * 1000;

export function createMemoryPresenceStore(): PresenceStore {
  const sockets = new Map<string, Map<string, number>>();
  const users = new Map<string, { merchantId: string | null; lastActivity: number }>();
  const stats = new Map<string, { stats: InstanceStats; until: number }>();
  return {
    async refresh(userId, merchantId, keys, expiresAt) {
      const mine = sockets.get(userId) ?? new Map<string, number>();
      for (const key of keys) mine.set(key, expiresAt);
      sockets.set(userId, mine);
      const user = users.get(userId);
      users.set(userId, { merchantId, lastActivity: user?.lastActivity ?? Date.now() });
    },
    async remove(userId, key) {
      sockets.get(userId)?.delete(key);
    },
    async touch(userId, at) {
      const user = users.get(userId);
      if (user) user.lastActivity = Math.max(user.lastActivity, at);
    },
    async read(userIds, now) {
      const out = new Map<string, UserPresenceRecord>();
      for (const id of userIds) {
        const alive = [...(sockets.get(id)?.values() ?? [])].filter((until) => until > now).length;
        const user = users.get(id);
        out.set(id, { sockets: alive, lastActivity: user?.lastActivity, merchantId: user?.merchantId });
      }
      return out;
    },
    async putStats(s, ttlMs) {
      stats.set(s.instance, { stats: s, until: s.at + ttlMs });
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

export function createRedisPresenceStore(redisConfig: RedisConfig | string, prefix = 'paypulse:presence:'): PresenceStore {
  const connection = createRedis(redisConfig, 'presence', { maxRetriesPerRequest: 2 });
  const redis = connection.client;
  const socketsKey = (userId: string) => `${prefix}sockets:${userId}`;
  const userKey = (userId: string) => `${prefix}user:${userId}`;
  const statsKey = `${prefix}instances`;
  return {
    async refresh(userId, merchantId, keys, expiresAt) {
      if (keys.length === 0) return;
      const multi = redis.multi();
      // Score = when the socket's heartbeat expires; a dead instance's sockets simply run out.
      multi.zadd(socketsKey(userId), ...keys.flatMap((k) => [expiresAt, k]));
      multi.pexpireat(socketsKey(userId), expiresAt);
      multi.hset(userKey(userId), 'merchantId', merchantId ?? '');
      multi.hsetnx(userKey(userId), 'lastActivity', Date.now());
      multi.pexpire(userKey(userId), MEMORY_MS);
      await multi.exec();
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
    async read(userIds, now) {
      const multi = redis.multi();
      for (const id of userIds) {
        multi.zcount(socketsKey(id), `(${now}`, '+inf');
        multi.hmget(userKey(id), 'lastActivity', 'merchantId');
      }
      const replies = (await multi.exec()) ?? [];
      const out = new Map<string, UserPresenceRecord>();
      userIds.forEach((id, i) => {
        const count = Number(replies[2 * i]?.[1] ?? 0);
        const [activity, merchant] = (replies[2 * i + 1]?.[1] as (string | null)[] | undefined) ?? [null, null];
        out.set(id, {
          sockets: count,
          lastActivity: activity ? Number(activity) : undefined,
          merchantId: merchant === null || merchant === undefined ? undefined : merchant === '' ? null : merchant,
        });
      });
      return out;
    },
    async putStats(s, ttlMs) {
      await redis.hset(statsKey, s.instance, JSON.stringify({ ...s, until: s.at + ttlMs }));
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
