/**
 * Drain: /readyz turns 503 before any socket closes, sockets close with 1001 in staggered batches,
 * an in-flight ingest finishes. Proved by order and counts (fake timers for the batching itself,
 * pauses of seconds between phases in the app), never by measuring how long something took.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { closeInBatches } from '../../src/server/drain.js';
import { startTestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne } from '../support/operations.js';
import { nextClose, waitUntil } from '../support/subscriptions.js';
import { newMerchant } from '../support/tenants.js';

afterEach(() => {
  vi.useRealTimers();
});

it('closes sockets in batches with a pause between', async () => {
  vi.useFakeTimers();
  const closed: number[] = [];
  const sockets = Array.from({ length: 7 }, (_, i) => ({ close: (code: number) => void (code === 1001 && closed.push(i)) }));
  let total: number | undefined;
  void closeInBatches(sockets, { batchSize: 3, intervalMs: 100 }).then((n) => (total = n));
  // The first batch at once, each next one only after a full interval.
  await vi.advanceTimersByTimeAsync(0);
  expect(closed).toEqual([0, 1, 2]);
  await vi.advanceTimersByTimeAsync(99);
  expect(closed).toHaveLength(3);
  await vi.advanceTimersByTimeAsync(1);
  expect(closed).toEqual([0, 1, 2, 3, 4, 5]);
  await vi.advanceTimersByTimeAsync(99);
  expect(closed).toHaveLength(6);
  expect(total).toBeUndefined();
  await vi.advanceTimersByTimeAsync(1);
  expect(closed).toEqual([0, 1, 2, 3, 4, 5, 6]);
  expect(total).toBe(7);
});

it('turns /readyz 503 first, then closes sockets 1001 in staggered batches, and lets an in-flight ingest finish', async () => {
  // Seconds between the phases, so each count below is read well inside its phase however busy the machine.
  const t = await startTestApp({ mode: 'embedded', env: { DRAIN_DELAY_MS: '3000', DRAIN_BATCH_SIZE: '2', DRAIN_BATCH_INTERVAL_MS: '3000' } });
  const m = await newMerchant(t);
  const clients = await Promise.all(
    Array.from({ length: 5 }, async () => {
      const client = t.wsClient({ authorization: `Bearer ${m.token}` }, { lazy: false, onNonLazyError: () => {} });
      await new Promise<void>((resolve) => client.on('connected', () => resolve()));
      return client;
    }),
  );
  const codes: number[] = [];
  for (const c of clients) void nextClose(c).then((code) => codes.push(code));
  const inFlight = t.gql(IngestOne, { event: eventInput() }, { token: m.token });
  const stopping = t.app.stop();

  const ready = await fetch(new URL('/readyz', t.url));
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ checks: { started: false } });
  // Readiness said 503 while every socket was still open.
  expect(codes).toEqual([]);
  expect((await inFlight).data?.ingestPaymentEvent.status).toBe('INGESTED');

  // Five sockets in batches of two: 2, then 4, then 5 closed, each count holding until the next pause ends.
  for (const expected of [2, 4, 5]) {
    await waitUntil(() => codes.length >= expected, 30_000, () => `${expected} sockets closed, got ${codes.length}`);
    expect(codes).toHaveLength(expected);
  }
  await stopping;
  expect(codes).toEqual([1001, 1001, 1001, 1001, 1001]);
  await Promise.all(clients.map((c) => c.dispose()));
}, 180_000);
