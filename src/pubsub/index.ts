import { createMemoryPubSub } from './memory.js';
import { createRedisPubSub } from './redis.js';
import type { PubSub, SubscriptionBuffer } from './types.js';
import type { RedisConfig } from '../lib/redis.js';

export type { PubSub, SubscriptionBuffer, Topic, TopicMap } from './types.js';
export { PubSubUnavailableError } from './types.js';

/** Redis when a URL is configured, in-memory (single instance) otherwise. */
export function createPubSub(redis: RedisConfig | string | undefined, buffer: SubscriptionBuffer = {}): PubSub {
  return redis ? createRedisPubSub(redis, buffer) : createMemoryPubSub(buffer);
}
