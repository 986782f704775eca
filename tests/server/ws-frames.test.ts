/**
 * The graphql-ws socket adapter (src/server/ws-adapter.ts): the members of a cohort on one socket
 * get frames with their own ids around one payload serialised once per event, and the frames are
 * exactly what graphql-ws would send.
 */
import { print } from 'graphql';
import net from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestMany, IngestOne, LiveEvents } from '../support/operations.js';
import { waitUntil } from '../support/subscriptions.js';
import { newMerchant } from '../support/tenants.js';

const IDS = ['a', 'b', 'c', 'd'];

describe('graphql-ws frames of a cohort', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { RATE_LIMIT_PER_MINUTE: '0' } });
  });
  afterAll(() => t?.stop());

  it('serialises each event once for every subscription on a socket, each frame with its own id', async () => {
    const { m, ws, frames } = await subscribedSocket(t);

    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      const event = eventInput();
      expect((await t.gql(IngestOne, { event }, { token: m.token })).errors).toBeUndefined();
      await waitUntil(() => frames.filter((f) => f.includes(event.eventId)).length === IDS.length, 10_000, () => 'every subscription got the event');
      // The subscription's result (alone, or inside a graphql-ws message) was serialised once.
      const serialisations = stringify.mock.calls.filter(([value]) => isFeedResult(value) && containsEvent(value, event.eventId));
      expect(serialisations).toHaveLength(1);
    } finally {
      stringify.mockRestore();
    }
    const nexts = frames.filter((f) => f.includes('"type":"next"'));
    const payloads = nexts.map((f) => JSON.parse(f) as { id: string; type: string; payload: unknown });
    expect(payloads.map((p) => p.id).sort()).toEqual(IDS);
    // Byte for byte what graphql-ws writes: {"id","type","payload"} in that order.
    for (const p of payloads) expect(nexts[payloads.indexOf(p)]).toBe(JSON.stringify({ id: p.id, type: 'next', payload: p.payload }));
    ws.close();
  });
});

describe('graphql-ws writes of a cohort', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { RATE_LIMIT_PER_MINUTE: '0' } });
  });
  afterAll(() => t?.stop());

  it('writes one event’s frames for every subscription on a socket in one write', async () => {
    const { m, ws, frames } = await subscribedSocket(t);

    const writes = countWrites(ws);
    try {
      for (let round = 0; round < 3; round++) {
        const event = eventInput();
        const before = writes.chunks.length;
        expect((await t.gql(IngestOne, { event }, { token: m.token })).errors).toBeUndefined();
        await waitUntil(() => frames.filter((f) => f.includes(event.eventId)).length === IDS.length, 10_000, () => 'every subscription got the event');
        // Four frames (each a header and a payload chunk), one write.
        expect(writes.chunks.slice(before)).toEqual([2 * IDS.length]);
      }
    } finally {
      writes.restore();
    }
    ws.close();
  });

  it('writes the frames of events that arrive together in one write, not one write per event', async () => {
    const { m, ws, frames } = await subscribedSocket(t);
    const writes = countWrites(ws);
    try {
      // One ingest of five events publishes them together.
      const events = Array.from({ length: 5 }, () => eventInput());
      expect((await t.gql(IngestMany, { events }, { token: m.token })).errors).toBeUndefined();
      await waitUntil(() => events.every((e) => frames.filter((f) => f.includes(e.eventId)).length === IDS.length), 10_000, () => 'every subscription got every event');
      // 5 events × 4 subscriptions = 20 frames, each a header and a payload chunk, in one write.
      expect(writes.chunks).toEqual([2 * IDS.length * events.length]);
    } finally {
      writes.restore();
    }
    ws.close();
  });
});

/** Counts the server's writes to the client socket `ws` (the chunks in each). */
function countWrites(ws: WebSocket) {
  // The server's end of this connection is the socket whose peer is the client's local port.
  const clientPort = (ws as unknown as { _socket: net.Socket })._socket.localPort;
  const chunks: number[] = [];
  const proto = net.Socket.prototype as unknown as { _writeGeneric: (...args: unknown[]) => unknown };
  const writeGeneric = proto._writeGeneric;
  const spy = vi.spyOn(proto, '_writeGeneric').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    if (this.remotePort === clientPort) chunks.push(Array.isArray(args[1]) ? args[1].length : 1);
    return writeGeneric.apply(this, args);
  });
  return { chunks, restore: () => spy.mockRestore() };
}

/** A new merchant's socket (the app's only one) with the same live subscription under each of IDS, and the frames it receives. */
async function subscribedSocket(t: TestApp) {
    const m = await newMerchant(t);
    const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    const frames: string[] = [];
    ws.on('message', (data: Buffer) => frames.push(String(data)));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${m.token}` } }));
    await waitUntil(() => frames.some((f) => JSON.parse(f).type === 'connection_ack'), 5000);
    for (const id of IDS) ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query: print(LiveEvents), variables: {} } }));
    await waitUntil(() => t.app.infra.metrics.subscriptions.get().then((g) => g.values.some((v) => v.labels.transport === 'ws' && v.value === IDS.length)), 10_000, () => 'subscribed');
  return { m, ws, frames };
}

/** A `paymentEvents` result, or a graphql-ws message carrying one. */
function isFeedResult(value: unknown): boolean {
  const v = value as { data?: { paymentEvents?: unknown }; payload?: { data?: { paymentEvents?: unknown } } } | null;
  return typeof v === 'object' && v !== null && (v.data?.paymentEvents !== undefined || v.payload?.data?.paymentEvents !== undefined);
}

/** Whether a value holds the event (as a result, or a message around one), without serialising it. */
function containsEvent(value: unknown, eventId: string): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === eventId) return true;
    if (next && typeof next === 'object') pending.push(...Object.values(next));
  }
  return false;
}
