import { createMemoryPubSub } from './memory.js';
import { createRedisPubSub } from './redis.js';
import type { PubSub, SubscriptionBuffer } from './types.js';

export type { PubSub, SubscriptionBuffer, Topic, TopicMap } from './types.js';
export { PubSubUnavailableError } from './types.js';

/** Redis when a URL is configured, in-memory (single instance) otherwise. */
export function createPubSub(redisUrl: string | undefined, buffer: SubscriptionBuffer = {}): PubSub {
  return redisUrl ? createRedisPubSub(redisUrl, buffer) : createMemoryPubSub(buffer);
}
