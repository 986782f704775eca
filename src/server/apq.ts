/**
 * Automatic persisted queries (Apollo's APQ protocol): a client sends
 * `extensions.persistedQuery: { version: 1, sha256Hash }` without the query; an unknown hash is
 * answered PERSISTED_QUERY_NOT_FOUND and the client repeats the request with the query, which is
 * stored under its hash (a hash that is not the query's SHA-256 is PERSISTED_QUERY_MISMATCH).
 *
 * HTTP uses the ecosystem plugin (`@graphql-yoga/plugin-apq`) with the store below; graphql-ws
 * messages do not pass through Yoga's `onParams`, so ws.ts resolves them with `resolvePersisted`
 * over the same store. The store is Redis when REDIS_URL is set (every instance knows a hash
 * registered on any of them) and an LRU in memory otherwise. Off in trusted documents mode,
 * which accepts only its manifest.
 *
 * What is stored: only documents that parse within MAX_QUERY_TOKENS (a document that cannot run
 * is never kept), each for `ttlSeconds`. Documents are shared by hash across callers, as in every
 * APQ server: a hash reveals nothing a caller could not compute from the text itself.
 */
import { createHash } from 'node:crypto';
import { useAPQ } from '@graphql-yoga/plugin-apq';
import { GraphQLError, parse } from 'graphql';
import { createLRUCache, type Plugin } from 'graphql-yoga';
import { createRedis, type RedisConfig } from '../lib/redis.js';
import type { Metrics } from '../lib/metrics.js';
import { clientError } from '../schema/errors.js';
import { ErrorCode } from '../lib/error-codes.js';

export interface PersistedQueryStore {
  get(hash: string): Promise<string | null>;
  set(hash: string, query: string): Promise<void>;
  /** False while the backing store (Redis) is unreachable; lookups are then misses. */
  readiness(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface PersistedQueryOptions {
  /** Seconds a registered document is kept (refreshed by every registration). @default 86400 */
  ttlSeconds: number;
  /** Documents of more tokens are not stored (they cannot run anyway). */
  maxTokens: number;
  /** Entries kept by the in-memory store. @default 1000 */
  maxEntries?: number;
}

const KEY_PREFIX = 'paypulse:apq:';

function parses(query: string, maxTokens: number): boolean {
  try {
    parse(query, { maxTokens });
    return true;
  } catch {
    return false;
  }
}

export function createMemoryPersistedQueryStore(options: PersistedQueryOptions): PersistedQueryStore {
  const cache = createLRUCache<string>({ max: options.maxEntries ?? 1_000, ttl: options.ttlSeconds * 1_000 });
  return {
    get: async (hash) => cache.get(hash) ?? null,
    async set(hash, query) {
      if (parses(query, options.maxTokens)) cache.set(hash, query);
    },
    readiness: async () => true,
    stop: async () => {},
  };
}

export function createRedisPersistedQueryStore(redisConfig: RedisConfig | string, options: PersistedQueryOptions): PersistedQueryStore {
  const connection = createRedis(redisConfig, 'apq', { lazyConnect: false, maxRetriesPerRequest: 1, enableAutoPipelining: true });
  const redis = connection.client;
  return {
    // Redis down: a miss, so the client sends the full query and the request still runs.
    get: (hash) => redis.get(KEY_PREFIX + hash).catch(() => null),
    async set(hash, query) {
      if (!parses(query, options.maxTokens)) return;
      await redis.set(KEY_PREFIX + hash, query, 'EX', options.ttlSeconds).catch(() => undefined);
    },
    readiness: () => connection.readiness(),
    stop: () => connection.stop(),
  };
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The ecosystem plugin on HTTP, with its refusals (PERSISTED_QUERY_NOT_FOUND, which tells the
 * client to send the query, and PERSISTED_QUERY_MISMATCH) counted in paypulse_refusals_total like
 * every request answered with an error.
 */
export function usePersistedQueries(store: PersistedQueryStore, metrics: Metrics): Plugin {
  const apq = useAPQ({ store, hash: sha256Hex });
  return {
    async onParams(payload) {
      try {
        await apq.onParams!(payload as never);
      } catch (error) {
        if (error instanceof GraphQLError && typeof error.extensions.code === 'string') metrics.refuse(error.extensions.code);
        throw error;
      }
    },
  };
}

interface PersistedQueryExtension {
  version: 1;
  sha256Hash: string;
}

function persistedExtension(extensions: unknown): PersistedQueryExtension | undefined {
  const value = (extensions as { persistedQuery?: unknown } | null | undefined)?.persistedQuery;
  if (value === null || typeof value !== 'object') return undefined;
  const { version, sha256Hash } = value as Record<string, unknown>;
  return version === 1 && typeof sha256Hash === 'string' ? { version, sha256Hash } : undefined;
}

/**
 * The query of an operation that may name a persisted one (graphql-ws `subscribe` payloads):
 * the stored text for a hash alone, the query itself once checked and stored, or an error with
 * the code Apollo's link understands. Operations without the extension pass unchanged.
 */
export async function resolvePersisted(store: PersistedQueryStore, payload: { query?: unknown; extensions?: unknown }): Promise<{ query: string } | { error: ReturnType<typeof clientError> }> {
  const query = typeof payload.query === 'string' ? payload.query : '';
  const persisted = persistedExtension(payload.extensions);
  if (!persisted) return { query };
  if (query === '') {
    const stored = await store.get(persisted.sha256Hash);
    return stored === null ? { error: clientError(ErrorCode.PersistedQueryNotFound, 'PersistedQueryNotFound') } : { query: stored };
  }
  if (sha256Hex(query) !== persisted.sha256Hash) return { error: clientError(ErrorCode.PersistedQueryMismatch, 'PersistedQueryMismatch') };
  await store.set(persisted.sha256Hash, query);
  return { query };
}
