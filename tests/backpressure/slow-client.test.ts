/**
 * A subscriber that stops reading its socket: its subscription ends with SLOW_CONSUMER (after the
 * bounded queue and socket buffer fill), the server stops sending to it, other subscribers get
 * everything, and resubscribing with `after` returns every event it missed.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { print } from 'graphql';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { sample } from '../support/metrics.js';
import { IngestMany, LiveEvents } from '../support/operations.js';
import { collect, waitUntil } from '../support/subscriptions.js';
import { newMerchant } from '../support/tenants.js';

const EVENTS = 2000;
const BATCH = 100;
// 8 KB of metadata per event: ~16 MB for the whole run, far more than the socket buffers hold.
const PADDING = 'x'.repeat(8 * 1024);

/** A bare graphql-transport-ws client whose socket can stop reading, as a stalled browser tab would. */
async function rawSubscriber(url: string, token: string, variables: Record<string, unknown>) {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  const messages: { type: string; id?: string; payload?: any }[] = [];
  let bytes = 0;
  ws.on('message', (data: Buffer) => {
    bytes += data.length;
    messages.push(JSON.parse(String(data)));
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await waitUntil(() => messages.some((m) => m.type === 'connection_ack'), 5000);
  ws.send(JSON.stringify({ id: 's1', type: 'subscribe', payload: { query: print(LiveEvents), variables } }));
  const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
  return { ws, messages, bytes: () => bytes, pause: () => socket.pause(), resume: () => socket.resume() };
}

// A real collection before each heap reading: the numbers are what is still reachable.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveHeap = async () => {
  for (let i = 0; i < 3; i += 1) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
};

describe('slow WebSocket subscriber', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { WS_MAX_BUFFERED_BYTES: '262144', SUBSCRIPTION_QUEUE_SIZE: '200', MAX_BODY_BYTES: '4194304', RATE_LIMIT_PER_MINUTE: '0' } });
  });
  afterAll(() => t?.stop());

  it('ends only the slow subscription with SLOW_CONSUMER and a resume cursor; nothing is lost after resubscribing', { timeout: 120_000 }, async () => {
    const m = await newMerchant(t);
    const fast = collect(t.wsClient({ authorization: `Bearer ${m.token}` }), LiveEvents, {});
    const slow = await rawSubscriber(t.wsUrl, m.token, {});
    // Both are live once the first event reaches the fast one; the slow one then stops reading.
    const ids: string[] = [];
    const ingest = async (count: number) => {
      const events = Array.from({ length: count }, () => eventInput({ metadata: { padding: PADDING } }));
      ids.push(...events.map((e) => e.eventId));
      const res = await t.gql(IngestMany, { events }, { token: m.token });
      expect(res.data?.ingestPaymentEvents.ingested).toBe(count);
    };
    await ingest(1);
    await fast.waitFor(1);
    await waitUntil(() => slow.messages.some((msg) => msg.type === 'next'), 5000);
    slow.pause();

    for (let sent = 1; sent < EVENTS; sent += BATCH) await ingest(Math.min(BATCH, EVENTS - sent));
    await fast.waitFor(EVENTS, 60_000);
    expect(fast.data().map((d) => d.paymentEvents.eventId)).toEqual(ids);
    // The slow subscriber's queue overflowed while it was not reading (SUBSCRIPTION_QUEUE_SIZE):
    // the server dropped its backlog instead of holding 16 MB for it.
    expect(await sample(t, 'paypulse_refusals_total{reason="SLOW_CONSUMER"}')).toBe(1);

    slow.resume();
    await waitUntil(() => slow.messages.some((msg) => msg.type === 'next' && msg.payload?.errors), 30_000);
    const nexts = slow.messages.filter((msg) => msg.type === 'next');
    const error = nexts.at(-1)!.payload.errors[0];
    expect(error.extensions.code).toBe('SLOW_CONSUMER');
    const delivered = nexts.filter((msg) => msg.payload.data).map((msg) => msg.payload.data.paymentEvents);
    // The server stopped sending long before the end: what reached the client is bounded by the
    // socket buffers, the queue and the buffered-bytes threshold, not by the 16 MB produced.
    expect(delivered.length).toBeLessThan(EVENTS / 2);
    expect(slow.bytes()).toBeLessThan(12 * 1024 * 1024);
    expect(error.extensions.after).toBe(delivered.at(-1).cursor);
    await waitUntil(() => slow.messages.some((msg) => msg.type === 'complete' && msg.id === 's1'), 5000);
    expect(slow.ws.readyState).toBe(WebSocket.OPEN);

    // Resubscribing after the last event processed returns exactly the rest.
    const resumed = collect(t.wsClient({ authorization: `Bearer ${m.token}` }), LiveEvents, { after: delivered.at(-1).cursor });
    await resumed.waitFor(EVENTS - delivered.length, 60_000);
    expect([...delivered.map((e: { eventId: string }) => e.eventId), ...resumed.data().map((d) => d.paymentEvents.eventId)]).toEqual(ids);
    slow.ws.close();
  });

  it('keeps server memory bounded while 16 MB streams past a subscriber that stopped reading', { timeout: 120_000 }, async () => {
    const m = await newMerchant(t);
    const ingestAll = async () => {
      for (let sent = 0; sent < EVENTS; sent += BATCH) {
        const res = await t.gql(IngestMany, { events: Array.from({ length: BATCH }, () => eventInput({ metadata: { padding: PADDING } })) }, { token: m.token });
        expect(res.data?.ingestPaymentEvents.ingested).toBe(BATCH);
      }
    };
    /** Live heap growth across one 16 MB ingest. */
    const growth = async () => {
      const before = await liveHeap();
      await ingestAll();
      return (await liveHeap()) - before;
    };
    await ingestAll(); // warm-up: caches, pools and JIT settle before anything is measured
    const withoutSubscriber = await growth();

    const slow = await rawSubscriber(t.wsUrl, m.token, {});
    const first = await t.gql(IngestMany, { events: [eventInput()] }, { token: m.token });
    expect(first.data?.ingestPaymentEvents.ingested).toBe(1);
    await waitUntil(() => slow.messages.some((msg) => msg.type === 'next'), 5000);
    slow.pause();
    const refusedBefore = await sample(t, 'paypulse_refusals_total{reason="SLOW_CONSUMER"}');
    const withStalledSubscriber = await growth();

    const nextStream = await growth();

    // 16 MB went to a reader that took none of it. Beyond what the same ingest costs without a
    // subscriber, the server held a few MB for it (its bounded queue of 200 × 8 KB, the socket's
    // write buffer), then ended it with SLOW_CONSUMER; the next 16 MB cost it nothing at all.
    // Holding the stream would be about 16 MB, and 16 MB more for the next.
    expect(await sample(t, 'paypulse_refusals_total{reason="SLOW_CONSUMER"}')).toBe(refusedBefore + 1);
    expect(withStalledSubscriber - withoutSubscriber).toBeLessThan(6 * 1024 * 1024);
    expect(nextStream - withoutSubscriber).toBeLessThan(1024 * 1024);
    slow.resume();
    slow.ws.close();
  });
});
