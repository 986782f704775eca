/**
 * The HTTP server around GraphQL (SPEC §8 limits, §9 operations): health and readiness routes,
 * the request-body limit, malformed bodies, GraphiQL, WebSocket keep-alive pings and graceful
 * stop. Everything goes over real HTTP / WebSocket to an app built by createApp.
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { print } from 'graphql';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newMerchant, rowCount, WAIT_MS } from '../payments/helpers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne, LiveEvents } from '../support/operations.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { StartupError } from '../../src/startup/errors.js';
import { startTcpProxy } from '../kafka/tcp-proxy.js';
import { createTestDatabase, describeWith, REDIS_URL } from '../support/services.js';
import { collect, nextClose, waitUntil } from '../support/subscriptions.js';

const MAX_BODY_BYTES = 4096;

/** The body of an IngestOne mutation, padded with GraphQL whitespace to at least `size` bytes. */
function ingestBody(event = eventInput(), size = 0): string {
  const query = print(IngestOne);
  const body = (pad: number) => JSON.stringify({ query: query + ' '.repeat(pad), variables: { event } });
  return body(Math.max(0, size - body(0).length));
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * POSTs `chunks` with `Transfer-Encoding: chunked` (no Content-Length), one write per chunk.
 * Resolves with the response even when the server cuts the upload short after answering.
 */
function postChunked(url: string, chunks: string[], headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers } }, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    (async () => {
      for (const chunk of chunks) {
        if (req.destroyed || answered) return;
        await new Promise<void>((done) => req.write(chunk, () => done()));
        // Let the server see each chunk separately, as a slow client would send them.
        await new Promise((r) => setImmediate(r));
      }
      req.end();
    })().catch(() => {});
  });
}

function split(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

async function getJson(url: string): Promise<{ status: number; json: any }> {
  const res = await fetch(url);
  return { status: res.status, json: await res.json() };
}

describe('server routes and limits (embedded)', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { MAX_BODY_BYTES: String(MAX_BODY_BYTES), WS_KEEPALIVE_MS: '200' } });
    base = new URL(t.url).origin;
  });
  afterAll(() => t?.stop());

  it('answers GET /healthz with 200', async () => {
    const { status, json } = await getJson(`${base}/healthz`);
    expect(status).toBe(200);
    expect(json).toEqual({ status: 'ok' });
  });

  it('answers GET /readyz with 200 and the checks when ready', async () => {
    const { status, json } = await getJson(`${base}/readyz`);
    expect(status).toBe(200);
    expect(json).toEqual({ status: 'ready', checks: { started: true, database: true, pubsub: true } });
  });

  it('accepts a body within MAX_BODY_BYTES, with Content-Length and chunked', async () => {
    const m = await newMerchant(t);
    const sized = ingestBody(eventInput(), MAX_BODY_BYTES - 200);
    expect(Buffer.byteLength(sized)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const withLength = await t.post(sized, { token: m.token });
    expect(withLength.status).toBe(200);
    expect(withLength.json?.data?.ingestPaymentEvent?.status).toBe('INGESTED');

    const chunked = await postChunked(t.url, split(ingestBody(eventInput(), MAX_BODY_BYTES - 200), 500), { authorization: `Bearer ${m.token}` });
    expect(chunked.status).toBe(200);
    expect(JSON.parse(chunked.text).data.ingestPaymentEvent.status).toBe('INGESTED');
    expect(await rowCount(t, m.id)).toBe(2);
  });

  it('refuses a body over MAX_BODY_BYTES sent with Content-Length with 413 and stores nothing', async () => {
    const m = await newMerchant(t);
    const big = ingestBody(eventInput(), MAX_BODY_BYTES + 1000);
    const res = await t.post(big, { token: m.token });
    expect(res.status).toBe(413);
    expect(res.json?.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.json?.errors?.[0]?.message).toContain(String(MAX_BODY_BYTES));

    // A later event for the same merchant is stored alone: the refused one never was.
    const later = eventInput();
    expect((await t.gql(IngestOne, { event: later }, { token: m.token })).data?.ingestPaymentEvent.status).toBe('INGESTED');
    const stored = await t.db.prisma.paymentEvent.findMany({ where: { merchantId: m.id } });
    expect(stored.map((e) => e.eventId)).toEqual([later.eventId]);
  });

  it('refuses a chunked body that grows over MAX_BODY_BYTES with 413 and stores nothing', async () => {
    const m = await newMerchant(t);
    const big = ingestBody(eventInput(), MAX_BODY_BYTES * 3);
    const res = await postChunked(t.url, split(big, 1024), { authorization: `Bearer ${m.token}` });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');

    const later = eventInput();
    expect((await t.gql(IngestOne, { event: later }, { token: m.token })).data?.ingestPaymentEvent.status).toBe('INGESTED');
    const stored = await t.db.prisma.paymentEvent.findMany({ where: { merchantId: m.id } });
    expect(stored.map((e) => e.eventId)).toEqual([later.eventId]);
  });

  it('answers a malformed JSON body with 400 and an error that says so', async () => {
    const m = await newMerchant(t);
    const res = await t.post('{"query": "mutation { __typename }", ', { token: m.token });
    expect(res.status).toBe(400);
    expect(res.json?.errors).toHaveLength(1);
    expect(res.json.errors[0].message).toMatch(/json/i);
    expect(await rowCount(t, m.id)).toBe(0);
  });

  it('serves GraphiQL on GET /graphql to a browser', async () => {
    const res = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('<title>paypulse</title>');
    expect(html.toLowerCase()).toContain('graphiql');
  });

  it('pings graphql-ws sockets every WS_KEEPALIVE_MS and keeps a socket that answers open', async () => {
    const token = (await newMerchant(t)).token;
    const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    let pings = 0;
    let acked = false;
    let closed = false;
    socket.on('ping', () => (pings += 1));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') acked = true;
    });
    socket.on('close', () => (closed = true));
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    try {
      await waitUntil(() => acked, WAIT_MS, () => 'connection_ack');
      await waitUntil(() => pings >= 3, WAIT_MS, () => `3 pings, got ${pings}`);
      expect(closed).toBe(false);
      expect(socket.readyState).toBe(WebSocket.OPEN);
    } finally {
      socket.terminate();
    }
  });

  it('drops a graphql-ws socket that does not answer pings', async () => {
    const token = (await newMerchant(t)).token;
    const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws', { autoPong: false });
    let pings = 0;
    let closed = false;
    socket.on('ping', () => (pings += 1));
    socket.on('close', () => (closed = true));
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    try {
      await waitUntil(() => closed, WAIT_MS, () => 'socket closed by the server');
      expect(pings).toBeGreaterThanOrEqual(1);
    } finally {
      socket.terminate();
    }
  });
});

describe('graceful stop (embedded)', () => {
  it('closes open graphql-ws sockets with 1001 and stops accepting connections', async () => {
    const t = await startTestApp({ mode: 'embedded' });
    const m = await newMerchant(t);
    const client = t.wsClient({ authorization: `Bearer ${m.token}` });
    const sub = collect(client, LiveEvents, {});
    await waitUntil(() => t.pubsub.activeSubscriptions() === 1, WAIT_MS, () => 'subscription live');
    const closed = nextClose(client);

    await t.app.stop();
    expect(await closed).toBe(1001);
    expect(t.app.sockets()).toBe(0);
    expect(t.pubsub.activeSubscriptions()).toBe(0);
    await expect(fetch(`${new URL(t.url).origin}/healthz`)).rejects.toThrow();
    sub.stop();
  });

  it('ends open SSE streams cleanly, without waiting for the shutdown timeout', async () => {
    // A long shutdown timeout: the stream must end because stop() ends it, not because the timeout cut the connection.
    const t = await startTestApp({ mode: 'embedded', env: { SHUTDOWN_TIMEOUT_MS: '30000' } });
    const m = await newMerchant(t);
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${m.token}` },
      body: JSON.stringify({ query: 'subscription { paymentEvents { eventId } }' }),
    });
    expect(res.status).toBe(200);
    await waitUntil(() => t.pubsub.activeSubscriptions() === 1, WAIT_MS, () => 'SSE subscription live');

    const reader = res.body!.getReader();
    let ended: string | undefined;
    void (async () => {
      try {
        while (!(await reader.read()).done);
        ended = 'clean';
      } catch (error) {
        ended = `error: ${(error as Error).message}`;
      }
    })();
    let stopped = false;
    const stopping = t.app.stop().then(() => (stopped = true));
    try {
      await waitUntil(() => ended !== undefined && stopped, 15_000, () => `SSE stream ended (${ended}) and stop() resolved (${stopped})`);
      expect(ended).toBe('clean');
    } finally {
      await stopping;
    }
  }, 120_000);

  it('answers /readyz with 503 and started: false while stopping', async () => {
    const t = await startTestApp({ mode: 'embedded', env: { SHUTDOWN_TIMEOUT_MS: '30000' } });
    const { port } = new URL(t.url);
    // A request already being received when stop() begins is still answered; only its first
    // line has arrived when the instance starts draining.
    const socket: Socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.write('GET /readyz HTTP/1.1\r\n');
    // Give the in-process server one turn of its event loop to read the request line.
    await new Promise((r) => setTimeout(r, 300));

    const stopping = t.app.stop();
    const readiness = await t.app.readiness();
    expect(readiness.ready).toBe(false);
    expect(readiness.checks.started).toBe(false);

    socket.write('Host: 127.0.0.1\r\nConnection: close\r\n\r\n');
    await waitUntil(() => text.includes('\r\n\r\n') && text.includes('}'), WAIT_MS, () => `readyz response, got ${JSON.stringify(text)}`);
    socket.destroy();
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    // The body may be chunk-framed: take the JSON object itself.
    expect(JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1))).toMatchObject({ status: 'not ready', checks: { started: false } });
    await stopping;
  }, 90_000);
});

await describeWith(['postgres', 'redis'], 'readiness with real services', () => {
  it('answers /readyz with 200 and every check when PostgreSQL and Redis are up', async () => {
    const t = await startTestApp({ mode: 'services' });
    try {
      const { status, json } = await getJson(`${new URL(t.url).origin}/readyz`);
      expect(status).toBe(200);
      // Every part holding its own Redis connection is a check of its own.
      expect(json).toEqual({ status: 'ready', checks: { started: true, database: true, pubsub: true, rateLimit: true, presence: true, edge: true, persistedQueries: true } });
    } finally {
      await t.stop();
    }
  });

  it('answers /readyz with 503 when the database is unreachable, and /healthz still with 200', async () => {
    const db = await createTestDatabase();
    const t = await startTestApp({ mode: 'services', databaseUrl: db.url });
    try {
      const origin = new URL(t.url).origin;
      expect((await getJson(`${origin}/readyz`)).status).toBe(200);
      // Dropping the database (with FORCE) cuts the app's connections and makes every reconnect fail.
      await db.drop();
      const { status, json } = await getJson(`${origin}/readyz`);
      expect(status).toBe(503);
      expect(json).toEqual({ status: 'not ready', checks: { started: true, database: false, pubsub: true, rateLimit: true, presence: true, edge: true, persistedQueries: true } });
      expect((await getJson(`${origin}/healthz`)).status).toBe(200);
    } finally {
      await t.stop();
    }
  }, 90_000);

  it('answers /readyz with 503 when Redis becomes unreachable after start, and 200 once it is back', async () => {
    const db = await createTestDatabase();
    const target = new URL(REDIS_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const t = await startTestApp({ mode: 'services', databaseUrl: db.url, env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
    const readyz = () => getJson(`${new URL(t.url).origin}/readyz`);
    let readyzJson: unknown;
    try {
      expect((await readyz()).status).toBe(200);
      proxy.cut();
      // Each Redis client notices the cut on its own: wait until every one has.
      const redisChecks = ['pubsub', 'rateLimit', 'presence', 'edge', 'persistedQueries'];
      await waitUntil(
        async () => {
          readyzJson = (await readyz()).json;
          return redisChecks.every((c) => (readyzJson as { checks: Record<string, boolean> }).checks[c] === false);
        },
        WAIT_MS,
        () => `every Redis check false while Redis is cut off (${JSON.stringify(readyzJson)})`,
      );
      expect((await readyz()).json).toEqual({ status: 'not ready', checks: { started: true, database: true, pubsub: false, rateLimit: false, presence: false, edge: false, persistedQueries: false } });
      proxy.restore();
      await waitUntil(async () => (await readyz()).status === 200, WAIT_MS, () => 'readiness 200 once Redis is back');
    } finally {
      await t.stop();
      await proxy.close();
      await db.drop();
    }
  }, 90_000);

  it('does not start while Redis is unreachable: start() fails with StartupError naming redis', async () => {
    const db = await createTestDatabase();
    // Nothing listens on port 1.
    const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', DEMO_MERCHANT: '0', DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:1', STARTUP_TIMEOUT_MS: '500' });
    const app = await createApp(config);
    try {
      const failure = await app.start().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(StartupError);
      expect((failure as StartupError).line()).toBe('paypulse cannot start: redis: cannot reach Redis at redis://127.0.0.1:1 within 500 ms (ECONNREFUSED)');
      // Nothing was migrated: the check comes before the migrations.
      const pg = new (await import('pg')).default.Client({ connectionString: db.url });
      await pg.connect();
      try {
        expect((await pg.query(`SELECT to_regclass('_prisma_migrations') AS t`)).rows[0].t).toBeNull();
      } finally {
        await pg.end();
      }
    } finally {
      await app.stop();
      await db.drop();
    }
  }, 90_000);
});
