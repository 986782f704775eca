/**
 * An edge (src/edge/policy.ts) of its own for a test, on in-memory stores: its session registry
 * on `pubsub` (two edges on one pubsub are two instances), presence in memory, the socket quota in
 * memory. Every part is stopped by the returned `stop`.
 */
import { createMemoryNotBeforeStore, type NotBeforeStore } from '../../src/auth/not-before.js';
import { createEdge, type Edge, type EdgeOptions } from '../../src/edge/policy.js';
import { createSessionRegistry, type SessionRegistry } from '../../src/edge/sessions.js';
import { createLogger } from '../../src/lib/logger.js';
import { createMetrics } from '../../src/lib/metrics.js';
import { createPresenceService } from '../../src/presence/service.js';
import { createMemoryPresenceStore } from '../../src/presence/store.js';
import { createMemoryPubSub } from '../../src/pubsub/memory.js';
import type { PubSub } from '../../src/pubsub/index.js';
import { createMemorySocketQuota } from '../../src/server/limits/socket-quota.js';

export interface TestEdgeOptions {
  pubsub?: PubSub;
  apiKeys?: EdgeOptions['apiKeys'];
  notBefore?: NotBeforeStore;
  checkCacheMs?: number;
  now?: () => number;
}

export async function startTestEdge(options: TestEdgeOptions = {}): Promise<{ edge: Edge; sessions: SessionRegistry; stop: () => Promise<void> }> {
  const logger = createLogger({ level: 'silent' });
  const pubsub = options.pubsub ?? createMemoryPubSub();
  const sessions = createSessionRegistry({ pubsub, logger });
  await sessions.start();
  const presence = createPresenceService({ store: createMemoryPresenceStore(), pubsub, logger, options: { awayMs: 60_000, ttlMs: 30_000 } });
  const edge = createEdge({
    metrics: createMetrics({ defaultMetrics: false }),
    logger,
    apiKeys: options.apiKeys ?? { isActive: async () => true },
    notBefore: options.notBefore ?? createMemoryNotBeforeStore(),
    sessions,
    presence,
    quota: createMemorySocketQuota(),
    maxSessionsPerCredential: 10,
    maxBufferedBytes: 1 << 20,
    ...(options.checkCacheMs === undefined ? {} : { checkCacheMs: options.checkCacheMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return {
    edge,
    sessions,
    stop: async () => {
      await edge.stop();
      await sessions.stop();
      await presence.stop();
    },
  };
}
