/**
 * Tenant isolation (SPEC §8: "a filter argument can never widen scope"), in both modes: a
 * merchant naming another merchant — in a query filter, a subscription filter or an ingested
 * event, with a token or an API key — gets FORBIDDEN and no data, and nothing is stored; an
 * unfiltered subscription only ever carries the caller's own events; admins read every merchant.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestMany, IngestOne, ListEvents, LiveEvents } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { collect, waitUntil } from '../support/subscriptions.js';
import { errorCodes, eventCount, NEEDS, newMerchant, QUIET_MS, sleep, subscriptionErrorCodes, WAIT_MS, type TestMerchant } from './helpers.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `tenant isolation (${mode})`, () => {
    let t: TestApp;
    let a: TestMerchant;
    let b: TestMerchant;
    let aKey: string;
    let bEventId: string;

    beforeAll(async () => {
      t = await startTestApp({ mode });
    });
    afterAll(() => t?.stop());

    beforeEach(async () => {
      a = await newMerchant(t);
      b = await newMerchant(t);
      aKey = (await t.domain.apiKeys.create({ merchantId: a.id, name: 'a-backend' })).secret;
      const input = eventInput();
      bEventId = input.eventId;
      const stored = await t.gql(IngestOne, { event: input }, { token: b.token });
      expect(stored.data?.ingestPaymentEvent.status).toBe('INGESTED');
    });
    afterEach(async () => {
      // Every test leaves no live subscription behind (the next one counts them).
      await waitUntil(() => t.pubsub.activeSubscriptions() === 0, WAIT_MS, () => 'subscriptions released');
    });

    it("refuses merchant A's query naming merchant B with FORBIDDEN and no data", async () => {
      const res = await t.gql(ListEvents, { filter: { merchantId: b.id } }, { token: a.token });
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(res.data ?? null).toBeNull();
      expect(JSON.stringify(res)).not.toContain(bEventId);
    });

    it("refuses merchant A's API key naming merchant B with FORBIDDEN and no data", async () => {
      const res = await t.gql(ListEvents, { filter: { merchantId: b.id } }, { apiKey: aKey });
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(res.data ?? null).toBeNull();
    });

    it("shows merchant A only its own events when it names no merchant", async () => {
      const own = eventInput();
      await t.gql(IngestOne, { event: own }, { token: a.token });
      for (const credentials of [{ token: a.token }, { apiKey: aKey }]) {
        const res = await t.gql(ListEvents, {}, credentials);
        expect(res.errors).toBeUndefined();
        expect(res.data?.paymentEvents.edges.map((e) => [e.node.merchantId, e.node.eventId])).toEqual([[a.id, own.eventId]]);
      }
    });

    it.each(['vendor', 'customer'] as const)("refuses a %s token the merchant's payment events (FORBIDDEN)", async (role) => {
      const token = await t.token({ sub: `${role}-1`, role, merchantId: b.id });
      const res = await t.gql(ListEvents, {}, { token });
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(res.data ?? null).toBeNull();
    });

    it('refuses merchant A ingesting an event for merchant B (token) with FORBIDDEN, storing nothing', async () => {
      const res = await t.gql(IngestOne, { event: eventInput({ merchantId: b.id }) }, { token: a.token });
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(res.data ?? null).toBeNull();
      expect(await eventCount(t, b.id)).toBe(1);
      expect(await eventCount(t, a.id)).toBe(0);
    });

    it('refuses merchant A ingesting an event for merchant B (API key) with FORBIDDEN, storing nothing', async () => {
      const res = await t.gql(IngestOne, { event: eventInput({ merchantId: b.id }) }, { apiKey: aKey });
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(await eventCount(t, b.id)).toBe(1);
      expect(await eventCount(t, a.id)).toBe(0);
    });

    for (const via of ['token', 'apiKey'] as const) {
      it(`rejects each batch item naming merchant B with FORBIDDEN and stores only A's (${via})`, async () => {
        const own = eventInput();
        const foreign = eventInput({ merchantId: b.id });
        const explicitOwn = eventInput({ merchantId: a.id });
        const credentials = via === 'token' ? { token: a.token } : { apiKey: aKey };
        const res = await t.gql(IngestMany, { events: [own, foreign, explicitOwn] }, credentials);
        expect(res.errors).toBeUndefined();
        const out = res.data!.ingestPaymentEvents;
        expect(out).toMatchObject({ ingested: 2, duplicates: 0, rejected: 1 });
        expect(out.errors).toEqual([{ index: 1, field: 'merchantId', code: 'FORBIDDEN', message: expect.any(String) }]);
        expect(out.results.map((r) => [r.index, r.status])).toEqual([[0, 'INGESTED'], [1, 'REJECTED'], [2, 'INGESTED']]);
        expect(await eventCount(t, b.id)).toBe(1);
        expect(await eventCount(t, a.id)).toBe(2);
        const bRows = await t.db.prisma.paymentEvent.findMany({ where: { eventId: foreign.eventId } });
        expect(bRows).toEqual([]);
      });
    }

    it("refuses merchant A's subscription naming merchant B with FORBIDDEN over graphql-ws, and never delivers B's events", async () => {
      const client = t.wsClient({ authorization: `Bearer ${a.token}` });
      const sub = collect(client, LiveEvents, { filter: { merchantId: b.id } });
      expect(await subscriptionErrorCodes(sub)).toEqual(['FORBIDDEN']);
      expect(t.pubsub.activeSubscriptions()).toBe(0);

      await t.gql(IngestOne, { event: eventInput() }, { token: b.token });
      await sleep(QUIET_MS);
      expect(sub.data()).toEqual([]);
      expect(JSON.stringify(sub.results)).not.toContain(b.id);
    });

    it("never delivers merchant B's events to merchant A's unfiltered subscription", async () => {
      const client = t.wsClient({ authorization: `Bearer ${a.token}` });
      const sub = collect(client, LiveEvents, {});
      await waitUntil(() => t.pubsub.activeSubscriptions() === 1, WAIT_MS, () => 'A subscribed');

      const bLive = eventInput();
      const aLive = eventInput();
      expect((await t.gql(IngestOne, { event: bLive }, { token: b.token })).data?.ingestPaymentEvent.status).toBe('INGESTED');
      expect((await t.gql(IngestOne, { event: aLive }, { token: a.token })).data?.ingestPaymentEvent.status).toBe('INGESTED');
      expect((await t.gql(IngestOne, { event: eventInput() }, { apiKey: (await t.domain.apiKeys.create({ merchantId: b.id, name: 'b' })).secret })).errors).toBeUndefined();

      await sub.waitFor(1, WAIT_MS);
      await sleep(QUIET_MS);
      expect(sub.results.filter((r) => r.errors)).toEqual([]);
      expect(sub.data().map((d) => [d.paymentEvents.merchantId, d.paymentEvents.eventId])).toEqual([[a.id, aLive.eventId]]);
      sub.stop();
    });

    it('lets an admin read and subscribe to both merchants, each only when named', async () => {
      const admin = await t.adminToken();
      const own = eventInput();
      await t.gql(IngestOne, { event: own }, { token: a.token });

      const readA = await t.gql(ListEvents, { filter: { merchantId: a.id } }, { token: admin });
      const readB = await t.gql(ListEvents, { filter: { merchantId: b.id } }, { token: admin });
      expect(readA.data?.paymentEvents.edges.map((e) => e.node.eventId)).toEqual([own.eventId]);
      expect(readB.data?.paymentEvents.edges.map((e) => e.node.eventId)).toEqual([bEventId]);

      const unnamed = await t.gql(ListEvents, {}, { token: admin });
      expect(errorCodes(unnamed)).toEqual(['BAD_USER_INPUT']);

      const client = t.wsClient({ authorization: `Bearer ${admin}` });
      const subB = collect(client, LiveEvents, { filter: { merchantId: b.id } });
      await waitUntil(() => t.pubsub.activeSubscriptions() === 1, WAIT_MS, () => 'admin subscribed');
      await t.gql(IngestOne, { event: eventInput() }, { token: a.token });
      const live = eventInput();
      await t.gql(IngestOne, { event: live }, { token: b.token });
      await subB.waitFor(1, WAIT_MS);
      await sleep(QUIET_MS);
      expect(subB.data().map((d) => [d.paymentEvents.merchantId, d.paymentEvents.eventId])).toEqual([[b.id, live.eventId]]);
      subB.stop();
    });
  });
}
