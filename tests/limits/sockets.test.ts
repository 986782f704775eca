/** Socket limits: sockets per credential (close 4430), operations per socket (TOO_MANY_SUBSCRIPTIONS, socket stays), connection_init timeout (4408). */
import WebSocket from 'ws';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { sample } from '../support/metrics.js';
import { LiveEvents } from '../support/operations.js';
import { waitUntil } from '../support/subscriptions.js';
import { newMerchant } from '../support/tenants.js';

/** A raw graphql-transport-ws socket: resolves once acked, or with the close code when refused. */
function open(url: string, token: string): Promise<{ ws: WebSocket; acked: boolean; code?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'graphql-transport-ws');
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    ws.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve({ ws, acked: true });
    });
    ws.on('close', (code) => resolve({ ws, acked: false, code }));
  });
}

describe('socket limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { MAX_SOCKETS_PER_CREDENTIAL: '20', MAX_SUBSCRIPTIONS_PER_SOCKET: '100', RATE_LIMIT_PER_MINUTE: '0' } });
  });
  afterAll(() => t?.stop());

  it('100 sockets for one user: 20 open, 80 closed with 4430; another user is unaffected', async () => {
    const m = await newMerchant(t);
    const before = await sample(t, 'paypulse_refusals_total{reason="TOO_MANY_SOCKETS"}');
    const results = [];
    for (let i = 0; i < 100; i++) results.push(await open(t.wsUrl, m.token));
    expect(results.filter((r) => r.acked)).toHaveLength(20);
    expect(results.filter((r) => !r.acked).map((r) => r.code)).toEqual(Array(80).fill(4430));
    expect(await sample(t, 'paypulse_refusals_total{reason="TOO_MANY_SOCKETS"}')).toBe(before + 80);
    const other = await newMerchant(t);
    expect((await open(t.wsUrl, other.token)).acked).toBe(true);
    // Closing one frees a place.
    results.find((r) => r.acked)!.ws.close();
    await waitUntil(async () => (await open(t.wsUrl, m.token)).acked, 5000);
    for (const r of results) r.ws.close();
  });

  it('4096 subscriptions on one socket: 100 live, the rest refused with TOO_MANY_SUBSCRIPTIONS, the socket stays open', async () => {
    const m = await newMerchant(t);
    const { ws, acked } = await open(t.wsUrl, m.token);
    expect(acked).toBe(true);
    const errors = new Map<string, string>();
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'error') errors.set(msg.id, msg.payload[0]?.extensions?.code);
    });
    for (let i = 0; i < 4096; i++) ws.send(JSON.stringify({ id: `s${i}`, type: 'subscribe', payload: { query: print(LiveEvents), variables: {} } }));
    await waitUntil(() => errors.size === 3996, 30_000, () => `${errors.size} refused`);
    expect(new Set(errors.values())).toEqual(new Set(['TOO_MANY_SUBSCRIPTIONS']));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(errors.has('s0')).toBe(false);
    expect(errors.has('s99')).toBe(false);
    ws.close();
  });

  it('closes a socket that never sends connection_init with 4408', async () => {
    const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(4408);
  });
});
