import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { Redis } from 'ioredis';
import { deepFreeze } from '../lib/deep-freeze.js';
import { createRedis, type RedisConfig } from '../lib/redis.js';
import { createPushQueue } from '../lib/push-queue.js';
import { channelName, PubSubUnavailableError, type PubSub, type SubscriptionBuffer } from './types.js';

/**
 * graphql-redis-subscriptions sends UNSUBSCRIBE / PUNSUBSCRIBE without observing the promise: one
 * that fails (Redis unreachable, or still queued when close() disconnects) would be an unhandled
 * rejection. The failure needs no handling: a channel nobody listens to is dropped by Redis with
 * the connection, and ioredis resubscribes only what is still subscribed.
 */
function observeUnsubscribes(subscriber: Redis): void {
  for (const name of ['unsubscribe', 'punsubscribe'] as const) {
    const send = subscriber[name].bind(subscriber) as (...args: unknown[]) => Promise<unknown>;
    (subscriber as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const sent = send(...args);
      sent.catch(() => {});
      return sent;
    };
  }
}

/** The library's promise for a channel's first SUBSCRIBE still in flight (its internal `subsPendingRefsMap`). */
function pendingOf(redis: RedisPubSub, channel: string): { catch(onRejected: () => void): unknown } | undefined {
  const map = (redis as unknown as { subsPendingRefsMap?: Map<string, { pending?: { catch(onRejected: () => void): unknown } }> }).subsPendingRefsMap;
  return map?.get(channel)?.pending;
}

/**
 * True when the library holds an acknowledged SUBSCRIBE for the channel with no SUBSCRIBE still
 * pending: then `redis.subscribe` adds the new listener to the channel's refs during the call
 * (graphql-redis-subscriptions 2.7 `subscribe`: `refs.size > 0` → `refs.add(id)`), so every
 * message Redis delivers from then on reaches it.
 */
function channelLive(redis: RedisPubSub, channel: string): boolean {
  const internals = redis as unknown as { subsRefsMap?: Map<string, Set<number>>; subsPendingRefsMap?: Map<string, unknown> };
  return (internals.subsRefsMap?.get(channel)?.size ?? 0) > 0 && !internals.subsPendingRefsMap?.has(channel);
}

/**
 * PubSub across instances through Redis, with separate publish and subscribe connections (a
 * subscribed Redis connection can do nothing else). Channels are subscribed on demand.
 */
export function createRedisPubSub(redisConfig: RedisConfig | string, buffer: SubscriptionBuffer = {}): PubSub {
  const options = {
    // Fail a command after a few reconnect attempts instead of queueing it forever: the caller
    // (publish after commit) logs it, and subscribers fill any gap from the database.
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
    lazyConnect: false,
  };
  // Connection errors are logged by createRedis and surface through readiness and failed commands.
  const pub = createRedis(redisConfig, 'pub', { ...options, enableAutoPipelining: true });
  const sub = createRedis(redisConfig, 'sub', options);
  const publisher = pub.client;
  const subscriber = sub.client;
  observeUnsubscribes(subscriber);
  const redis = new RedisPubSub({ publisher, subscriber });
  let count = 0;
  const open = new Set<AsyncIterableIterator<unknown>>();

  return {
    kind: 'redis',
    async publish(topic, key, payload) {
      await redis.publish(channelName(topic, key), payload);
    },
    async subscribe(topic, key, options = {}) {
      const weight = options.internal ? 0 : 1;
      let subId: number | undefined;
      let released = false;
      const queue = createPushQueue<never>({
        ...buffer,
        onReturn: () => {
          released = true;
          open.delete(queue.iterator);
          if (subId !== undefined) {
            redis.unsubscribe(subId);
            count -= weight;
          }
        },
      });
      open.add(queue.iterator);
      const channel = channelName(topic, key);
      // graphql-redis-subscriptions parses a message once for all its listeners: frozen, that one
      // copy is shared (a listener cannot change it for the others).
      const subscribed = redis.subscribe(channel, (payload: never) => queue.push(deepFreeze(payload)));
      // For the first subscriber of a channel the library also keeps a second promise, which it
      // rejects when SUBSCRIBE fails (Redis unreachable) with nobody listening: an unhandled
      // rejection that would end the process. The failure itself reaches the caller below.
      pendingOf(redis, channel)?.catch(() => {});
      try {
        subId = await subscribed;
      } catch (error) {
        open.delete(queue.iterator);
        throw new PubSubUnavailableError(`cannot subscribe: Redis is unreachable (${(error as Error).message})`, { cause: error });
      }
      count += weight;
      if (released) {
        redis.unsubscribe(subId);
        count -= weight;
      }
      return queue.iterator;
    },
    // Our `subscribe` reaches `redis.subscribe` before its first await, so "live now" holds for it.
    listening: (topic, key) => channelLive(redis, channelName(topic, key)),
    activeSubscriptions: () => count,
    async readiness() {
      if (!(await pub.readiness()) || !(await sub.readiness())) return false;
      try {
        return (await publisher.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async stop() {
      // End every open subscription (a waiting `next()` resolves as done), then disconnect.
      await Promise.all([...open].map((iterator) => iterator.return?.()));
      await pub.stop();
      await sub.stop();
    },
  };
}
