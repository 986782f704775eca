/**
 * The real entry point once it runs (issue #17): a Redis outage after start degrades instead of
 * ending the process (case 1), one process per PGlite data directory (case 4), `.env` with the
 * real environment winning (case 5), and the demo API key kept across restarts (case 6).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse, print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { decodeJwt, jwtVerify } from 'jose';
import WebSocket from 'ws';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../kafka/tcp-proxy.js';
import { eventInput } from '../support/events.js';
import { bannerCredentials, finished, killChildren, run, START_MS, startMain, stopMain, type RunningMain } from '../support/main-process.js';
import { IngestOne, LiveEvents, Me } from '../support/operations.js';
import { describeWith, REDIS_URL } from '../support/services.js';
import { collect, waitUntil } from '../support/subscriptions.js';

const WAIT_MS = 60_000;
/** A plain document (no codegen needed: only its errors are read). */
const NotificationAdded = parse('subscription { notificationAdded { cursor } }') as TypedDocumentNode<unknown, Record<string, never>>;
const dirs: string[] = [];
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  killChildren();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'paypulse-running-'));
  dirs.push(dir);
  return dir;
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

const ingest = (main: RunningMain, headers: Record<string, string>, eventId?: string) =>
  post(main.url, { query: print(IngestOne), variables: { event: eventInput(eventId ? { eventId } : {}) } }, headers);
const me = (main: RunningMain, headers: Record<string, string>) => post(main.url, { query: print(Me) }, headers);

async function readyz(main: RunningMain): Promise<{ status: number; checks?: Record<string, boolean> }> {
  const res = await fetch(new URL('/readyz', main.url)).catch(() => undefined);
  if (!res) return { status: 0 };
  const body = (await res.json()) as { checks?: Record<string, boolean> };
  return { checks: body.checks, status: res.status };
}

/** A subscription is live once an event ingested now reaches it: ingest one every half second until one does. */
async function untilLive(sub: { results: unknown[] }, ingestOne: () => Promise<unknown>, what: string): Promise<void> {
  let last = 0;
  await waitUntil(
    async () => {
      if (sub.results.length > 0) return true;
      if (Date.now() - last >= 500) {
        last = Date.now();
        await ingestOne();
      }
      return false;
    },
    WAIT_MS,
    () => what,
  );
}

function wsClient(main: RunningMain, token: string): Client {
  const client = createClient({ url: main.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, lazy: true, retryAttempts: 0 });
  clients.push(client);
  return client;
}

describe('one process per PGlite data directory, and the demo API key across restarts', () => {
  it(
    'refuses a second process on the same directory, keeps the key across restarts, takes over a dead owner\'s lock, rotates on request',
    async () => {
      const dataDir = join(tempDir(), 'data');
      const env = { PGLITE_DATA_DIR: dataDir };

      const first = await startMain([], env);
      const k1 = bannerCredentials(first.stderr());
      expect(first.stderr()).toContain('API key (new; kept across restarts');
      // The banner's token lasts 24 hours (README: "Tokens").
      const claims = decodeJwt(k1.token);
      expect(claims.exp! - claims.iat!).toBe(24 * 3600);
      const lock = JSON.parse(readFileSync(join(dataDir, 'paypulse.lock'), 'utf8')) as { pid: number };
      expect(lock.pid).toBe(first.child.pid);

      // The second process is refused with one line naming the owner, and exits 78.
      const second = await finished(run('src/main.ts', [], env));
      expect(second.code).toBe(78);
      expect(second.stderr.trim()).toBe(
        `paypulse cannot start: database: the PGlite data directory ${dataDir} is in use by another paypulse process (pid ${first.child.pid}); stop it, or set PGLITE_DATA_DIR to another directory`,
      );
      // The first one is untouched: its key works and what it writes stays.
      const written = await ingest(first, { 'x-api-key': k1.apiKey }, 'evt-kept-1');
      expect(written.json.errors).toBeUndefined();
      expect(written.json.data.ingestPaymentEvent.status).toBe('INGESTED');
      expect(await stopMain(first)).toEqual({ code: 0, signal: null });
      expect(existsSync(join(dataDir, 'paypulse.lock'))).toBe(false);

      // Restarted: the same key, shown again, still accepted; the event is still there.
      const again = await startMain([], env);
      expect(again.stderr()).toContain('API key (the same as the last start');
      expect(bannerCredentials(again.stderr()).apiKey).toBe(k1.apiKey);
      const duplicate = await ingest(again, { 'x-api-key': k1.apiKey }, 'evt-kept-1');
      expect(duplicate.json.data.ingestPaymentEvent.status).toBe('DUPLICATE');
      // Killed without a chance to clean up: its lock stays behind, naming a dead process.
      again.child.kill('SIGKILL');
      await again.exited;
      expect(JSON.parse(readFileSync(join(dataDir, 'paypulse.lock'), 'utf8')).pid).toBe(again.child.pid);

      // The dead owner's lock is taken over; --rotate-demo-key makes a new key and revokes the old.
      const rotated = await startMain(['--rotate-demo-key'], env);
      const k2 = bannerCredentials(rotated.stderr());
      expect(k2.apiKey).not.toBe(k1.apiKey);
      expect(rotated.stderr()).toContain('API key (new; kept across restarts');
      const old = await me(rotated, { 'x-api-key': k1.apiKey });
      expect(old.json.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const fresh = await me(rotated, { 'x-api-key': k2.apiKey });
      expect(fresh.json.errors).toBeUndefined();
      expect(fresh.json.data.me.merchantId).toBe('m_demo');
      expect(await stopMain(rotated)).toEqual({ code: 0, signal: null });
    },
    4 * START_MS,
  );
});

describe('.env', () => {
  it(
    'is loaded from the working directory, the real environment winning',
    async () => {
      const cwd = tempDir();
      const fileSecret = 'secret-from-dot-env-0123456789abcdefghij';
      writeFileSync(
        join(cwd, '.env'),
        [
          '# what a developer keeps beside .env.example',
          `JWT_SECRET=${fileSecret}`,
          'PGLITE_DATA_DIR=./from-dot-env',
          // Set in the real environment too (info): the real one wins, so the start-up log appears.
          'LOG_LEVEL=silent',
        ].join('\n'),
      );
      // Unset (not empty) in the real environment, so the file provides them.
      const main = await startMain([], { JWT_SECRET: undefined, PGLITE_DATA_DIR: undefined }, { cwd });
      expect(existsSync(join(cwd, 'from-dot-env', 'paypulse.lock'))).toBe(true);
      const { token } = bannerCredentials(main.stderr());
      await expect(jwtVerify(token, new TextEncoder().encode(fileSecret))).resolves.toBeDefined();
      expect(main.logs().some((l) => l.msg === 'paypulse started')).toBe(true);
      expect(await stopMain(main)).toEqual({ code: 0, signal: null });
    },
    START_MS,
  );
});

await describeWith(['redis'], 'a Redis outage after start', () => {
  let proxy: TcpProxy | undefined;
  afterAll(async () => proxy?.close());

  it(
    'degrades (readiness 503, ingest still stored, new subscriptions SERVICE_UNAVAILABLE) and recovers, never an uncaught exception',
    async () => {
      const target = new URL(REDIS_URL);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      // Frequent presence heartbeats, so Redis commands fail (and are handled) during the outage.
      const main = await startMain([], { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, DEMO_MERCHANT: '1', PRESENCE_TTL_MS: '900' });
      const { token } = bannerCredentials(main.stderr());
      const auth = { authorization: `Bearer ${token}` };
      await waitUntil(async () => (await readyz(main)).status === 200, WAIT_MS, () => 'ready before the outage');
      const live = collect(wsClient(main, token), LiveEvents, {});
      await untilLive(live, () => ingest(main, auth), 'a live event before the outage');

      proxy.cut();
      await waitUntil(async () => (await readyz(main)).checks?.pubsub === false, WAIT_MS, () => 'readiness reporting pubsub down');
      // Stored while Redis is away (its publish fails and is logged; subscribers fill gaps from the database).
      const during = await ingest(main, auth, `evt-outage-${Date.now()}`);
      expect(during.json.errors).toBeUndefined();
      expect(during.json.data.ingestPaymentEvent.status).toBe('INGESTED');
      // A subscription on a channel this instance does not listen to yet cannot start now: a
      // coded, retryable refusal, not a masked error. (One on a channel already listened to
      // stays open: Redis resubscribes it when it is back.)
      const refused = collect(wsClient(main, token), NotificationAdded, {});
      let ended: { error?: unknown } | undefined;
      void refused.done.then((d) => (ended = d));
      await waitUntil(() => ended !== undefined, WAIT_MS, () => 'the refused subscription to end');
      expect(ended).toEqual({});
      expect(refused.results).toEqual([{ errors: [expect.objectContaining({ extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } })] }]);
      // The failures that used to end the process (ioredis giving up on queued commands) happened, were handled, and it lives.
      await waitUntil(() => /MaxRetriesPerRequestError/.test(main.stdout()), WAIT_MS, () => 'a Redis command failing during the outage');
      expect(main.exit()).toBeUndefined();
      expect((await fetch(new URL('/healthz', main.url))).status).toBe(200);

      proxy.restore();
      await waitUntil(async () => (await readyz(main)).status === 200, WAIT_MS, () => 'ready again after Redis is back');
      const after = collect(wsClient(main, token), LiveEvents, {});
      await untilLive(after, () => ingest(main, auth), 'a live event after the outage');
      expect(after.results[0]?.errors).toBeUndefined();
      expect(main.stderr()).not.toMatch(/Uncaught|triggerUncaughtException|MaxRetriesPerRequestError/);
      expect(await stopMain(main)).toEqual({ code: 0, signal: null });
    },
    START_MS + 4 * WAIT_MS,
  );
});
