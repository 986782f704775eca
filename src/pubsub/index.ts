import { createMemoryPubSub } from './memory.js';
import { createRedisPubSub } from './redis.js';
import type { PubSub } from './types.js';

export type { PubSub, Topic, TopicMap } from './types.js';

/** Redis when a URL is configured, in-memory (single instance) otherwise. */
export function createPubSub(redisUrl: string | undefined): PubSub {
  return redisUrl ? createRedisPubSub(redisUrl) : createMemoryPubSub();
}
