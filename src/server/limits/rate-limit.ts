/**
 * Token buckets per caller (user, API key, or client address when anonymous). With Redis the
 * bucket lives there and is updated by one Lua script with Redis's clock, so the limit holds
 * across instances; without Redis (embedded mode) it is kept in memory.
 */
import { createRedis, type RedisConfig } from '../../lib/redis.js';

export interface RateBudget {
  /** Sustained rate. */
  perMinute: number;
  /** Bucket size: how many operations may arrive at once after a quiet period. */
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until one operation would be allowed. */
  retryAfterMs: number;
}

export interface RateLimiter {
  take(key: string, budget: RateBudget): Promise<RateDecision>;
  /** False while the backing store (Redis) is unreachable; callers then let requests through. */
  readiness(): Promise<boolean>;
  stop(): Promise<void>;
}

// Tokens are kept in thousandths so every value Redis stores is an integer.
const SCALE = 1000;

const TAKE_SCRIPT = `
local per_ms = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(data[1]) or burst
local ts = tonumber(data[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * per_ms)
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((cost - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', math.floor(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / per_ms) + 1000)
return {allowed, retry}
`;

const perMs = (budget: RateBudget) => (budget.perMinute * SCALE) / 60_000;

/**
 * `options.now` replaces Redis's clock (tests freeze it; every instance must share one clock, so
 * production leaves it to Redis).
 */
export function createRedisRateLimiter(redisConfig: RedisConfig | string, prefix = 'paypulse:rate:', options: { now?: () => number } = {}): RateLimiter {
  const connection = createRedis(redisConfig, 'rate', { maxRetriesPerRequest: 2, lazyConnect: true, enableAutoPipelining: true });
  const redis = connection.client;
  redis.defineCommand('paypulseTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  const take = (redis as unknown as { paypulseTake(key: string, ...args: (string | number)[]): Promise<[number, number]> }).paypulseTake.bind(redis);
  return {
    async take(key, budget) {
      const [allowed, retry] = await take(prefix + key, perMs(budget), budget.burst * SCALE, SCALE, ...(options.now ? [Math.floor(options.now())] : []));
      return { allowed: allowed === 1, retryAfterMs: Number(retry) };
    },
    readiness: () => connection.readiness(),
    stop: () => connection.stop(),
  };
}

export function createMemoryRateLimiter(now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; ts: number }>();
  let sweeps = 0;
  return {
    async take(key, budget) {
      const rate = perMs(budget);
      const burst = budget.burst * SCALE;
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: burst, ts: t };
      bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, t - bucket.ts) * rate);
      bucket.ts = t;
      buckets.set(key, bucket);
      // Full buckets carry no information: drop them now and then so the map stays small.
      if (++sweeps % 1000 === 0) for (const [k, b] of buckets) if (k !== key && b.tokens + (t - b.ts) * rate >= burst) buckets.delete(k);
      if (bucket.tokens >= SCALE) {
        bucket.tokens -= SCALE;
        return { allowed: true, retryAfterMs: 0 };
      }
      return { allowed: false, retryAfterMs: Math.ceil((SCALE - bucket.tokens) / rate) };
    },
    readiness: async () => true,
    async stop() {
      buckets.clear();
    },
  };
}
