/** Drain: /readyz turns 503 before any socket closes, sockets close with 1001 in staggered batches, an in-flight ingest finishes. */
import { expect, it } from 'vitest';
import { closeInBatches } from '../../src/server/drain.js';
import { startTestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne } from '../support/operations.js';
import { nextClose } from '../support/subscriptions.js';
import { newMerchant } from '../support/tenants.js';

it('closes sockets in batches with a pause between', async () => {
  const closedAt: number[] = [];
  const sockets = Array.from({ length: 7 }, () => ({ close: (code: number) => void (code === 1001 && closedAt.push(Date.now())) }));
  const started = Date.now();
  expect(await closeInBatches(sockets, { batchSize: 3, intervalMs: 100 })).toBe(7);
  expect(closedAt).toHaveLength(7);
  const batches = closedAt.map((t) => Math.round((t - started) / 100));
  expect(batches).toEqual([0, 0, 0, 1, 1, 1, 2]);
});

it('turns /readyz 503 first, then closes sockets 1001 in staggered batches, and lets an in-flight ingest finish', async () => {
  const t = await startTestApp({ mode: 'embedded', env: { DRAIN_DELAY_MS: '400', DRAIN_BATCH_SIZE: '2', DRAIN_BATCH_INTERVAL_MS: '150' } });
  const m = await newMerchant(t);
  const clients = await Promise.all(
    Array.from({ length: 5 }, async () => {
      const client = t.wsClient({ authorization: `Bearer ${m.token}` }, { lazy: false, onNonLazyError: () => {} });
      await new Promise<void>((resolve) => client.on('connected', () => resolve()));
      return client;
    }),
  );
  const closes = clients.map((c) => nextClose(c).then((code) => ({ code, at: Date.now() })));
  const inFlight = t.gql(IngestOne, { event: eventInput() }, { token: m.token });
  const stopping = t.app.stop();
  const stopAt = Date.now();
  const ready = await fetch(new URL('/readyz', t.url));
  expect(ready.status).toBe(503);
  const readyAt = Date.now();
  expect((await inFlight).data?.ingestPaymentEvent.status).toBe('INGESTED');
  const closed = await Promise.all(closes);
  await stopping;
  expect(closed.every((c) => c.code === 1001)).toBe(true);
  const times = closed.map((c) => c.at).sort((a, b) => a - b);
  expect(times[0]!).toBeGreaterThanOrEqual(readyAt);
  expect(times[0]! - stopAt).toBeGreaterThanOrEqual(350);
  // Five sockets in batches of two: the last batch closes two intervals after the first.
  expect(times[4]! - times[0]!).toBeGreaterThanOrEqual(250);
  await Promise.all(clients.map((c) => c.dispose()));
});
