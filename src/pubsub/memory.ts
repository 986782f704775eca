import { deepFreeze } from '../lib/deep-freeze.js';
import { createPushQueue } from '../lib/push-queue.js';
import { channelName, type PubSub, type SubscriptionBuffer } from './types.js';

/** In-process PubSub for the embedded mode: one instance only. */
export function createMemoryPubSub(buffer: SubscriptionBuffer = {}): PubSub {
  const channels = new Map<string, Set<(payload: unknown) => void>>();
  let count = 0;
  const open = new Set<AsyncIterableIterator<unknown>>();
  return {
    kind: 'memory',
    async publish(topic, key, payload) {
      const listeners = channels.get(channelName(topic, key));
      if (!listeners) return;
      // Encoded and decoded once, as through Redis (the publisher keeps its object to itself), and
      // frozen: every listener reads the same copy and none can change it for the others.
      const message = deepFreeze(JSON.parse(JSON.stringify(payload)) as unknown);
      for (const listener of listeners) listener(message);
    },
    async subscribe(topic, key, options = {}) {
      const weight = options.internal ? 0 : 1;
      const name = channelName(topic, key);
      const listeners = channels.get(name) ?? new Set();
      channels.set(name, listeners);
      const queue = createPushQueue<never>({
        ...buffer,
        onReturn: () => {
          open.delete(queue.iterator);
          listeners.delete(listener);
          count -= weight;
          if (listeners.size === 0) channels.delete(name);
        },
      });
      const listener = (payload: unknown) => queue.push(payload as never);
      listeners.add(listener);
      open.add(queue.iterator);
      count += weight;
      return queue.iterator;
    },
    // The listener is added during `subscribe()` itself; a channel with one is live now.
    listening: (topic, key) => (channels.get(channelName(topic, key))?.size ?? 0) > 0,
    activeSubscriptions: () => count,
    readiness: async () => true,
    async stop() {
      await Promise.all([...open].map((iterator) => iterator.return?.()));
      channels.clear();
    },
  };
}
