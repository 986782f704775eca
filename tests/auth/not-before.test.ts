/**
 * The per-user not-before set by `revokeSessions`: the user's tokens issued at or before it are
 * refused on every request (and every transport, tests/edge/matrix.test.ts) until they expire;
 * tokens issued later work; other users are untouched; the mark never moves back; in services
 * mode every instance shares it through Redis.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryNotBeforeStore, createRedisNotBeforeStore, issuedBeforeRevocation, type NotBeforeStore } from '../../src/auth/not-before.js';
import type { Principal } from '../../src/auth/principal.js';
import { startTestApp, useTwoInstances, type TestApp } from '../support/app.js';
import { Me } from '../support/operations.js';
import { describeWith, REDIS_URL } from '../support/services.js';
import { claims, errorCodes, newMerchant, nowSeconds, signJwt } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const user = (sub: string, iatSeconds: number | null): Principal => ({ kind: 'user', subject: sub, role: 'merchant', merchantId: 'm', expiresAt: null, issuedAt: iatSeconds === null ? null : iatSeconds * 1000 });

const REVOKE = 'mutation Revoke($u: ID!) { revokeSessions(userId: $u) }';

function storeCases(name: string, make: () => NotBeforeStore) {
  describe(name, () => {
    let store: NotBeforeStore;
    beforeAll(() => void (store = make()));
    afterAll(() => store.stop());

    it('refuses tokens issued at or before the mark, accepts later ones and other users, and never moves the mark back', async () => {
      const sub = `u-${randomUUID()}`;
      expect(await issuedBeforeRevocation(store, user(sub, 100))).toBe(false);
      await store.set(sub, 100_500);
      expect(await issuedBeforeRevocation(store, user(sub, 99))).toBe(true);
      // iat has second precision: the revocation's own second is refused too.
      expect(await issuedBeforeRevocation(store, user(sub, 100))).toBe(true);
      expect(await issuedBeforeRevocation(store, user(sub, 101))).toBe(false);
      // A token without iat cannot prove it is newer.
      expect(await issuedBeforeRevocation(store, user(sub, null))).toBe(true);
      expect(await issuedBeforeRevocation(store, user(`other-${sub}`, 1))).toBe(false);
      await store.set(sub, 50_000);
      expect(await store.get(sub)).toBe(100_500);
      expect(await issuedBeforeRevocation(store, { ...user(sub, 1), kind: 'apiKey' })).toBe(false);
    });
  });
}

storeCases('memory not-before store', createMemoryNotBeforeStore);
await describeWith(['redis'], 'Redis not-before store', () => storeCases('redis', () => createRedisNotBeforeStore(REDIS_URL, { prefix: `test:not-before:${randomUUID()}:` })));

describe('revokeSessions over HTTP (embedded)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
  });
  afterAll(() => t?.stop());

  it("refuses the user's older tokens with UNAUTHENTICATED, accepts one issued after it, and leaves other users alone", async () => {
    const m = await newMerchant(t);
    const sub = `user-nb-${randomUUID().slice(0, 8)}`;
    const old = await t.token({ sub, role: 'merchant', merchantId: m.id });
    const other = await t.token({ sub: `${sub}-other`, role: 'merchant', merchantId: m.id });
    expect((await t.gql(Me, undefined, { token: old })).errors).toBeUndefined();

    const revoked = await t.post({ query: REVOKE, variables: { u: sub } }, { token: await t.adminToken() });
    expect(revoked.json).toEqual({ data: { revokeSessions: true } });

    const refused = await t.gql(Me, undefined, { token: old });
    expect(refused.status).toBe(401);
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
    expect((await t.gql(Me, undefined, { token: other })).errors).toBeUndefined();
    // Issued in the next second (within the allowed clock skew): a fresh sign-in works at once.
    const fresh = await signJwt(claims(t.config.auth, { sub, merchant_id: m.id, iat: nowSeconds() + 1 }));
    expect((await t.gql(Me, undefined, { token: fresh })).errors).toBeUndefined();
  });
});

await describeWith(['postgres', 'redis'], 'revokeSessions across instances', () => {
  const two = useTwoInstances();

  it('a revocation on one instance refuses the old token on the other', async () => {
    const { a, b } = two;
    const m = await newMerchant(a);
    const sub = `user-nb2-${randomUUID().slice(0, 8)}`;
    const old = await a.token({ sub, role: 'merchant', merchantId: m.id });
    expect((await b.gql(Me, undefined, { token: old })).errors).toBeUndefined();
    expect((await a.post({ query: REVOKE, variables: { u: sub } }, { token: await a.adminToken() })).json.errors).toBeUndefined();
    expect(errorCodes(await b.gql(Me, undefined, { token: old }))).toEqual(['UNAUTHENTICATED']);
  });
});
