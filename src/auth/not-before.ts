/**
 * Per-user not-before: after `revokeSessions(userId)` every token of that user issued before the
 * revocation is refused everywhere (HTTP requests, every subscription transport) until it
 * expires, while tokens issued later work. Shared by every instance through Redis in services
 * mode (one key per user); kept in memory in embedded mode (one process).
 *
 * JWT `iat` has second precision, so a token issued in the same second as the revocation is
 * refused too: a client re-authenticating gets a working token from the next second on.
 */
import { createRedis, type RedisConfig } from '../lib/redis.js';
import type { Principal } from './principal.js';

export interface NotBeforeStore {
  /** Refuses this user's tokens issued at or before `at` (epoch ms). Never moves the mark back. */
  set(userId: string, at: number): Promise<void>;
  /** The mark of this user (epoch ms), or undefined. */
  get(userId: string): Promise<number | undefined>;
  readiness(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * True when the principal's token was issued before its user's not-before mark. API keys have
 * their own revocation; a token without `iat` cannot prove it is newer, so it is refused once a
 * mark exists.
 */
export async function issuedBeforeRevocation(store: NotBeforeStore, principal: Principal): Promise<boolean> {
  if (principal.kind !== 'user') return false;
  const mark = await store.get(principal.subject);
  if (mark === undefined) return false;
  return principal.issuedAt == null || principal.issuedAt <= mark;
}

export function createMemoryNotBeforeStore(): NotBeforeStore {
  const marks = new Map<string, number>();
  return {
    async set(userId, at) {
      marks.set(userId, Math.max(at, marks.get(userId) ?? 0));
    },
    async get(userId) {
      return marks.get(userId);
    },
    readiness: async () => true,
    async stop() {
      marks.clear();
    },
  };
}

// Keeps the larger mark: two admins revoking at once, on two instances, cannot move it back.
const SET_MAX = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`;

export interface RedisNotBeforeOptions {
  /** @default 'paypulse:not-before:' */
  prefix?: string;
}

export function createRedisNotBeforeStore(redisConfig: RedisConfig | string, options: RedisNotBeforeOptions = {}): NotBeforeStore {
  const prefix = options.prefix ?? 'paypulse:not-before:';
  const connection = createRedis(redisConfig, 'not-before', { maxRetriesPerRequest: 2, enableAutoPipelining: true });
  const redis = connection.client;
  redis.defineCommand('paypulseNotBeforeSet', { numberOfKeys: 1, lua: SET_MAX });
  const commands = redis as unknown as { paypulseNotBeforeSet(key: string, at: number): Promise<number> };
  return {
    async set(userId, at) {
      // A revocation that cannot be recorded must fail loudly: the admin retries it.
      await commands.paypulseNotBeforeSet(prefix + userId, at);
    },
    async get(userId) {
      // Refusing every request while Redis is away would take the API down with it; the mark is
      // read again on the next request (and streams are ended by the revocation message anyway).
      const value = await redis.get(prefix + userId).catch(() => null);
      return value === null ? undefined : Number(value);
    },
    readiness: () => connection.readiness(),
    stop: () => connection.stop(),
  };
}
