/**
 * Cohorts through the app over real graphql-ws sockets: subscribers of one merchant's feed with
 * the same operation share one pubsub listener and one execution per event, revoking one
 * member's credential ends only that member, and the last member leaving unsubscribes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { sample } from '../support/metrics.js';
import { IngestOne, LiveEvents, RevokeApiKey } from '../support/operations.js';
import { collect, nextClose, waitUntil } from '../support/subscriptions.js';
import { newMerchant } from '../support/tenants.js';
import { openStream, TRANSPORT_NAMES } from './transports.js';

const EXECUTIONS = 'paypulse_cohort_executions_total{field="paymentEvents"}';

describe('subscription cohorts over graphql-ws', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { RATE_LIMIT_PER_MINUTE: '0' } });
  });
  afterAll(() => t?.stop());

  const ingest = async (token: string) => {
    const res = await t.gql(IngestOne, { event: eventInput() }, { token });
    expect(res.errors).toBeUndefined();
  };

  it('executes once per event for N subscribers of the same operation, and unsubscribes when the last one leaves', async () => {
    const m = await newMerchant(t);
    const clients = Array.from({ length: 4 }, () => t.wsClient({ authorization: `Bearer ${m.token}` }));
    const subs = clients.map((c) => collect(c, LiveEvents, {}));
    await waitUntil(async () => (await sample(t, 'paypulse_subscriptions_active{transport="ws"}')) === 4, 10_000, () => 'four subscribed');
    // One listener for the four of them.
    expect(t.pubsub.activeSubscriptions()).toBe(1);
    const before = await sample(t, EXECUTIONS);
    for (let i = 0; i < 3; i += 1) await ingest(m.token);
    await Promise.all(subs.map((s) => s.waitFor(3)));
    expect(subs.map((s) => s.data().map((d) => d.paymentEvents.eventId))).toEqual(Array(4).fill(subs[0]!.data().map((d) => d.paymentEvents.eventId)));
    expect((await sample(t, EXECUTIONS)) - before).toBe(3);

    for (const s of subs.slice(0, 3)) s.stop();
    await waitUntil(async () => (await sample(t, 'paypulse_subscriptions_active{transport="ws"}')) === 1, 10_000, () => 'three left');
    expect(t.pubsub.activeSubscriptions()).toBe(1);
    subs[3]!.stop();
    await waitUntil(() => t.pubsub.activeSubscriptions() === 0, 10_000, () => 'the last member left');
    expect(await sample(t, 'paypulse_subscription_cohorts')).toBe(0);
    await Promise.all(clients.map((c) => c.dispose()));
  });

  it('never shares between two merchants', async () => {
    const [a, b] = [await newMerchant(t), await newMerchant(t)];
    const ca = t.wsClient({ authorization: `Bearer ${a.token}` });
    const cb = t.wsClient({ authorization: `Bearer ${b.token}` });
    const sa = collect(ca, LiveEvents, {});
    const sb = collect(cb, LiveEvents, {});
    await waitUntil(() => t.pubsub.activeSubscriptions() === 2, 10_000, () => 'both subscribed');
    await ingest(a.token);
    await ingest(b.token);
    await sa.waitFor(1);
    await sb.waitFor(1);
    await ingest(a.token);
    await sa.waitFor(2);
    expect(sb.results).toHaveLength(1);
    sa.stop();
    sb.stop();
    await Promise.all([ca.dispose(), cb.dispose()]);
  });

  it("ends only the revoked member's operation when its API key is revoked; the cohort goes on", async () => {
    const m = await newMerchant(t);
    const kept = await t.domain.apiKeys.create({ merchantId: m.id, name: 'cohort-kept' });
    const revoked = await t.domain.apiKeys.create({ merchantId: m.id, name: 'cohort-revoked' });
    const keptClient = t.wsClient({ 'x-api-key': kept.secret });
    const revokedClient = t.wsClient({ 'x-api-key': revoked.secret });
    const keptSub = collect(keptClient, LiveEvents, {});
    const revokedSub = collect(revokedClient, LiveEvents, {});
    await waitUntil(async () => (await sample(t, 'paypulse_subscriptions_active{transport="ws"}')) === 2, 10_000, () => 'both subscribed');
    expect(t.pubsub.activeSubscriptions()).toBe(1);
    await ingest(m.token);
    await keptSub.waitFor(1);
    await revokedSub.waitFor(1);

    const closed = nextClose(revokedClient);
    expect((await t.gql(RevokeApiKey, { id: revoked.apiKey.id }, { token: m.token })).errors).toBeUndefined();
    expect(await closed).toBe(4403);
    await ingest(m.token);
    await keptSub.waitFor(2);
    expect(revokedSub.data()).toHaveLength(1);
    expect(t.pubsub.activeSubscriptions()).toBe(1);
    keptSub.stop();
    await waitUntil(() => t.pubsub.activeSubscriptions() === 0, 10_000, () => 'unsubscribed');
    await Promise.all([keptClient.dispose(), revokedClient.dispose()]);
  });
});

describe('unexpected errors in shared subscriptions', () => {
  let t: TestApp;
  beforeAll(async () => {
    // ERROR_DETAILS off, as in production: internal error text never reaches a client.
    t = await startTestApp({ mode: 'embedded', env: { RATE_LIMIT_PER_MINUTE: '0', ERROR_DETAILS: '0' } });
  });
  afterAll(() => t?.stop());

  const SECRET = 'relation "secret_table" does not exist';
  const gauge = (transport: string) => sample(t, `paypulse_subscriptions_active{transport="${transport}"}`);

  it('reach every member of a cohort masked (one execution for all), on every transport, as they reach a subscriber of its own', async () => {
    const m = await newMerchant(t);
    const feeds = t.domain.feeds;
    const real = feeds.paymentEvents;
    let opened = 0;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    // An event whose field fails with an internal error, then a stream that fails with one.
    feeds.paymentEvents = async function* () {
      opened += 1;
      await released;
      yield {
        get eventId(): string {
          throw new Error(SECRET);
        },
      } as never;
      throw new Error(SECRET);
    };
    try {
      const before = await sample(t, EXECUTIONS);
      // Two members per transport (variables {}: one cohort for all eight), and one with `after`: a stream of its own.
      const shared = TRANSPORT_NAMES.flatMap((transport) => [openStream(t, transport, { token: m.token }, {}), openStream(t, transport, { token: m.token }, {})]);
      const own = openStream(t, 'ws', { token: m.token }, { after: '0' });
      await waitUntil(async () => (await gauge('ws')) === 3 && (await gauge('sse')) === 4 && (await gauge('multipart')) === 2, 10_000, () => 'nine streams open');
      expect(opened).toBe(2);
      release();
      const endings = await Promise.all([...shared, own].map((s) => s.ended));
      for (const [i, s] of [...shared, own].entries()) {
        const what = `${s.transport} #${i}`;
        expect(JSON.stringify(s.results), what).not.toContain('secret_table');
        const errors = s.results.flatMap((r) => r.errors ?? []);
        expect(errors.map((e) => e.message), what).toEqual(['Unexpected error.', 'Unexpected error.']);
        expect(errors.map((e) => e.extensions?.code), what).toEqual(['INTERNAL_SERVER_ERROR', 'INTERNAL_SERVER_ERROR']);
        expect(endings[i]!.codes, what).toContain('INTERNAL_SERVER_ERROR');
      }
      // The eight members' result was executed (and masked) once.
      expect((await sample(t, EXECUTIONS)) - before).toBe(1);
    } finally {
      feeds.paymentEvents = real;
    }
  });
});
