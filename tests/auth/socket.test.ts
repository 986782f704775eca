/**
 * graphql-ws authentication (SPEC §8), in both modes: the credentials in `connectionParams` are
 * checked once at `connection_init` — missing or bad ones close the socket with 4403 Forbidden
 * before any operation runs — and a socket is closed with 4403 when its token (or API key) expires.
 */
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne, LiveEvents } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { collect, nextClose, waitUntil } from '../support/subscriptions.js';
import { claims, connected, eventCount, NEEDS, newMerchant, nowSeconds, signJwt, sleep, WAIT_MS, within } from './helpers.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

const FORBIDDEN = 4403;

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `graphql-ws authentication (${mode})`, () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ mode });
    });
    afterAll(() => t?.stop());
    afterEach(async () => {
      await waitUntil(() => t.pubsub.activeSubscriptions() === 0, WAIT_MS, () => 'subscriptions released');
    });

    /** Opens a socket with `params`, starts a subscription, and expects a 4403 close with nothing delivered. */
    async function expectRefused(params: Parameters<TestApp['wsClient']>[0]) {
      const client = t.wsClient(params);
      let acknowledged = false;
      client.on('connected', () => (acknowledged = true));
      const close = nextClose(client);
      const sub = collect(client, LiveEvents, {});
      expect(await within(close, WAIT_MS, 'socket close')).toBe(FORBIDDEN);
      await sub.done;
      expect(acknowledged).toBe(false);
      expect(sub.results).toEqual([]);
      expect(t.pubsub.activeSubscriptions()).toBe(0);
    }

    it('accepts a bearer token in connectionParams and delivers events', async () => {
      const m = await newMerchant(t);
      const client = t.wsClient({ authorization: `Bearer ${m.token}` });
      const sub = collect(client, LiveEvents, {});
      await waitUntil(() => t.pubsub.activeSubscriptions() === 1, WAIT_MS, () => 'subscribed');
      const input = eventInput();
      await t.gql(IngestOne, { event: input }, { token: m.token });
      const [first] = await sub.waitFor(1, WAIT_MS);
      expect(first?.data?.paymentEvents.eventId).toBe(input.eventId);
      sub.stop();
    });

    it('accepts connectionParams given as an async function', async () => {
      const m = await newMerchant(t);
      let calls = 0;
      const client = t.wsClient(async () => {
        calls += 1;
        await sleep(20);
        return { authorization: `Bearer ${m.token}` };
      });
      const sub = collect(client, LiveEvents, {});
      await waitUntil(() => t.pubsub.activeSubscriptions() === 1, WAIT_MS, () => 'subscribed');
      const input = eventInput();
      await t.gql(IngestOne, { event: input }, { token: m.token });
      const [first] = await sub.waitFor(1, WAIT_MS);
      expect(first?.data?.paymentEvents.eventId).toBe(input.eventId);
      expect(calls).toBe(1);
      sub.stop();
    });

    it('accepts an API key in connectionParams', async () => {
      const m = await newMerchant(t);
      const { secret } = await t.domain.apiKeys.create({ merchantId: m.id, name: 'ws' });
      const client = t.wsClient({ 'x-api-key': secret });
      const sub = collect(client, LiveEvents, {});
      await waitUntil(() => t.pubsub.activeSubscriptions() === 1, WAIT_MS, () => 'subscribed');
      const input = eventInput();
      await t.gql(IngestOne, { event: input }, { apiKey: secret });
      const [first] = await sub.waitFor(1, WAIT_MS);
      expect(first?.data?.paymentEvents).toMatchObject({ eventId: input.eventId, merchantId: m.id });
      sub.stop();
    });

    it('closes with 4403 when connection_init carries no credentials', async () => {
      await expectRefused(undefined);
      await expectRefused({});
      await expectRefused({ authorization: '' });
    });

    it('closes with 4403 when connectionParams resolve to nothing (async function)', async () => {
      await expectRefused(async () => ({}));
    });

    it('closes with 4403 on a token that is not a JWT or not "Bearer <token>"', async () => {
      await expectRefused({ authorization: 'Bearer not-a-jwt' });
      const m = await newMerchant(t);
      await expectRefused({ authorization: m.token });
    });

    it('closes with 4403 on a token signed with another secret', async () => {
      const m = await newMerchant(t);
      const forged = await signJwt(claims(t.config.auth, { merchant_id: m.id }), { key: 'some-other-secret-that-is-long-enough-42' });
      await expectRefused({ authorization: `Bearer ${forged}` });
    });

    it('closes with 4403 on an expired token', async () => {
      const m = await newMerchant(t);
      const expired = await signJwt(claims(t.config.auth, { merchant_id: m.id, exp: nowSeconds() - 10 }));
      await expectRefused({ authorization: `Bearer ${expired}` });
    });

    it('closes with 4403 on a merchant token without merchant_id', async () => {
      const token = await signJwt(claims(t.config.auth, { merchant_id: undefined }));
      await expectRefused({ authorization: `Bearer ${token}` });
    });

    it('closes with 4403 on a revoked or tampered API key', async () => {
      const m = await newMerchant(t);
      const { secret, apiKey } = await t.domain.apiKeys.create({ merchantId: m.id, name: 'ws' });
      await expectRefused({ 'x-api-key': `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}` });
      await t.domain.apiKeys.revoke({ id: apiKey.id, merchantId: m.id });
      await expectRefused({ 'x-api-key': secret });
    });

    it('closes the socket with 4403 when its token expires, and releases its subscription', async () => {
      const m = await newMerchant(t);
      // exp has one-second resolution: this token lives between 5 and 6 seconds from now, room
      // enough for a loaded machine to connect and subscribe first.
      const exp = nowSeconds() + 6;
      const token = await signJwt(claims(t.config.auth, { merchant_id: m.id, exp }));
      const client = t.wsClient({ authorization: `Bearer ${token}` });
      const open = connected(client);
      const close = nextClose(client);
      const sub = collect(client, LiveEvents, {});
      await within(open, WAIT_MS, 'connection ack');
      await waitUntil(() => t.pubsub.activeSubscriptions() === 1, WAIT_MS, () => 'subscribed');
      expect(Date.now()).toBeLessThan(exp * 1000);

      const code = await within(close, WAIT_MS, 'close at token expiry');
      // Never before the expiry (how long after it depends on the machine's load, so it is not asserted).
      expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000 - 50);
      expect(code).toBe(FORBIDDEN);
      await waitUntil(() => t.pubsub.activeSubscriptions() === 0, WAIT_MS, () => 'subscription released at expiry');

      // Events after the close are not delivered to the dead subscription.
      await t.gql(IngestOne, { event: eventInput() }, { token: m.token });
      await sleep(200);
      expect(sub.data()).toEqual([]);
      expect(await eventCount(t, m.id)).toBe(1);
    });

    it('closes the socket with 4403 when its API key expires', async () => {
      const m = await newMerchant(t);
      const expiresAt = new Date(Date.now() + 5_000);
      const { secret } = await t.domain.apiKeys.create({ merchantId: m.id, name: 'short-lived', expiresAt });
      const client = t.wsClient({ 'x-api-key': secret });
      const open = connected(client);
      const close = nextClose(client);
      collect(client, LiveEvents, {});
      await within(open, WAIT_MS, 'connection ack');
      const code = await within(close, WAIT_MS, 'close at key expiry');
      expect(code).toBe(FORBIDDEN);
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime() - 50);
    });

    // SPEC §8 names expiry only; a revoked key that keeps streaming payment data forever is the
    // same hole, so revocation must end the key's open sockets too.
    it('closes the socket with 4403 when its API key is revoked, and delivers nothing after', async () => {
      const m = await newMerchant(t);
      const { secret, apiKey } = await t.domain.apiKeys.create({ merchantId: m.id, name: 'revoked-live' });
      const client = t.wsClient({ 'x-api-key': secret });
      const close = nextClose(client);
      const sub = collect(client, LiveEvents, {});
      await waitUntil(() => t.pubsub.activeSubscriptions() === 1, WAIT_MS, () => 'subscribed');

      const revoked = await t.post({ query: 'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', variables: { id: apiKey.id } }, { token: m.token });
      expect(revoked.json.errors).toBeUndefined();
      await t.gql(IngestOne, { event: eventInput() }, { token: m.token });

      try {
        const code = await within(close, WAIT_MS, 'close after revocation').catch((error: Error) => error.message);
        expect(code).toBe(FORBIDDEN);
        expect(sub.data()).toEqual([]);
      } finally {
        await client.dispose();
      }
    });
  });
}
