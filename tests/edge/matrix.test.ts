/**
 * The edge matrix: the same cases over every subscription transport — graphql-ws, SSE (graphql-sse
 * distinct and single connection modes) and Apollo's multipart HTTP — because every transport is
 * equal (SPEC §7): revocation and expiry end a stream with the same code (WebSockets close 4403
 * with the code as reason; SSE and multipart deliver a last error with that `extensions.code`),
 * revokeSessions refuses the old token on reconnect, the per-credential quota counts every
 * transport, a slow consumer ends with SLOW_CONSUMER and `after`, the gauge is labelled by
 * transport, and presence sees the stream.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, useTwoInstances, type Mode, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { sample } from '../support/metrics.js';
import { IngestMany, IngestOne, Me, RevokeApiKey } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';
import { newMerchant, type TestMerchant } from '../support/tenants.js';
import { APOLLO_ACCEPT, FEED, GAUGE_LABEL, openStream, TRANSPORT_NAMES, type Ending, type OpenStream, type TransportName } from './transports.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

/** Generous: a 2-core machine shared with other test runs. An end that never comes fails here. */
const END_MS = 20_000;
const MAX_SESSIONS = 2;

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms))),
  ]);
}

/** The end code as each transport carries it: the close reason of a 4403, or the last error's code. */
function expectEndedWith(ending: Ending, transport: TransportName, code: string) {
  if (transport === 'ws') {
    expect({ closeCode: ending.closeCode, closeReason: ending.closeReason }).toEqual({ closeCode: 4403, closeReason: code });
  } else {
    expect(ending.codes.at(-1)).toBe(code);
  }
}

/**
 * An HTTP refusal: its status and, where the client lets the body be read, its code (the
 * graphql-sse client aborts the response it refuses, so only its status reaches the test).
 */
const refusal = (transport: TransportName, status: number, code: string) => (transport === 'multipart' ? { status, codes: [code] } : { status });

function matrix(mode: Mode) {
  let t: TestApp;
  let adminToken: string;
  beforeAll(async () => {
    t = await startTestApp({
      mode,
      env: { MAX_SOCKETS_PER_CREDENTIAL: String(MAX_SESSIONS), WS_MAX_BUFFERED_BYTES: '262144', SUBSCRIPTION_QUEUE_SIZE: '100', MAX_BODY_BYTES: '4194304', RATE_LIMIT_PER_MINUTE: '0', MULTIPART_HEARTBEAT_MS: '60000' },
    });
    adminToken = await t.adminToken();
  });
  afterAll(() => t?.stop());

  const userToken = (m: TestMerchant, sub: string, expiresInSeconds?: number) =>
    t.token({ sub, role: 'merchant', merchantId: m.id, ...(expiresInSeconds ? { expiresInSeconds } : {}) });

  /** Ingests one event and waits until every stream has it: they are live. */
  async function live(m: TestMerchant, ...streams: OpenStream[]) {
    const input = eventInput();
    const res = await t.gql(IngestOne, { event: input }, { token: m.token });
    expect(res.errors).toBeUndefined();
    await waitUntil(() => streams.every((s) => s.eventIds().includes(input.eventId)), END_MS, () => `streams live (${streams.map((s) => s.transport)})`);
  }

  for (const transport of TRANSPORT_NAMES) {
    describe(transport, () => {
      it('ends the stream with API_KEY_REVOKED when its API key is revoked mid-stream', async () => {
        const m = await newMerchant(t);
        const { secret, apiKey } = await t.domain.apiKeys.create({ merchantId: m.id, name: `matrix-${transport}` });
        const stream = openStream(t, transport, { apiKey: secret });
        await live(m, stream);
        const revoked = await t.gql(RevokeApiKey, { id: apiKey.id }, { token: m.token });
        expect(revoked.errors).toBeUndefined();
        expectEndedWith(await within(stream.ended, END_MS, 'end after revokeApiKey'), transport, 'API_KEY_REVOKED');
        stream.stop();
      });

      it('ends the stream with TOKEN_EXPIRED when its token expires mid-stream', async () => {
        const m = await newMerchant(t);
        // A short-lived token: the end is awaited as an event (no sleep), bounded by END_MS.
        const stream = openStream(t, transport, { token: await userToken(m, `user-exp-${randomUUID().slice(0, 8)}`, 5) });
        await live(m, stream);
        expectEndedWith(await within(stream.ended, END_MS, 'end at token expiry'), transport, 'TOKEN_EXPIRED');
        stream.stop();
      });

      it('ends the stream with SESSIONS_REVOKED on revokeSessions, and refuses the same token afterwards', async () => {
        const m = await newMerchant(t);
        const user = `user-rev-${randomUUID().slice(0, 8)}`;
        const token = await userToken(m, user);
        const stream = openStream(t, transport, { token });
        await live(m, stream);
        const revoked = await t.post({ query: 'mutation Revoke($u: ID!) { revokeSessions(userId: $u) }', variables: { u: user } }, { token: adminToken });
        expect(revoked.json.errors).toBeUndefined();
        expectEndedWith(await within(stream.ended, END_MS, 'end after revokeSessions'), transport, 'SESSIONS_REVOKED');
        stream.stop();

        const again = openStream(t, transport, { token });
        const refused = await within(again.ended, END_MS, 'reconnect refused');
        again.stop();
        if (transport === 'ws') expect(refused.closeCode).toBe(4403);
        else expect(refused).toMatchObject(refusal(transport, 401, 'UNAUTHENTICATED'));
        expect(again.eventIds()).toEqual([]);
        // And plain HTTP: the old token is refused for queries too.
        const me = await t.gql(Me, undefined, { token });
        expect(me.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      });

      it(`refuses a credential's stream over MAX_SOCKETS_PER_CREDENTIAL (${MAX_SESSIONS})`, async () => {
        const m = await newMerchant(t);
        const token = await userToken(m, `user-quota-${randomUUID().slice(0, 8)}`);
        const held = Array.from({ length: MAX_SESSIONS }, () => openStream(t, transport, { token }));
        await live(m, ...held);
        const extra = openStream(t, transport, { token });
        const refused = await within(extra.ended, END_MS, 'refusal over the quota');
        extra.stop();
        if (transport === 'ws') expect(refused.closeCode).toBe(4430);
        else expect(refused).toMatchObject(refusal(transport, 429, 'TOO_MANY_STREAMS'));
        for (const s of held) s.stop();
      });

      it(`counts the stream in paypulse_subscriptions_active{transport="${GAUGE_LABEL[transport]}"} and in presence while it is open`, async () => {
        const m = await newMerchant(t);
        const user = `user-gauge-${randomUUID().slice(0, 8)}`;
        const series = `paypulse_subscriptions_active{transport="${GAUGE_LABEL[transport]}"}`;
        // Every earlier test stopped its streams; their ends are counted asynchronously, so wait for them.
        await waitUntil(async () => (await sample(t, series)) === 0, END_MS, () => `${series} settled at 0`);
        const before = 0;
        const stream = openStream(t, transport, { token: await userToken(m, user) });
        await live(m, stream);
        await waitUntil(async () => (await sample(t, series)) === before + 1, END_MS, () => `${series} = ${before + 1}`);
        const status = async () => (await t.domain.presence.statuses([user]))[0]!.status;
        await waitUntil(async () => (await status()) === 'ONLINE', END_MS, () => 'presence ONLINE');
        stream.stop();
        await waitUntil(async () => (await sample(t, series)) === before, END_MS, () => `${series} back to ${before}`);
        await waitUntil(async () => (await status()) === 'OFFLINE', END_MS, () => 'presence OFFLINE');
      });
    });
  }

  it('counts one credential’s places across transports: a ws socket and an SSE stream leave no room for multipart or single-connection SSE', async () => {
    const m = await newMerchant(t);
    const token = await userToken(m, `user-mixed-${randomUUID().slice(0, 8)}`);
    const ws = openStream(t, 'ws', { token });
    const sse = openStream(t, 'sse', { token });
    await live(m, ws, sse);
    const multipart = openStream(t, 'multipart', { token });
    expect(await within(multipart.ended, END_MS, 'multipart refused')).toMatchObject({ status: 429, codes: ['TOO_MANY_STREAMS'] });
    const single = openStream(t, 'sse-single', { token });
    expect(await within(single.ended, END_MS, 'single-connection refused')).toMatchObject(refusal('sse-single', 429, 'TOO_MANY_STREAMS'));
    for (const s of [ws, sse, multipart, single]) s.stop();
  });

  describe('slow consumer', () => {
    // 8 KB of metadata per event: far more than socket buffers hold once the client stops reading.
    const PADDING = 'x'.repeat(8 * 1024);
    // The padding is selected, so every message the client does not read is ~8 KB on the wire.
    // From the start of the (fresh) merchant's feed, so the first event is delivered however late the subscription starts.
    const SLOW_FEED = 'subscription { paymentEvents(after: "0") { cursor eventId metadata } }';

    /** A subscriber whose transport can stop reading, as a stalled browser tab would. */
    async function pausable(transport: TransportName, token: string) {
      const payloads: any[] = [];
      if (transport === 'ws') {
        const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
        let closed = false;
        ws.on('message', (data: Buffer) => {
          const message = JSON.parse(String(data));
          if (message.type === 'next') payloads.push(message.payload);
          if (message.type === 'complete') closed = true;
        });
        await new Promise((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        });
        let acked = false;
        ws.on('message', (data: Buffer) => void (JSON.parse(String(data)).type === 'connection_ack' && (acked = true)));
        ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
        await waitUntil(() => acked, END_MS);
        ws.send(JSON.stringify({ id: 's1', type: 'subscribe', payload: { query: SLOW_FEED, variables: {} } }));
        const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
        return { payloads, pause: () => socket.pause(), resume: () => socket.resume(), ended: () => closed, stop: () => ws.close() };
      }
      const abort = new AbortController();
      const auth = { authorization: `Bearer ${token}` };
      let res: Response;
      if (transport === 'sse-single') {
        // graphql-sse's single connection protocol by hand: reserve, open the stream, start the operation.
        const put = await fetch(t.url, { method: 'PUT', headers: auth });
        expect(put.status).toBe(201);
        const stream = { 'x-graphql-event-stream-token': await put.text() };
        res = await fetch(t.url, { headers: { ...auth, ...stream, accept: 'text/event-stream' }, signal: abort.signal });
        const op = await fetch(t.url, { method: 'POST', headers: { ...auth, ...stream, 'content-type': 'application/json' }, body: JSON.stringify({ query: SLOW_FEED, extensions: { operationId: 'op1' } }) });
        expect(op.status).toBe(202);
      } else {
        const accept = transport === 'sse' ? 'text/event-stream' : APOLLO_ACCEPT;
        res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', accept, ...auth }, body: JSON.stringify({ query: SLOW_FEED }), signal: abort.signal });
      }
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let paused = false;
      let closed = false;
      let buffer = '';
      let wake: (() => void) | undefined;
      const sse = transport !== 'multipart';
      const separator = sse ? '\n\n' : '\r\n--graphql';
      void (async () => {
        try {
          for (;;) {
            while (paused) await new Promise<void>((r) => (wake = r));
            const { value, done } = await reader.read();
            if (done) break;
            buffer += decoder.decode(value, { stream: true });
            const pieces = buffer.split(separator);
            buffer = pieces.pop()!;
            for (const piece of pieces) {
              if (sse) {
                const data = piece.split('\n').find((l) => l.startsWith('data: '));
                // Single connection mode wraps each result as { id, payload }.
                if (piece.includes('event: next') && data) payloads.push(transport === 'sse-single' ? JSON.parse(data.slice(6)).payload : JSON.parse(data.slice(6)));
              } else {
                const body = piece.split('\r\n\r\n')[1]?.trim();
                const part = body ? JSON.parse(body) : undefined;
                if (part?.payload) payloads.push(part.payload);
                else if (part?.payload === null) payloads.push({ errors: part.errors });
              }
            }
          }
        } catch {
          // aborted
        }
        closed = true;
      })();
      return {
        payloads,
        pause: () => void (paused = true),
        resume: () => {
          paused = false;
          wake?.();
        },
        ended: () => closed,
        stop: () => abort.abort(),
      };
    }

    for (const transport of TRANSPORT_NAMES) {
      it(`${transport}: a subscriber that stops reading ends with SLOW_CONSUMER and the \`after\` of the last event it was handed`, async () => {
        const m = await newMerchant(t);
        const sub = await pausable(transport, m.token);
        await live(m, { transport, results: sub.payloads, eventIds: () => sub.payloads.flatMap((p) => (p.data ? [p.data.paymentEvents.eventId] : [])) } as unknown as OpenStream);
        sub.pause();
        const refusals = () => sample(t, 'paypulse_refusals_total{reason="SLOW_CONSUMER"}');
        const before = await refusals();
        // Ingest until the server gives up on the subscriber (counted when it does), or 4000 events.
        for (let sent = 0; sent < 4000 && (await refusals()) === before; sent += 100) {
          const res = await t.gql(IngestMany, { events: Array.from({ length: 100 }, () => eventInput({ metadata: { padding: PADDING } })) }, { token: m.token });
          expect(res.data?.ingestPaymentEvents.ingested).toBe(100);
        }
        expect(await refusals()).toBeGreaterThan(before);
        sub.resume();
        await waitUntil(() => sub.payloads.some((p) => p.errors), 60_000, () => 'the SLOW_CONSUMER payload');
        const last = sub.payloads.at(-1);
        expect(last.errors[0].extensions.code).toBe('SLOW_CONSUMER');
        const cursors = sub.payloads.filter((p) => p.data).map((p) => p.data.paymentEvents.cursor);
        expect(last.errors[0].extensions.after).toBe(cursors.at(-1));
        sub.stop();
      });
    }
  });
}

describe('edge matrix (embedded: memory pubsub, quota and not-before)', () => matrix('embedded'));

await describeWith(['postgres', 'redis'], 'edge matrix (services: Redis pubsub, quota and not-before)', () => matrix('services'));

await describeWith(['postgres', 'redis'], 'edge matrix across two instances', () => {
  const two = useTwoInstances({ RATE_LIMIT_PER_MINUTE: '0' });
  const userToken = (t: TestApp, m: TestMerchant, sub: string) => t.token({ sub, role: 'merchant', merchantId: m.id });

  for (const transport of TRANSPORT_NAMES) {
    describe(transport, () => {
      it('revokeSessions on one instance ends the stream on the other with SESSIONS_REVOKED, and the other refuses the old token', async () => {
        const { a, b } = two;
        const m = await newMerchant(a);
        const user = `user-cluster-${randomUUID().slice(0, 8)}`;
        const token = await userToken(a, m, user);
        const stream = openStream(b, transport, { token });
        const input = eventInput();
        await a.gql(IngestOne, { event: input }, { token: m.token });
        await waitUntil(() => stream.eventIds().includes(input.eventId), END_MS, () => 'live on b');
        const revoked = await a.post({ query: 'mutation Revoke($u: ID!) { revokeSessions(userId: $u) }', variables: { u: user } }, { token: await a.adminToken() });
        expect(revoked.json.errors).toBeUndefined();
        expectEndedWith(await within(stream.ended, END_MS, 'end on b after revokeSessions on a'), transport, 'SESSIONS_REVOKED');
        stream.stop();
        const again = openStream(b, transport, { token });
        const refused = await within(again.ended, END_MS, 'reconnect on b refused');
        again.stop();
        if (transport === 'ws') expect(refused.closeCode).toBe(4403);
        else expect(refused).toMatchObject(refusal(transport, 401, 'UNAUTHENTICATED'));
      });

      it('revokeApiKey on one instance ends the key\'s stream on the other with API_KEY_REVOKED', async () => {
        const { a, b } = two;
        const m = await newMerchant(a);
        const { secret, apiKey } = await a.domain.apiKeys.create({ merchantId: m.id, name: `cluster-${transport}` });
        const stream = openStream(b, transport, { apiKey: secret });
        const input = eventInput();
        await a.gql(IngestOne, { event: input }, { token: m.token });
        await waitUntil(() => stream.eventIds().includes(input.eventId), END_MS, () => 'live on b');
        expect((await a.gql(RevokeApiKey, { id: apiKey.id }, { token: m.token })).errors).toBeUndefined();
        expectEndedWith(await within(stream.ended, END_MS, 'end on b after revokeApiKey on a'), transport, 'API_KEY_REVOKED');
        stream.stop();
      });
    });
  }
});
