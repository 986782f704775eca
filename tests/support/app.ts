/**
 * Builds the real app through createApp on a random port, in either mode:
 * - embedded: PGlite in memory + in-memory pubsub;
 * - services: a fresh PostgreSQL database + Redis.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { signToken, type DevTokenClaims } from '../../src/auth/jwt.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import type { Domain } from '../../src/domain.js';
import type { IngestPipeline } from '../../src/ingest/pipeline.js';
import type { Logger } from '../../src/lib/logger.js';
import type { PubSub } from '../../src/pubsub/index.js';
import { createTestDatabase, REDIS_URL } from './services.js';

export type Mode = 'embedded' | 'services';
export const MODES: Mode[] = ['embedded', 'services'];
export const TEST_JWT_SECRET = 'test-secret-for-paypulse-0123456789abcdef';

export interface RequestOptions {
  token?: string;
  apiKey?: string;
  headers?: Record<string, string>;
}

export interface TestApp {
  app: App;
  config: Config;
  /** The app's database, to seed rows and assert on them. */
  db: Database;
  /** The domain services, as resolvers see them. */
  domain: Domain;
  /** The app's pubsub (to count live subscriptions, or publish by hand). */
  pubsub: PubSub;
  /** The ingest pipeline every source calls, to store events without a request. */
  pipeline: IngestPipeline;
  url: string;
  wsUrl: string;
  /** Signs a token with the app's secret and issuer/audience. */
  token(claims: DevTokenClaims): Promise<string>;
  adminToken(): Promise<string>;
  merchantToken(merchantId: string): Promise<string>;
  /** Creates a merchant directly through the domain service. */
  createMerchant(id: string, timezone?: string): Promise<void>;
  /** Raw POST to /graphql (for malformed bodies and hand-written queries); body is sent as is when a string. */
  post(body: unknown, options?: RequestOptions): Promise<{ status: number; json: any; text: string }>;
  gql<R, V>(doc: TypedDocumentNode<R, V>, variables?: V, options?: RequestOptions): Promise<ExecutionResult<R> & { status: number }>;
  /** A graphql-ws client (lazy, no retries) with the given connection params. */
  wsClient(connectionParams?: Record<string, unknown> | (() => Promise<Record<string, unknown>>), extra?: Partial<Parameters<typeof createClient>[0]>): Client;
  stop(): Promise<void>;
}

export interface StartOptions {
  mode: Mode;
  /** Reuse a database (several instances on one database); otherwise a fresh one is made. */
  databaseUrl?: string;
  env?: Record<string, string>;
  /** The app's logger (default: the config's level, to stdout). */
  logger?: Logger;
  /** The rate limiters' clock (AppOptions.now): a frozen one makes limits exact counts. */
  now?: () => number;
}

/** A response's text, and its JSON when it is JSON (undefined otherwise). */
export async function readResponse(res: Response): Promise<{ text: string; json: any }> {
  const text = await res.text();
  try {
    return { text, json: JSON.parse(text) };
  } catch {
    return { text, json: undefined };
  }
}

function headersFor(opts: RequestOptions): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.apiKey) headers['x-api-key'] = opts.apiKey;
  return headers;
}

export async function startTestApp(options: StartOptions): Promise<TestApp> {
  let drop: (() => Promise<void>) | undefined;
  let databaseUrl = options.databaseUrl;
  if (options.mode === 'services' && !databaseUrl) {
    const db = await createTestDatabase();
    databaseUrl = db.url;
    drop = db.drop;
  }
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    DEMO_MERCHANT: '0',
    ...(options.mode === 'services' ? { DATABASE_URL: databaseUrl, REDIS_URL } : { PGLITE_DATA_DIR: 'memory://' }),
    ...options.env,
  });
  const app = await createApp(config, { ...(options.logger ? { logger: options.logger } : {}), ...(options.now ? { now: options.now } : {}) });
  const { port } = await app.start();
  const url = `http://127.0.0.1:${port}/graphql`;
  const wsUrl = `ws://127.0.0.1:${port}/graphql`;
  const clients: Client[] = [];
  const token = (claims: DevTokenClaims) => signToken(config.auth, claims);

  return {
    app,
    config,
    db: app.infra.db,
    domain: app.domain,
    pubsub: app.infra.pubsub,
    pipeline: app.infra.pipeline,
    url,
    wsUrl,
    token,
    adminToken: () => token({ sub: 'admin-1', role: 'admin' }),
    merchantToken: (merchantId) => token({ sub: `user-${merchantId}`, role: 'merchant', merchantId }),
    async createMerchant(id, timezone = 'Africa/Nairobi') {
      await app.domain.merchants.ensure({ id, name: `Merchant ${id}`, timezone, defaultCurrency: 'KES' });
    },
    async post(body, opts = {}) {
      const res = await fetch(url, { method: 'POST', headers: headersFor(opts), body: typeof body === 'string' ? body : JSON.stringify(body) });
      return { status: res.status, ...(await readResponse(res)) };
    },
    async gql(doc, variables, opts = {}) {
      const res = await fetch(url, { method: 'POST', headers: headersFor(opts), body: JSON.stringify({ query: print(doc), variables }) });
      const body = (await res.json()) as ExecutionResult<never>;
      return { ...body, status: res.status };
    },
    wsClient(connectionParams, extra = {}) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams,
        lazy: true,
        retryAttempts: 0,
        ...extra,
      });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.stop();
      await drop?.();
    },
  };
}

/**
 * Two app instances in services mode sharing one fresh PostgreSQL database and Redis, started
 * before the suite's tests and stopped after them. Read `a` and `b` inside tests or hooks.
 */
export function useTwoInstances(env: Record<string, string> = {}, options: Pick<StartOptions, 'now'> = {}): { a: TestApp; b: TestApp } {
  const pair = {} as { a: TestApp; b: TestApp };
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    pair.a = await startTestApp({ mode: 'services', databaseUrl: db.url, env, ...options });
    pair.b = await startTestApp({ mode: 'services', databaseUrl: db.url, env, ...options });
  });
  afterAll(async () => {
    await pair.a?.stop();
    await pair.b?.stop();
    await drop?.();
  });
  return pair;
}
