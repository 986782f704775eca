/**
 * The parts under the domain, built once per process by createApp (app.ts): never in the GraphQL
 * context. Each adapter (server/) takes the few it needs as its own deps type; scripts, benches and
 * tests reach them through `app.infra`.
 */
import type { TokenVerifier } from './auth/jwt.js';
import type { NotBeforeStore } from './auth/not-before.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { Edge } from './edge/policy.js';
import type { IngestPipeline } from './ingest/pipeline.js';
import type { Logger } from './lib/logger.js';
import type { Metrics } from './lib/metrics.js';
import type { PubSub } from './pubsub/index.js';
import type { PersistedQueryStore } from './server/apq.js';
import type { RateLimiter } from './server/limits/rate-limit.js';

export interface Infrastructure {
  config: Config;
  logger: Logger;
  /** Prometheus registry of this instance, served at /metrics. */
  metrics: Metrics;
  db: Database;
  pubsub: PubSub;
  /** The one ingest path every source calls (the intake, the brokers' consumers, the simulator). */
  pipeline: IngestPipeline;
  tokens: TokenVerifier;
  /** Per-user not-before after `revokeSessions`: older tokens are refused everywhere (auth/not-before.ts). */
  notBefore: NotBeforeStore;
  /** Operations per caller, shared by every instance through Redis when there is one. */
  rateLimiter: RateLimiter;
  /** Automatic persisted queries by hash (server/apq.ts); undefined in trusted documents mode. */
  persistedQueries: PersistedQueryStore | undefined;
  /** The policy every subscription transport goes through (src/edge). */
  edge: Edge;
}
