/**
 * Abuse corpus, graphql-ws: random frames after connection_ack, hostile connection_init
 * payloads, and random or mutated documents and variables in `subscribe`. A protocol violation
 * closes that socket with a graphql-ws close code (4400, 4403, 4409, 1009 …); a bad operation gets
 * an `error` or a `next` whose errors all carry a code; the socket (or the next one) keeps working.
 */
import fc from 'fast-check';
import { print } from 'graphql';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { IngestOne, LiveEvents, Me } from '../support/operations.js';
import { newMerchant, type TestMerchant } from '../support/tenants.js';
import { hostileString } from './arbitraries.js';
import { sample } from '../support/metrics.js';
import { waitUntil } from '../support/subscriptions.js';
import { createTally, expectAlive, expectCodedErrors, FC, rowCounts } from './support.js';

vi.setConfig({ testTimeout: 120_000 });

const RUNS = { frames: 40, init: 25, documents: 50, variables: 30 } as const;

interface RawSocket {
  ws: WebSocket;
  messages: any[];
  closed: Promise<number>;
}

/** A raw graphql-transport-ws socket, acknowledged (or closed) for `payload`. */
async function connect(url: string, payload: unknown): Promise<RawSocket & { acked: boolean }> {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  const messages: any[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const acked = await new Promise<boolean>((resolve) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload })));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      messages.push(msg);
      if (msg.type === 'connection_ack') resolve(true);
    });
    void closed.then(() => resolve(false));
  });
  return { ws, messages, closed, acked };
}

/** Waits for the server's last word on operation `id`: error, complete, or the socket closing. */
async function outcome(s: RawSocket, id: string, timeoutMs = 5_000): Promise<{ messages: any[]; closedWith?: number }> {
  let closedWith: number | undefined;
  void s.closed.then((c) => (closedWith = c));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const mine = s.messages.filter((m) => m.id === id);
    if (mine.some((m) => m.type === 'error' || m.type === 'complete') || closedWith !== undefined) return { messages: mine, closedWith };
    await new Promise((r) => setTimeout(r, 5));
  }
  return { messages: s.messages.filter((m) => m.id === id), closedWith };
}

describe('abuse: graphql-ws', () => {
  let t: TestApp;
  let m: TestMerchant;
  const tally = createTally('websocket');
  const auth = () => ({ authorization: `Bearer ${m.token}` });
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { RATE_LIMIT_PER_MINUTE: '0', MAX_SOCKETS_PER_CREDENTIAL: '1000' } });
    m = await newMerchant(t);
  });
  afterAll(async () => {
    tally.print();
    await t?.stop();
  });

  it('random frames after connection_ack: a protocol close code or a coded error, never a crash', async () => {
    const frame = fc.oneof(
      hostileString,
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      fc.record({ type: fc.constantFrom('subscribe', 'complete', 'ping', 'pong', 'connection_init', 'next', 'error', 'nope', ''), id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), payload: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: ['type'] }).map((v) => JSON.stringify(v)),
      fc.record({ type: fc.constant('subscribe'), id: fc.string({ minLength: 1, maxLength: 8 }), payload: fc.record({ query: fc.jsonValue({ maxDepth: 1 }), variables: fc.jsonValue({ maxDepth: 1 }), operationName: fc.jsonValue({ maxDepth: 1 }), extensions: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }) }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 4 }), async (frames) => {
        tally.hit('frames');
        const s = await connect(t.wsUrl, auth());
        expect(s.acked).toBe(true);
        for (const f of frames) s.ws.send(f);
        // A ping we send last answers with pong if the socket survived the frames.
        s.ws.send(JSON.stringify({ type: 'ping' }));
        // Either outcome is definite: the socket closes, or it survived and answers the ping.
        // (No fixed wait: on a loaded machine a large frame can take longer than any guess.)
        let code: number | undefined;
        void s.closed.then((c) => (code = c));
        await waitUntil(() => code !== undefined || s.messages.some((msg) => msg.type === 'pong'), 20_000, () => `neither closed nor answered the ping after ${frames.join(' | ').slice(0, 200)}`);
        if (code !== undefined) expect([4400, 4409, 4429, 4403, 1003, 1007, 1009], `closed with ${code} after ${frames.join(' | ').slice(0, 200)}`).toContain(code);
        else expect(s.messages.some((msg) => msg.type === 'pong')).toBe(true);
        for (const msg of s.messages) if (msg.type === 'error') expectCodedErrors(msg.payload, `frames ${frames.join(' | ').slice(0, 200)}`);
        s.ws.close();
      }),
      FC(RUNS.frames),
    );
  });

  it('hostile connection_init payloads: 4403 (or 4400 for a malformed message), nothing else', async () => {
    const payload = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.record({ authorization: fc.oneof(hostileString, fc.jsonValue({ maxDepth: 1 }), hostileString.map((s) => `Bearer ${s}`)) }),
      fc.record({ 'x-api-key': fc.oneof(hostileString, fc.jsonValue({ maxDepth: 1 }), hostileString.map((s) => `ppk_${s}_${s}`)) }),
    );
    await fc.assert(
      fc.asyncProperty(payload, async (p) => {
        tally.hit('init');
        const s = await connect(t.wsUrl, p);
        expect(s.acked, JSON.stringify(p).slice(0, 200)).toBe(false);
        expect([4403, 4400]).toContain(await s.closed);
      }),
      FC(RUNS.init),
    );
  });

  it('random and mutated documents in subscribe: each refused with coded errors, the socket stays open', async () => {
    const s = await connect(t.wsUrl, auth());
    const valid = [print(LiveEvents), print(Me), print(IngestOne)];
    const doc = fc.oneof(
      fc.array(fc.oneof(fc.constantFrom('subscription', 'query', '{', '}', 'paymentEvents', 'me', 'subject', '...', 'fragment', 'on', '(', ')', '$x', ':', 'nope', '"\\u0000"', '\ud800', '#'), hostileString.map((x) => x.slice(0, 10))), { minLength: 1, maxLength: 40 }).map((ts) => ts.join(' ')),
      fc.tuple(fc.constantFrom(...valid), fc.integer({ min: 0, max: 400 }), fc.constantFrom('', '{', '}', '\u0000', '$', '!!', 'nope ')).map(([d, at, text]) => d.slice(0, at % d.length) + text + d.slice((at % d.length) + 1)),
      fc.integer({ min: 20, max: 2500 }).map((n) => `subscription { paymentEvents(filter: { providers: ${'['.repeat(n)}"x"${']'.repeat(n)} }) { eventId } }`),
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(doc, async (query) => {
        tally.hit('documents');
        const id = `d${n++}`;
        s.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
        const { messages, closedWith } = await outcome(s, id);
        expect(closedWith, `socket closed by ${query.slice(0, 100)}`).toBeUndefined();
        for (const msg of messages) {
          if (msg.type === 'error') expectCodedErrors(msg.payload, `ws document ${query.slice(0, 200)}`);
          if (msg.type === 'next') expectCodedErrors(msg.payload.errors, `ws document ${query.slice(0, 200)}`);
        }
        // A live subscription that happened to be valid is ended by us.
        if (!messages.some((msg) => msg.type === 'error' || msg.type === 'complete')) s.ws.send(JSON.stringify({ id, type: 'complete' }));
      }),
      FC(RUNS.documents),
    );
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
    s.ws.close();
  });

  it('variables of the wrong type in subscribe: coded errors, nothing written', async () => {
    const s = await connect(t.wsUrl, auth());
    const vars = fc.oneof(fc.dictionary(fc.constantFrom('filter', 'after', 'event'), fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileString)), fc.jsonValue({ maxDepth: 1 }));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(print(LiveEvents), print(IngestOne)), vars, async (query, variables) => {
        tally.hit('variables');
        const before = await rowCounts(t);
        const id = `v${n++}`;
        s.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
        const { messages, closedWith } = await outcome(s, id, 1_000);
        // graphql-ws closes with 4400 when `variables` is not an object: a protocol violation.
        if (closedWith !== undefined) {
          expect(closedWith).toBe(4400);
          expect(variables === null || typeof variables !== 'object' || Array.isArray(variables)).toBe(true);
          return;
        }
        for (const msg of messages) {
          if (msg.type === 'error') expectCodedErrors(msg.payload, `ws variables ${JSON.stringify(variables).slice(0, 200)}`);
          if (msg.type === 'next') expectCodedErrors(msg.payload.errors, `ws variables ${JSON.stringify(variables).slice(0, 200)}`);
        }
        if (!messages.some((msg) => msg.type === 'error' || msg.type === 'complete')) s.ws.send(JSON.stringify({ id, type: 'complete' }));
        expect(await rowCounts(t)).toEqual(before);
      }).beforeEach(async () => {
        // A previous case may have closed the socket (4400): start the next one on a fresh socket.
        if (s.ws.readyState !== WebSocket.OPEN) Object.assign(s, await connect(t.wsUrl, auth()));
      }),
      FC(RUNS.variables),
    );
    s.ws.close();
  });

  it('counts protocol closes as refusals: 4400 for a malformed frame, 4409 for a reused id, 1009 for an oversized frame', async () => {
    const reasons = ['BAD_REQUEST', 'SUBSCRIBER_ALREADY_EXISTS', 'PAYLOAD_TOO_LARGE'];
    const before = await Promise.all(reasons.map((r) => sample(t, `paypulse_refusals_total{reason="${r}"}`)));
    const bad = await connect(t.wsUrl, auth());
    bad.ws.send('{not json');
    expect(await bad.closed).toBe(4400);
    const twice = await connect(t.wsUrl, auth());
    const subscribe = JSON.stringify({ id: 'same', type: 'subscribe', payload: { query: print(LiveEvents) } });
    twice.ws.send(subscribe);
    twice.ws.send(subscribe);
    expect(await twice.closed).toBe(4409);
    const big = await connect(t.wsUrl, auth());
    big.ws.send(JSON.stringify({ id: 'x', type: 'subscribe', payload: { query: `{ __typename } #${'x'.repeat(t.config.limits.maxBodyBytes)}` } }));
    expect(await big.closed).toBe(1009);
    await waitUntil(async () => (await sample(t, 'paypulse_refusals_total{reason="PAYLOAD_TOO_LARGE"}')) === before[2]! + 1, 5_000, () => 'counted');
    const after = await Promise.all(reasons.map((r) => sample(t, `paypulse_refusals_total{reason="${r}"}`)));
    expect(after).toEqual(before.map((n) => n + 1));
  });

  it(`ran ${Object.values(RUNS).reduce((a, b) => a + b, 0)} cases and the server still answers`, async () => {
    for (const [category, runs] of Object.entries(RUNS)) expect(tally.get(category), category).toBe(runs);
    await expectAlive(t, m.token);
    const s = await connect(t.wsUrl, auth());
    expect(s.acked).toBe(true);
    s.ws.close();
  });
});
