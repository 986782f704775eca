/** MAX_SOCKETS_PER_CREDENTIAL holds across instances sharing Redis; a dead instance's places free after the heartbeat TTL. */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { beforeAll, expect, it } from 'vitest';
import { createRedisSocketQuota } from '../../src/server/limits/socket-quota.js';
import { useTwoInstances, type TestApp } from '../support/app.js';
import { sample } from '../support/metrics.js';
import { describeWith, REDIS_URL } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';
import { newMerchant } from '../support/tenants.js';

/** A raw graphql-transport-ws socket: resolves once acked, or with the close code when refused. */
function open(url: string, payload: Record<string, string>): Promise<{ ws: WebSocket; acked: boolean; code?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'graphql-transport-ws');
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload })));
    ws.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve({ ws, acked: true });
    });
    ws.on('close', (code) => resolve({ ws, acked: false, code }));
  });
}

await describeWith(['postgres', 'redis'], 'sockets per credential across two instances', () => {
  const two = useTwoInstances({ MAX_SOCKETS_PER_CREDENTIAL: '3', RATE_LIMIT_PER_MINUTE: '0' });
  let a: TestApp;
  let b: TestApp;
  beforeAll(() => void ({ a, b } = two));

  it('one user: 3 sockets in all whichever instance holds them; one more on either is closed with 4430', async () => {
    const m = await newMerchant(a);
    const params = { authorization: `Bearer ${m.token}` };
    const refusedBefore = (await sample(a, 'paypulse_refusals_total{reason="TOO_MANY_SOCKETS"}')) + (await sample(b, 'paypulse_refusals_total{reason="TOO_MANY_SOCKETS"}'));
    const held = [await open(a.wsUrl, params), await open(a.wsUrl, params), await open(b.wsUrl, params)];
    expect(held.map((s) => s.acked)).toEqual([true, true, true]);
    expect((await open(a.wsUrl, params)).code).toBe(4430);
    expect((await open(b.wsUrl, params)).code).toBe(4430);
    const refusedAfter = (await sample(a, 'paypulse_refusals_total{reason="TOO_MANY_SOCKETS"}')) + (await sample(b, 'paypulse_refusals_total{reason="TOO_MANY_SOCKETS"}'));
    expect(refusedAfter).toBe(refusedBefore + 2);

    // Another user is unaffected; a place freed on b can be taken on a.
    const other = await newMerchant(a);
    const theirs = await open(b.wsUrl, { authorization: `Bearer ${other.token}` });
    expect(theirs.acked).toBe(true);
    held[2]!.ws.close();
    let again: Awaited<ReturnType<typeof open>> | undefined;
    await waitUntil(async () => (again = await open(a.wsUrl, params)).acked, 5_000, () => 'a freed place');
    expect((await open(b.wsUrl, params)).code).toBe(4430);
    for (const s of [...held, theirs, again!]) s.ws.close();
  });

  it('one API key: the same limit across instances', async () => {
    const m = await newMerchant(a);
    const { secret } = await a.domain.apiKeys.create({ merchantId: m.id, name: 'cluster' });
    const params = { 'x-api-key': secret };
    const held = [await open(b.wsUrl, params), await open(a.wsUrl, params), await open(b.wsUrl, params)];
    expect(held.every((s) => s.acked)).toBe(true);
    expect((await open(a.wsUrl, params)).code).toBe(4430);
    for (const s of held) s.ws.close();
  });

  it("a dead instance's places stop counting after the TTL; a live one keeps its places by heartbeat", async () => {
    const credential = `test:${randomUUID()}`;
    // "Dead": claims two places and never refreshes them (heartbeat far beyond the TTL).
    // The live heartbeat has 15 times its interval before the TTL runs out, so a loaded machine's
    // late timers cannot let its places lapse; the waits only ever outlast the TTL (safe side).
    const dead = createRedisSocketQuota(REDIS_URL, { ttlMs: 1_500, heartbeatMs: 60_000 });
    const live = createRedisSocketQuota(REDIS_URL, { ttlMs: 1_500, heartbeatMs: 100 });
    try {
      expect(await dead.acquire(credential, 2)).toBeDefined();
      expect(await dead.acquire(credential, 2)).toBeDefined();
      expect(await live.acquire(credential, 2)).toBeUndefined();
      await new Promise((r) => setTimeout(r, 1_800));
      expect(await live.acquire(credential, 2)).toBeDefined();
      expect(await live.acquire(credential, 2)).toBeDefined();
      await new Promise((r) => setTimeout(r, 1_800));
      // Refreshed every 100 ms, the live instance's two places are still held.
      expect(await dead.acquire(credential, 2)).toBeUndefined();
    } finally {
      await live.stop();
      await dead.stop();
    }
  });
});
