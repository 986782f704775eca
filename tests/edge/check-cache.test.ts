/**
 * The edge's per-subscribe credential check is remembered per credential (a reconnect storm
 * must not read the database once per subscribe), and forgotten at once when a revocation
 * reaches the instance: from another instance over the `sessions` channel — which also ends the
 * open session there at once — or from ApiKeyService on this one (sessions.changed, which ends
 * nothing). Two instances
 * are two edges with their own session registries over one pubsub; the clock is injected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { createMemoryNotBeforeStore } from '../../src/auth/not-before.js';
import type { Edge } from '../../src/edge/policy.js';
import type { SessionRegistry } from '../../src/edge/sessions.js';
import { EdgeEndCode } from '../../src/edge/types.js';
import { createMemoryPubSub } from '../../src/pubsub/memory.js';
import type { PubSub } from '../../src/pubsub/index.js';
import { startTestEdge } from '../support/edge.js';
import { waitUntil } from '../support/subscriptions.js';

const CACHE_MS = 10_000;
const key: Principal = { kind: 'apiKey', subject: 'key-1', role: 'merchant', merchantId: 'm_1', expiresAt: null };

/** The database's view of the key, and how often the edge asked. */
function keyStore() {
  const store = {
    active: true,
    reads: 0,
    /** When set, isActive waits for it (a read in flight). */
    gate: undefined as Promise<void> | undefined,
    async isActive(_id: string) {
      store.reads += 1;
      const answer = store.active;
      await store.gate;
      return answer;
    },
  };
  return store;
}

describe('edge check cache', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((s) => s()));
  });

  let clock = 1_000_000;
  async function instance(pubsub: PubSub, apiKeys: ReturnType<typeof keyStore>): Promise<{ edge: Edge; sessions: SessionRegistry }> {
    const { edge, sessions, stop } = await startTestEdge({ pubsub, apiKeys, checkCacheMs: CACHE_MS, now: () => clock });
    stops.push(stop);
    return { edge, sessions };
  }

  it('reads an active key once per window however many subscribes; the first check after the window catches a key revoked in the database only', async () => {
    const apiKeys = keyStore();
    const { edge } = await instance(createMemoryPubSub(), apiKeys);
    for (let i = 0; i < 10; i++) expect(await edge.check(key)).toBeUndefined();
    expect(apiKeys.reads).toBe(1);
    apiKeys.active = false;
    clock += CACHE_MS - 1;
    expect(await edge.check(key)).toBeUndefined();
    clock += 1;
    expect(await edge.check(key)).toBe(EdgeEndCode.ApiKeyRevoked);
    expect(apiKeys.reads).toBe(2);
  });

  it('a revocation on another instance ends the open session here at once and the next check reads again and refuses', async () => {
    const pubsub = createMemoryPubSub();
    const apiKeys = keyStore();
    const a = await instance(pubsub, apiKeys);
    const b = await instance(pubsub, apiKeys);
    const lease = await b.edge.open(key, 'ws');
    const ended: EdgeEndCode[] = [];
    lease!.onEnd((code) => void ended.push(code));
    expect(await b.edge.check(key)).toBeUndefined();
    expect(apiKeys.reads).toBe(1);

    apiKeys.active = false;
    await a.sessions.revoke('apiKey', key.subject, EdgeEndCode.ApiKeyRevoked);
    await waitUntil(() => ended.length > 0, 5_000, () => 'session on b ended');
    expect(ended).toEqual([EdgeEndCode.ApiKeyRevoked]);
    // Same instant: no window has passed, yet b does not trust what it remembered.
    expect(await b.edge.check(key)).toBe(EdgeEndCode.ApiKeyRevoked);
    expect(apiKeys.reads).toBe(2);
  });

  it('forget() (a key revoked through ApiKeyService on this instance) makes the next check read again', async () => {
    const apiKeys = keyStore();
    const { edge } = await instance(createMemoryPubSub(), apiKeys);
    expect(await edge.check(key)).toBeUndefined();
    apiKeys.active = false;
    edge.forget('apiKey', key.subject);
    expect(await edge.check(key)).toBe(EdgeEndCode.ApiKeyRevoked);
  });

  it('sessions.changed (a key revoked through ApiKeyService here) makes the next check read again, and ends no session', async () => {
    const apiKeys = keyStore();
    const { edge, sessions } = await instance(createMemoryPubSub(), apiKeys);
    const lease = await edge.open(key, 'ws');
    expect(await edge.check(key)).toBeUndefined();
    apiKeys.active = false;
    sessions.changed('apiKey', key.subject);
    expect(await edge.check(key)).toBe(EdgeEndCode.ApiKeyRevoked);
    expect(lease?.endedWith).toBeUndefined();
    await lease?.release();
  });

  it('does not remember an answer read before a revocation that arrived while the read was in flight', async () => {
    const pubsub = createMemoryPubSub();
    const apiKeys = keyStore();
    const a = await instance(pubsub, apiKeys);
    const b = await instance(pubsub, apiKeys);
    let open!: () => void;
    apiKeys.gate = new Promise<void>((resolve) => (open = resolve));
    const inFlight = b.edge.check(key);
    await waitUntil(() => apiKeys.reads === 1, 5_000, () => 'read started');
    apiKeys.active = false;
    await a.sessions.revoke('apiKey', key.subject, EdgeEndCode.ApiKeyRevoked);
    open();
    // It read "active" before the revocation: this check passes, but the answer is not kept.
    expect(await inFlight).toBeUndefined();
    apiKeys.gate = undefined;
    expect(await b.edge.check(key)).toBe(EdgeEndCode.ApiKeyRevoked);
  });

  it("remembers each of a user's tokens apart: a newer token passing does not let an older one skip the not-before check", async () => {
    const notBefore = createMemoryNotBeforeStore();
    const { edge, stop } = await startTestEdge({ apiKeys: keyStore(), notBefore, checkCacheMs: CACHE_MS, now: () => clock });
    stops.push(stop);
    const older: Principal = { kind: 'user', subject: 'u-tokens', role: 'merchant', merchantId: 'm_1', expiresAt: null, issuedAt: 1_000 };
    const newer: Principal = { ...older, issuedAt: 5_000 };
    // A not-before set while the revocation message did not arrive here (nothing forgets).
    await notBefore.set('u-tokens', 2_000);
    expect(await edge.check(newer)).toBeUndefined();
    expect(await edge.check(older)).toBe(EdgeEndCode.SessionsRevoked);
  });

  it('ends a session at its token expiry from the shared expiry wheel', async () => {
    const apiKeys = keyStore();
    const { edge } = await instance(createMemoryPubSub(), apiKeys);
    const soon: Principal = { kind: 'user', subject: 'u-exp', role: 'merchant', merchantId: 'm_1', expiresAt: clock + 500 };
    const lease = await edge.open(soon, 'ws');
    const ended: EdgeEndCode[] = [];
    lease!.onEnd((code) => void ended.push(code));
    clock += 500;
    await waitUntil(() => ended.length > 0, 5_000, () => 'expired');
    expect(ended).toEqual([EdgeEndCode.TokenExpired]);
  });
});
