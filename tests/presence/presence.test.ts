/** Presence across instances (Redis with expiry), its scope, connectionStats, revokeSessions and reconnecting with a fresh token. */
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/auth/principal.js';
import { createLogger } from '../../src/lib/logger.js';
import { createPresenceService } from '../../src/presence/service.js';
import { createRedisPresenceStore } from '../../src/presence/store.js';
import { createRedisPubSub } from '../../src/pubsub/redis.js';
import { startTestApp, useTwoInstances, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne, LiveEvents } from '../support/operations.js';
import { describeWith, REDIS_URL } from '../support/services.js';
import { collect, nextClose, subscriptionErrorCodes, waitUntil } from '../support/subscriptions.js';
import { newMerchant, type TestMerchant } from '../support/tenants.js';
import { ConnectionStatsQuery, PresenceSub, RevokeSessions } from './operations.js';

const AWAY_MS = '1500';
const TTL_MS = '900';

/** A connected graphql-ws client (no operation needed to hold the socket). */
async function connect(t: TestApp, token: string): Promise<Client> {
  // Closes are expected in these tests (revocations, disposal): keep them off the console.
  const client = t.wsClient({ authorization: `Bearer ${token}` }, { lazy: false, onNonLazyError: () => {} });
  await new Promise<void>((resolve) => client.on('connected', () => resolve()));
  return client;
}

const statusesOf = (sub: { data(): { presence: { userId: string; status: string } }[] }, userId: string) =>
  sub.data().filter((d) => d.presence.userId === userId).map((d) => d.presence.status);

await describeWith(['postgres', 'redis'], 'presence across two instances', () => {
  const env = { PRESENCE_AWAY_MS: AWAY_MS, PRESENCE_TTL_MS: TTL_MS };
  const person = (role: Role, merchantId?: string) => ({ sub: `u-${role}-${randomUUID().slice(0, 6)}`, role, merchantId });
  const two = useTwoInstances(env);
  let a: TestApp;
  let b: TestApp;
  let m: TestMerchant;
  beforeAll(async () => {
    ({ a, b } = two);
    m = await newMerchant(a);
  });

  it('online on A is seen on B; away after idling; online again on activity; offline only when the last socket on either instance closes', async () => {
    const vendor = person('vendor', m.id);
    const onA = await connect(a, await a.token(vendor));
    const watcher = collect(b.wsClient({ authorization: `Bearer ${m.token}` }), PresenceSub, { userIds: [vendor.sub] });
    await watcher.waitFor(1);
    expect(watcher.data()[0]!.presence).toMatchObject({ userId: vendor.sub, status: 'ONLINE' });
    expect(Date.parse(watcher.data()[0]!.presence.lastSeenAt!)).toBeGreaterThan(Date.now() - 10_000);

    await watcher.waitFor(2, 60_000);
    expect(statusesOf(watcher, vendor.sub)).toEqual(['ONLINE', 'AWAY']);

    const onB = await connect(b, await b.token(vendor));
    // Activity (an operation) on any socket ends AWAY.
    await new Promise<void>((resolve, reject) => onB.subscribe({ query: '{ __typename }' }, { next: () => {}, error: reject, complete: resolve }));
    await watcher.waitFor(3, 60_000);
    expect(statusesOf(watcher, vendor.sub)).toEqual(['ONLINE', 'AWAY', 'ONLINE']);

    await onA.dispose();
    await new Promise((r) => setTimeout(r, 400));
    expect(statusesOf(watcher, vendor.sub)).toEqual(['ONLINE', 'AWAY', 'ONLINE']);
    await onB.dispose();
    await watcher.waitFor(4, 60_000);
    expect(statusesOf(watcher, vendor.sub)).toEqual(['ONLINE', 'AWAY', 'ONLINE', 'OFFLINE']);
  }, 120_000);

  it('the users of an instance that dies go offline when its heartbeat TTL runs out', async () => {
    const customer = person('customer', m.id);
    // An instance that registered a socket and then died: no heartbeat, no clean removal.
    const pubsub = createRedisPubSub(REDIS_URL);
    const doomed = createPresenceService({ store: createRedisPresenceStore(REDIS_URL), pubsub, logger: createLogger({ level: 'silent' }), options: { awayMs: 60_000, ttlMs: Number(TTL_MS) } });
    doomed.connected({ kind: 'user', subject: customer.sub, role: 'customer', merchantId: m.id, expiresAt: null }, {});
    await waitUntil(async () => (await b.domain.presence.statuses([customer.sub]))[0]!.status === 'ONLINE', 5000);
    const watcher = collect(b.wsClient({ authorization: `Bearer ${m.token}` }), PresenceSub, { userIds: [customer.sub] });
    await watcher.waitFor(2, 60_000);
    expect(statusesOf(watcher, customer.sub)).toEqual(['ONLINE', 'OFFLINE']);
    await pubsub.stop();
  }, 120_000);

  it('scopes watching: own merchant for staff, oneself for customers, anyone for admins; others FORBIDDEN', async () => {
    const other = await newMerchant(a);
    const vendor = person('vendor', m.id);
    const stranger = person('vendor', other.id);
    await connect(a, await a.token(vendor));
    await connect(a, await a.token(stranger));
    const customer = person('customer', m.id);
    const tokenFor = (claims: ReturnType<typeof person>) => b.token(claims);
    const cases: [string, string, string[], string | 'OK'][] = [
      ['merchant', m.token, [vendor.sub], 'OK'],
      ['vendor of the merchant', await tokenFor(person('vendor', m.id)), [vendor.sub], 'OK'],
      ['admin', await b.adminToken(), [vendor.sub, stranger.sub], 'OK'],
      ['customer, itself', await tokenFor(customer), [customer.sub], 'OK'],
      ['customer, someone else', await tokenFor(customer), [vendor.sub], 'FORBIDDEN'],
      ['vendor of another merchant', await tokenFor(person('vendor', other.id)), [vendor.sub], 'FORBIDDEN'],
      ['merchant, mixed list', m.token, [vendor.sub, stranger.sub], 'FORBIDDEN'],
      ['merchant, never-seen user', m.token, [`ghost-${randomUUID()}`], 'FORBIDDEN'],
      ['merchant, 101 users', m.token, Array.from({ length: 101 }, (_, i) => `x${i}`), 'BAD_USER_INPUT'],
    ];
    for (const [who, token, userIds, expected] of cases) {
      const sub = collect(b.wsClient({ authorization: `Bearer ${token}` }), PresenceSub, { userIds });
      if (expected === 'OK') {
        await sub.waitFor(userIds.length);
        expect(sub.results.every((r) => !r.errors), who).toBe(true);
      } else {
        expect(await subscriptionErrorCodes(sub), who).toEqual([expected]);
      }
    }
  });

  it('connectionStats reports every instance, this one first, with totals matching the sockets open (admins only)', async () => {
    const admin = await a.adminToken();
    const user = person('merchant', m.id);
    const clientB = await connect(b, await b.token(user));
    const feed = collect(clientB, LiveEvents, {});
    // B reports on its heartbeat; A answers with its own numbers now and B's last report. (Other
    // test files' instances share this Redis, so only these two entries are checked.)
    const ids = [a.domain.presence.instance, b.domain.presence.instance];
    const read = async () => (await a.gql(ConnectionStatsQuery, {}, { token: admin })).data!.connectionStats;
    await waitUntil(async () => {
      const stats = await read();
      const onB = stats.instances.find((i) => i.instance === ids[1]);
      return onB?.sockets === b.app.sockets() && onB.subscriptions >= 1;
    }, 10_000);
    const stats = await read();
    expect(stats.instance).toMatchObject({ instance: ids[0], sockets: a.app.sockets() });
    expect(stats.instances[0]!.instance).toBe(ids[0]);
    expect(stats.sockets).toBe(stats.instances.reduce((n, i) => n + i.sockets, 0));
    expect(stats.subscriptions).toBe(stats.instances.reduce((n, i) => n + i.subscriptions, 0));
    expect((await a.gql(ConnectionStatsQuery, {}, { token: m.token })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(feed.results).toEqual([]);
    await clientB.dispose();
  });

  it('revokeSessions closes the user\'s sockets with 4403 on every instance; admins only', async () => {
    const user = person('merchant', m.id);
    const onA = await connect(a, await a.token(user));
    const onB = await connect(b, await b.token(user));
    const bystander = await connect(b, m.token);
    const closedA = nextClose(onA);
    const closedB = nextClose(onB);
    expect((await a.gql(RevokeSessions, { userId: user.sub }, { token: m.token })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await a.gql(RevokeSessions, { userId: user.sub }, { token: await a.adminToken() })).data?.revokeSessions).toBe(true);
    expect(await closedA).toBe(4403);
    expect(await closedB).toBe(4403);
    expect(b.app.sockets()).toBeGreaterThanOrEqual(1);
    await bystander.dispose();
  });
});

describe('reconnecting after expiry (embedded)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
  });
  afterAll(() => t?.stop());

  it('a client whose token expires is closed with 4403, reconnects with a fresh token from connectionParams() and keeps receiving', async () => {
    const m = await newMerchant(t);
    let issued = 0;
    const client = t.wsClient(
      async () => {
        issued += 1;
        return { authorization: `Bearer ${await t.token({ sub: `user-${m.id}`, role: 'merchant', merchantId: m.id, expiresInSeconds: 2 })}` };
      },
      { retryAttempts: 5, retryWait: async () => {}, shouldRetry: () => true },
    );
    const closes: number[] = [];
    client.on('closed', (e) => void closes.push((e as { code: number }).code));
    const feed = collect(client, LiveEvents, {});
    await waitUntil(() => issued === 1, 5000);
    await waitUntil(() => closes.includes(4403), 10_000);
    await waitUntil(() => issued >= 2, 10_000);
    const event = eventInput();
    // The resubscribed feed is live again on the new socket.
    await waitUntil(async () => {
      await t.gql(IngestOne, { event: { ...event, eventId: `evt-${randomUUID()}` } }, { token: m.token });
      return feed.results.length > 0;
    }, 10_000);
    expect(feed.results.every((r) => !r.errors)).toBe(true);
  });
});
