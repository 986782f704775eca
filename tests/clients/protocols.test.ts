/**
 * The protocols popular clients speak, at the edges the examples do not reach: Apollo's multipart
 * subscriptions (heartbeats, transport errors, content negotiation), APQ (HTTP, graphql-ws, shared
 * by instances through Redis), graphql-sse's single connection mode (auth on every request,
 * reservations bound to their credential), and Relay's node(id) scoping.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/lib/metrics.js';
import { multipartResponse, streamingTransport } from '../../src/server/plugins/http-subscriptions.js';
import { startTestApp, useTwoInstances, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { sample } from '../support/metrics.js';
import { IngestOne } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';

const APOLLO_ACCEPT = 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0, application/json';
const FEED = 'subscription { paymentEvents { id cursor eventId } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const id = () => randomBytes(4).toString('hex');

/** Reads a streamed body until `done(text)` holds; then aborts the request. */
async function readUntil(res: Response, abort: AbortController, done: (text: string) => boolean): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!done(text)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += decoder.decode(value, { stream: true });
  }
  abort.abort();
  return text;
}

/** The JSON bodies of a multipart/mixed body with boundary "graphql". */
const parts = (text: string) =>
  text
    .split('\r\n--graphql')
    .map((p) => p.split('\r\n\r\n')[1])
    .filter((body): body is string => !!body && body.trim() !== '')
    .map((body) => JSON.parse(body) as Record<string, unknown>);

describe('multipart framing (unit)', () => {
  it('picks the transport in the order the client lists them', () => {
    expect(streamingTransport(APOLLO_ACCEPT)).toEqual({ transport: 'multipart', apollo: true });
    expect(streamingTransport('multipart/mixed')).toEqual({ transport: 'multipart', apollo: false });
    expect(streamingTransport('text/event-stream, multipart/mixed')).toEqual({ transport: 'sse', apollo: false });
    expect(streamingTransport('multipart/mixed;subscriptionSpec="1.0", text/event-stream')).toEqual({ transport: 'multipart', apollo: true });
    expect(streamingTransport('application/json')).toBeUndefined();
  });

  it('wraps results in payload and ends with a transport error after a fatal end (no data)', async () => {
    async function* results() {
      yield { data: { paymentEvents: { cursor: '7' } } };
      yield { errors: [{ message: 'subscriber too slow', extensions: { code: 'SLOW_CONSUMER', after: '7' } }] } as never;
      yield { data: { paymentEvents: { cursor: '8' } } };
    }
    const res = multipartResponse(results(), globalThis, { apollo: true, heartbeatMs: 60_000 });
    expect(res.headers.get('content-type')).toBe('multipart/mixed;boundary="graphql";subscriptionSpec="1.0"');
    const text = await res.text();
    expect(parts(text)).toEqual([{}, { payload: { data: { paymentEvents: { cursor: '7' } } } }, { payload: null, errors: [{ message: 'subscriber too slow', extensions: { code: 'SLOW_CONSUMER', after: '7' } }] }]);
    expect(text.endsWith('--graphql--\r\n')).toBe(true);
    void createMetrics; // the plugin's metrics are covered over HTTP below
  });
});

await describeWith(['postgres', 'redis'], 'client protocols (services)', () => {
  let t: TestApp;
  let merchant: string;
  let token: string;
  let otherToken: string;

  beforeAll(async () => {
    t = await startTestApp({ mode: 'services', env: { MULTIPART_HEARTBEAT_MS: '50', MAX_SOCKETS_PER_CREDENTIAL: '3' } });
    merchant = `m_proto_${id()}`;
    await t.createMerchant(merchant);
    token = await t.merchantToken(merchant);
    const other = `m_proto_other_${id()}`;
    await t.createMerchant(other);
    otherToken = await t.merchantToken(other);
  });
  afterAll(() => t?.stop());

  const post = (body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });

  describe("Apollo's multipart subscriptions", () => {
    it('streams {payload} parts with {} heartbeats, counted as a multipart subscription while open', async () => {
      const abort = new AbortController();
      const res = await post({ query: FEED }, { accept: APOLLO_ACCEPT }, abort.signal);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('multipart/mixed');
      await waitUntil(async () => (await sample(t, 'paypulse_subscriptions_active{transport="multipart"}')) === 1);
      const input = eventInput();
      await t.gql(IngestOne, { event: input }, { token });
      const text = await readUntil(res, abort, (s) => s.includes(input.eventId) && parts(s).filter((p) => Object.keys(p).length === 0).length >= 3);
      const event = parts(text).find((p) => 'payload' in p) as { payload: { data: { paymentEvents: { eventId: string } } } };
      expect(event.payload.data.paymentEvents.eventId).toBe(input.eventId);
      await waitUntil(async () => (await sample(t, 'paypulse_subscriptions_active{transport="multipart"}')) === 0, 10_000, () => 'gauge back to 0');
      await waitUntil(() => t.pubsub.activeSubscriptions() === 0, 10_000, () => 'pubsub released');
    });

    it('plain multipart/mixed streams bare results (incremental delivery framing)', async () => {
      const abort = new AbortController();
      const res = await post({ query: FEED }, { accept: 'multipart/mixed' }, abort.signal);
      expect(res.status).toBe(200);
      await waitUntil(() => t.pubsub.activeSubscriptions() > 0);
      const input = eventInput();
      await t.gql(IngestOne, { event: input }, { token });
      const text = await readUntil(res, abort, (s) => s.includes(input.eventId));
      expect(parts(text)).toContainEqual({ data: { paymentEvents: expect.objectContaining({ eventId: input.eventId }) } });
      // Released before the next test, whose subscription would otherwise share its listener (a cohort).
      await waitUntil(() => t.pubsub.activeSubscriptions() === 0, 10_000, () => 'pubsub released');
    });

    it('answers a refused subscription with a JSON error, not a stream: no token is 401 UNAUTHENTICATED', async () => {
      const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: APOLLO_ACCEPT }, body: JSON.stringify({ query: FEED }) });
      expect(res.status).toBe(401);
      expect((await res.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });

    it('still answers 406 when nothing the client accepts can carry a subscription', async () => {
      const res = await post({ query: FEED }, { accept: 'text/html' });
      expect(res.status).toBe(406);
    });
  });

  describe('automatic persisted queries', () => {
    const query = `query Apq${id()} { merchant { id } }`;
    const hash = sha256(query);
    const persisted = { persistedQuery: { version: 1, sha256Hash: hash } };

    it('an unknown hash is PERSISTED_QUERY_NOT_FOUND; the query with its hash registers it; then the hash alone runs it (POST and GET)', async () => {
      const miss = await post({ extensions: persisted });
      expect((await miss.json()).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      const register = await post({ query, extensions: persisted });
      expect((await register.json()).data.merchant.id).toBe(merchant);
      const hit = await post({ extensions: persisted });
      expect(await hit.json()).toEqual({ data: { merchant: { id: merchant } } });
      const get = await fetch(`${t.url}?extensions=${encodeURIComponent(JSON.stringify(persisted))}`, { headers: { authorization: `Bearer ${token}` } });
      expect(await get.json()).toEqual({ data: { merchant: { id: merchant } } });
    });

    it('refuses a query whose hash does not match with PERSISTED_QUERY_MISMATCH, storing nothing', async () => {
      const wrong = '0'.repeat(64);
      const res = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: wrong } } });
      expect(res.status).toBe(400);
      expect((await res.json()).errors[0].extensions.code).toBe('PERSISTED_QUERY_MISMATCH');
      expect(await t.app.infra.persistedQueries!.get(wrong)).toBeNull();
    });

    it('never stores a document that does not parse', async () => {
      const broken = '{ merchant { id ';
      await post({ query: broken, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(broken) } } });
      expect(await t.app.infra.persistedQueries!.get(sha256(broken))).toBeNull();
    });

    it('works over graphql-ws: a subscribe with an empty query and a registered hash runs the stored document', async () => {
      const client = t.wsClient({ authorization: `Bearer ${token}` });
      const run = (payload: { query: string; extensions: Record<string, unknown> }) =>
        new Promise<{ data?: unknown; errors?: unknown }>((resolve) => {
          client.subscribe(payload, { next: (r) => resolve(r as never), error: (e) => resolve({ errors: e }), complete: () => {} });
        });
      expect(await run({ query: '', extensions: persisted })).toEqual({ data: { merchant: { id: merchant } } });
      const unknown = await run({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
      expect(JSON.stringify(unknown.errors)).toContain('PERSISTED_QUERY_NOT_FOUND');
    });
  });

  describe("graphql-sse's single connection mode", () => {
    const reserve = (auth: Record<string, string>) => fetch(t.url, { method: 'PUT', headers: auth });

    it('refuses a reservation without a valid credential (401), like any request', async () => {
      const none = await reserve({});
      expect(none.status).toBe(401);
      expect((await none.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      const bad = await reserve({ authorization: 'Bearer not-a-token' });
      expect(bad.status).toBe(401);
    });

    it("treats another merchant's token as an unknown stream (404) for the stream, operations and DELETE", async () => {
      const put = await reserve({ authorization: `Bearer ${token}` });
      expect(put.status).toBe(201);
      const stream = await put.text();
      const theirs = { authorization: `Bearer ${otherToken}`, 'x-graphql-event-stream-token': stream };
      expect((await fetch(t.url, { headers: { ...theirs, accept: 'text/event-stream' } })).status).toBe(404);
      const op = await fetch(t.url, { method: 'POST', headers: { ...theirs, 'content-type': 'application/json' }, body: JSON.stringify({ query: FEED, extensions: { operationId: '1' } }) });
      expect(op.status).toBe(404);
      expect((await fetch(`${t.url}?operationId=1`, { method: 'DELETE', headers: theirs })).status).toBe(404);
      // The owner's reservation is untouched by all that.
      const mine = { authorization: `Bearer ${token}`, 'x-graphql-event-stream-token': stream };
      const bad = await fetch(t.url, { method: 'POST', headers: { ...mine, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ merchant { id ', extensions: { operationId: 'p' } }) });
      expect(bad.status).toBe(400);
      expect((await bad.json()).errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
      const noId = await fetch(t.url, { method: 'POST', headers: { ...mine, 'content-type': 'application/json' }, body: JSON.stringify({ query: FEED }) });
      expect((await noId.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
    });

    it('holds at most MAX_SOCKETS_PER_CREDENTIAL reservations per credential (429 TOO_MANY_STREAMS)', async () => {
      const user = await t.token({ sub: `quota-${id()}`, role: 'merchant', merchantId: merchant });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await reserve({ authorization: `Bearer ${user}` })).status);
      expect(statuses).toEqual([201, 201, 201, 429]);
    });

    it('runs a subscription on the reserved stream with the graphql-sse client, and releases it when the client completes', async () => {
      const client = createSseClient({ url: t.url, singleConnection: true, headers: { authorization: `Bearer ${token}` } });
      const input = eventInput();
      const received = (async () => {
        for await (const r of client.iterate<{ paymentEvents: { eventId: string } }>({ query: FEED })) {
          if (r.data?.paymentEvents.eventId === input.eventId) return r.data.paymentEvents.eventId;
        }
        return undefined;
      })();
      await waitUntil(() => t.pubsub.activeSubscriptions() > 0);
      expect(await sample(t, 'paypulse_subscriptions_active{transport="sse"}')).toBe(1);
      await t.gql(IngestOne, { event: input }, { token });
      expect(await received).toBe(input.eventId);
      await waitUntil(() => t.pubsub.activeSubscriptions() === 0, 10_000, () => 'pubsub released after DELETE');
      client.dispose();
    });

    it('ends the stream when its token expires, as graphql-ws closes the socket', async () => {
      const shortLived = await t.token({ sub: `short-${id()}`, role: 'merchant', merchantId: merchant, expiresInSeconds: 2 });
      const auth = { authorization: `Bearer ${shortLived}` };
      const stream = await (await reserve(auth)).text();
      const res = await fetch(t.url, { headers: { ...auth, accept: 'text/event-stream', 'x-graphql-event-stream-token': stream } });
      expect(res.status).toBe(200);
      // Resolves only once the server ends the stream (the test times out otherwise).
      expect(await res.text()).toMatch(/^:\n\n/);
      const after = await fetch(t.url, { headers: { ...auth, accept: 'text/event-stream', 'x-graphql-event-stream-token': stream } });
      expect(after.status).toBe(401);
    });

    it('leaves other methods on /graphql to Yoga (PATCH is still 405)', async () => {
      const res = await fetch(t.url, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(405);
    });
  });

  describe('Relay node(id)', () => {
    const NODE = 'query($id: ID!) { node(id: $id) { __typename id ... on PaymentEvent { eventId } ... on Order { orderId } } }';
    const gql = async (query: string, variables: Record<string, unknown>, as = token) => (await post({ query, variables }, { authorization: `Bearer ${as}` })).json();

    it("reads one's own event and order by global id; another merchant's id is null like an unknown one", async () => {
      const input = eventInput();
      const ingested = await t.gql(IngestOne, { event: input }, { token });
      const globalId = ingested.data!.ingestPaymentEvent.event!.id;
      expect(Buffer.from(globalId, 'base64').toString()).toMatch(/^PaymentEvent:\d+$/);
      expect((await gql(NODE, { id: globalId })).data.node).toEqual({ __typename: 'PaymentEvent', id: globalId, eventId: input.eventId });
      expect(await gql(NODE, { id: globalId }, otherToken)).toEqual({ data: { node: null } });
      const unknown = Buffer.from('PaymentEvent:999999999').toString('base64');
      expect(await gql(NODE, { id: unknown }, otherToken)).toEqual({ data: { node: null } });

      const order = await gql('mutation { createOrder(input: { customerId: "c1", currency: "KES", items: [{ name: "Tea", quantity: 1, unitPriceMinor: "5000" }] }) { id orderId } }', {});
      const { id: orderGlobal, orderId } = order.data.createOrder;
      expect((await gql(NODE, { id: orderGlobal })).data.node).toEqual({ __typename: 'Order', id: orderGlobal, orderId });
      expect((await gql('query($id: ID!) { order(id: $id) { orderId } }', { id: orderGlobal })).data.order.orderId).toBe(orderId);
      expect(await gql(NODE, { id: orderGlobal }, otherToken)).toEqual({ data: { node: null } });
      const many = await gql('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: [globalId, orderGlobal, unknown] });
      expect(many.data.nodes).toEqual([{ id: globalId }, { id: orderGlobal }, null]);
    });

    it('refuses a malformed id with BAD_USER_INPUT and an anonymous caller with UNAUTHENTICATED', async () => {
      expect((await gql(NODE, { id: 'not a global id' })).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const anonymous = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: NODE, variables: { id: 'eA==' } }) });
      expect((await anonymous.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });
  });
});

await describeWith(['postgres', 'redis'], 'APQ across instances (Redis store)', () => {
  const pair = useTwoInstances();

  it('a document registered on one instance runs by hash alone on the other', async () => {
    const merchant = `m_apq_${id()}`;
    await pair.a.createMerchant(merchant);
    const token = await pair.a.merchantToken(merchant);
    const query = `query Shared${id()} { merchant { id } }`;
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
    const a = await pair.a.post({ query, extensions }, { token });
    expect(a.json).toEqual({ data: { merchant: { id: merchant } } });
    const b = await pair.b.post({ extensions }, { token });
    expect(b.json).toEqual({ data: { merchant: { id: merchant } } });
  });
});

describe('graphql-sse single connection at shutdown (embedded)', () => {
  let t: TestApp;
  // A stream left open would hold stop() for SHUTDOWN_TIMEOUT_MS, far beyond this test's timeout.
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { SHUTDOWN_TIMEOUT_MS: '600000' } });
  });

  it('ends a reserved stream when the server stops, so shutdown does not wait for the client', async () => {
    const merchant = `m_stop_${id()}`;
    await t.createMerchant(merchant);
    const auth = { authorization: `Bearer ${await t.merchantToken(merchant)}` };
    const stream = await (await fetch(t.url, { method: 'PUT', headers: auth })).text();
    const res = await fetch(t.url, { headers: { ...auth, accept: 'text/event-stream', 'x-graphql-event-stream-token': stream } });
    expect(res.status).toBe(200);
    const op = await fetch(t.url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'x-graphql-event-stream-token': stream }, body: JSON.stringify({ query: FEED, extensions: { operationId: 'live' } }) });
    expect(op.status).toBe(202);
    await waitUntil(() => t.pubsub.activeSubscriptions() > 0);
    const body = res.text();
    await t.stop();
    // The stream ended (with the server's shutdown), it was not cut by the shutdown timeout.
    expect(await body).toMatch(/^:\n\n/);
  });
});

describe('multipart subscriptions go through the same limits (embedded)', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '2', MAX_QUERY_DEPTH: '2' } });
    const merchant = `m_limits_${id()}`;
    await t.createMerchant(merchant);
    token = await t.merchantToken(merchant);
  });
  afterAll(() => t?.stop());

  const subscribe = (query: string) =>
    fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: APOLLO_ACCEPT, authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });

  it('refuses a document over MAX_QUERY_DEPTH with 400 QUERY_TOO_DEEP, and a subscription past the rate limit with 429 RATE_LIMITED', async () => {
    const tooDeep = await subscribe('subscription { paymentEvents { amount { currency } } }');
    expect(tooDeep.status).toBe(400);
    expect((await tooDeep.json()).errors[0].extensions.code).toBe('QUERY_TOO_DEEP');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await subscribe('subscription { paymentEvents { eventId } }');
      statuses.push(res.status);
      if (res.status === 429) expect((await res.json()).errors[0].extensions.code).toBe('RATE_LIMITED');
      else await res.body?.cancel();
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});
