/**
 * The notification API over real HTTP and graphql-ws, in both modes: the caller's own
 * notifications only, exact unread counts under concurrency, refusals with codes that change
 * nothing, the live `notificationAdded` (resumable with `after`), and — with no provider
 * configured — deliveries LOGGED with addresses masked.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { toNotificationMessage } from '../../src/notifications/types.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { CreateApiKey, IngestMany } from '../support/operations.js';
import { describeWith } from '../support/services.js';
import { collect, waitUntil, type Collector } from '../support/subscriptions.js';
import { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';
import { errorCodes } from '../payments/helpers.js';
import { deviceToken, FAST_WORKER, settledDeliveries, verifiedUser } from './helpers.js';
import { MarkRead, NotificationAdded, Notifications, Preferences, RegisterDevice, RequestVerification, UnreadCount, UpdatePreferences, VerifyContact } from './operations.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

for (const mode of ['embedded', 'services'] as const) {
  await describeWith(NEEDS[mode], `notification API (${mode})`, () => {
    let t: TestApp;
    let m: TestMerchant;
    const logLines: string[] = [];
    const open: Collector<unknown>[] = [];

    const newUser = async () => {
      const id = `u-${randomUUID().slice(0, 8)}`;
      return { id, token: await t.token({ sub: id, role: 'customer' }) };
    };
    /** `count` completed payments for `customerId`, ingested over HTTP in one batch. */
    const payments = async (customerId: string, count: number) => {
      const res = await t.gql(IngestMany, { events: Array.from({ length: count }, () => eventInput({ customerId })) }, { token: m.token });
      expect(res.data!.ingestPaymentEvents.ingested).toBe(count);
    };

    beforeAll(async () => {
      const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }) });
      t = await startTestApp({ mode, env: FAST_WORKER, logger });
      m = await newMerchant(t);
    });
    afterAll(() => t?.stop());
    afterEach(() => {
      for (const sub of open.splice(0)) sub.stop();
    });

    it("lists only the caller's notifications, newest first, paged, with unreadOnly", async () => {
      const me = await newUser();
      const other = await newUser();
      await payments(me.id, 5);
      await payments(other.id, 2);
      const page1 = await t.gql(Notifications, { first: 3 }, { token: me.token });
      expect(page1.errors).toBeUndefined();
      const { edges, pageInfo } = page1.data!.notifications;
      expect(edges).toHaveLength(3);
      expect(pageInfo.hasNextPage).toBe(true);
      expect(page1.data!.unreadNotificationCount).toBe(5);
      const page2 = await t.gql(Notifications, { first: 3, after: pageInfo.endCursor }, { token: me.token });
      const all = [...edges, ...page2.data!.notifications.edges].map((e) => e.node);
      expect(all).toHaveLength(5);
      expect(new Set(all.map((n) => n.id)).size).toBe(5);
      expect(all.map((n) => BigInt(n.cursor))).toEqual([...all.map((n) => BigInt(n.cursor))].sort((a, b) => (a > b ? -1 : 1)));
      expect(all.every((n) => n.type === 'payment.completed' && n.priority === 'HIGH' && n.merchantId === m.id && !n.read)).toBe(true);
      // A customer with no address or device gets the in-app notification and no delivery.
      expect(all.every((n) => n.deliveries.length === 0)).toBe(true);

      const marked = await t.gql(MarkRead, { ids: [all[0]!.id, all[1]!.id] }, { token: me.token });
      expect(marked.data!.markNotificationsRead).toEqual({ marked: 2, unreadCount: 3 });
      const unread = await t.gql(Notifications, { unreadOnly: true }, { token: me.token });
      expect(unread.data!.notifications.edges.map((e) => e.node.id)).toEqual(all.slice(2).map((n) => n.id));
    });

    it("gives a merchant user who opened their notifications the merchant's payment notifications, and no other merchant's", async () => {
      const mine = await t.token({ sub: `staff-${randomUUID().slice(0, 8)}`, role: 'merchant', merchantId: m.id });
      const elsewhere = await newMerchant(t);
      const theirs = await t.token({ sub: `staff-${randomUUID().slice(0, 8)}`, role: 'merchant', merchantId: elsewhere.id });
      for (const token of [mine, theirs]) expect((await t.gql(Notifications, {}, { token })).data!.notifications.edges).toEqual([]);
      await payments((await newUser()).id, 2);
      const list = await t.gql(Notifications, {}, { token: mine });
      expect(list.data!.notifications.edges.map((e) => [e.node.type, e.node.priority, e.node.merchantId])).toEqual([
        ['payment.received', 'LOW', m.id],
        ['payment.received', 'LOW', m.id],
      ]);
      expect((await t.gql(UnreadCount, {}, { token: theirs })).data!.unreadNotificationCount).toBe(0);
    });

    it("marks nothing of another user's, and reports 0 for ids already read", async () => {
      const me = await newUser();
      const other = await newUser();
      await payments(other.id, 2);
      const theirs = (await t.gql(Notifications, {}, { token: other.token })).data!.notifications.edges.map((e) => e.node.id);
      const attempt = await t.gql(MarkRead, { ids: theirs }, { token: me.token });
      expect(attempt.data!.markNotificationsRead).toEqual({ marked: 0, unreadCount: 0 });
      expect((await t.gql(UnreadCount, {}, { token: other.token })).data!.unreadNotificationCount).toBe(2);
      expect((await t.gql(MarkRead, { all: true }, { token: other.token })).data!.markNotificationsRead).toEqual({ marked: 2, unreadCount: 0 });
      expect((await t.gql(MarkRead, { ids: theirs }, { token: other.token })).data!.markNotificationsRead).toEqual({ marked: 0, unreadCount: 0 });
    });

    it('keeps the unread count exact while notifications arrive and are marked read at once', async () => {
      const me = await newUser();
      const markers: Promise<number>[] = [];
      const arrivals: Promise<void>[] = [];
      for (let i = 0; i < 6; i += 1) {
        arrivals.push(payments(me.id, 10));
        markers.push(t.gql(MarkRead, { all: true }, { token: me.token }).then((r) => r.data!.markNotificationsRead.marked));
      }
      await Promise.all(arrivals);
      const marked = (await Promise.all(markers)).reduce((a, b) => a + b, 0);
      const unread = (await t.gql(UnreadCount, {}, { token: me.token })).data!.unreadNotificationCount;
      // Every notification is either counted once by a mark or still unread: never both, never lost.
      expect(marked + unread).toBe(60);
      expect(unread).toBe(await t.db.prisma.notification.count({ where: { userId: me.id, readAt: null } }));
    });

    it('refuses API keys and anonymous callers, and bad input, with codes and no change', async () => {
      const key = await t.gql(CreateApiKey, { name: 'back end' }, { token: m.token });
      const apiKey = key.data!.createApiKey.secret;
      expect(errorCodes(await t.gql(Notifications, {}, { apiKey }))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await t.gql(UnreadCount, {}))).toEqual(['UNAUTHENTICATED']);

      const me = await newUser();
      const bad = [
        await t.gql(MarkRead, {}, { token: me.token }),
        await t.gql(MarkRead, { ids: ['a'], all: true }, { token: me.token }),
        await t.gql(MarkRead, { ids: [] }, { token: me.token }),
        await t.gql(RegisterDevice, { token: 'short', platform: 'IOS' }, { token: me.token }),
        await t.gql(RegisterDevice, { token: `${'x'.repeat(30)}<script>`, platform: 'IOS' }, { token: me.token }),
        await t.gql(RequestVerification, { channel: 'EMAIL', address: 'not-an-email' }, { token: me.token }),
        await t.gql(RequestVerification, { channel: 'SMS', address: '0712345678' }, { token: me.token }),
        await t.gql(VerifyContact, { channel: 'EMAIL', code: 'abc' }, { token: me.token }),
        await t.gql(UpdatePreferences, { preferences: [] }, { token: me.token }),
        await t.gql(UpdatePreferences, { preferences: [{ type: 'ORDER_READY', push: false }, { type: 'ORDER_READY', sms: true }] }, { token: me.token }),
      ];
      expect(bad.map(errorCodes)).toEqual(Array.from({ length: bad.length }, () => ['BAD_USER_INPUT']));
      expect(errorCodes(await t.gql(VerifyContact, { channel: 'SMS', code: '123456' }, { token: me.token }))).toEqual(['NO_PENDING_VERIFICATION']);
      const state = await t.gql(Preferences, {}, { token: me.token });
      expect(state.data!.notificationContact).toEqual({ email: null, emailVerified: false, phone: null, phoneVerified: false, devices: 0 });
      expect(state.data!.notificationPreferences.every((p) => p.push === null && p.email === null && p.sms === null)).toBe(true);
    });

    it('ends a verification after five wrong codes and refuses a resend within 30 s', async () => {
      const me = await newUser();
      const sent = await t.gql(RequestVerification, { channel: 'EMAIL', address: `${me.id}@example.test` }, { token: me.token });
      const code = sent.data!.requestContactVerification.devCode!;
      expect(code).toMatch(/^\d{6}$/);
      const wrong = code === '000000' ? '000001' : '000000';
      for (let i = 0; i < 5; i += 1) expect(errorCodes(await t.gql(VerifyContact, { channel: 'EMAIL', code: wrong }, { token: me.token }))).toEqual(['INVALID_CODE']);
      expect(errorCodes(await t.gql(VerifyContact, { channel: 'EMAIL', code }, { token: me.token }))).toEqual(['TOO_MANY_ATTEMPTS']);
      expect(errorCodes(await t.gql(RequestVerification, { channel: 'EMAIL', address: `${me.id}@example.test` }, { token: me.token }))).toEqual(['RATE_LIMITED']);
      expect((await t.gql(Preferences, {}, { token: me.token })).data!.notificationContact.emailVerified).toBe(false);
    });

    it('streams new notifications live over graphql-ws, and replays those after a cursor first', async () => {
      const me = await newUser();
      const live = collect(t.wsClient({ authorization: `Bearer ${me.token}` }), NotificationAdded, {});
      open.push(live);
      await waitUntil(() => t.pubsub.activeSubscriptions() > 0, 10_000, () => 'subscribed');
      await payments(me.id, 3);
      await live.waitFor(3);
      const seen = live.data().map((d) => d.notificationAdded);
      expect(seen.map((n) => n.type)).toEqual(['payment.completed', 'payment.completed', 'payment.completed']);

      // Resume after the first: the two after it, then live ones, each once.
      const resumed = collect(t.wsClient({ authorization: `Bearer ${me.token}` }), NotificationAdded, { after: seen[0]!.cursor });
      open.push(resumed);
      await resumed.waitFor(2);
      await payments(me.id, 1);
      await resumed.waitFor(3);
      await live.waitFor(4);
      expect(resumed.data().map((d) => d.notificationAdded.id)).toEqual([...seen.slice(1).map((n) => n.id), live.data()[3]!.notificationAdded.id]);

      // Someone else's notifications never arrive.
      const other = await newUser();
      await payments(other.id, 2);
      await new Promise((r) => setTimeout(r, 300));
      expect(live.results).toHaveLength(4);
    });

    it('delivers a live notification whose cursor is below one already delivered (commits out of order)', async () => {
      const me = await newUser();
      const draft = (key: string) => ({ audience: { kind: 'user' as const, userId: me.id }, merchantId: null, type: 'security.new_device' as const, priority: 'LOW' as const, title: key, body: key, data: {}, dedupKey: key });
      const [older] = await t.domain.notifications.notify([draft('older')]);
      const [newer] = await t.domain.notifications.notify([draft('newer')]);
      const live = collect(t.wsClient({ authorization: `Bearer ${me.token}` }), NotificationAdded, {});
      open.push(live);
      await waitUntil(() => t.pubsub.activeSubscriptions() > 0, 10_000, () => 'subscribed');
      // As two transactions that took seqs in one order and committed in the other publish them.
      await t.pubsub.publish('notifications', me.id, toNotificationMessage(newer!));
      await t.pubsub.publish('notifications', me.id, toNotificationMessage(older!));
      await live.waitFor(2);
      expect(live.data().map((d) => d.notificationAdded.title)).toEqual(['newer', 'older']);
    });

    it('limits verification codes atomically: one of ten parallel requests sends, and ten a day', async () => {
      const me = await newUser();
      const address = `${me.id}@example.test`;
      const parallel = await Promise.all(Array.from({ length: 10 }, () => t.gql(RequestVerification, { channel: 'EMAIL', address }, { token: me.token })));
      expect(parallel.filter((r) => !r.errors).length).toBe(1);
      expect(parallel.filter((r) => r.errors).map(errorCodes)).toEqual(Array.from({ length: 9 }, () => ['RATE_LIMITED']));
      const age = () => t.db.prisma.contactVerification.update({ where: { userId_channel: { userId: me.id, channel: 'EMAIL' } }, data: { createdAt: new Date(Date.now() - 31_000) } });
      for (let sent = 1; sent < 10; sent += 1) {
        await age();
        expect((await t.gql(RequestVerification, { channel: 'EMAIL', address }, { token: me.token })).errors).toBeUndefined();
      }
      await age();
      const eleventh = await t.gql(RequestVerification, { channel: 'EMAIL', address }, { token: me.token });
      expect(errorCodes(eleventh)).toEqual(['RATE_LIMITED']);
      expect(eleventh.errors![0]!.message).toContain('too many codes today');
    });

    it('alerts a user when a new device is added besides an existing one, not for the first', async () => {
      const me = await newUser();
      await t.gql(RegisterDevice, { token: deviceToken(), platform: 'ANDROID' }, { token: me.token });
      expect((await t.gql(UnreadCount, {}, { token: me.token })).data!.unreadNotificationCount).toBe(0);
      const second = await t.gql(RegisterDevice, { token: deviceToken(), platform: 'IOS' }, { token: me.token });
      expect(second.data!.registerDeviceToken.devices).toBe(2);
      const list = await t.gql(Notifications, {}, { token: me.token });
      expect(list.data!.notifications.edges.map((e) => [e.node.type, e.node.priority])).toEqual([['security.new_device', 'HIGH']]);
    });

    if (mode === 'embedded') {
      it('logs deliveries instead of sending them when no provider is configured, with addresses masked', async () => {
        const user = await verifiedUser(t, undefined);
        logLines.length = 0;
        await payments(user.id, 1);
        const deliveries = await settledDeliveries(t, user.id, 2);
        expect(deliveries.map((d) => [d.channel, d.status, d.providerMessageId])).toEqual([
          ['PUSH', 'LOGGED', null],
          ['EMAIL', 'LOGGED', null],
        ]);
        const logged = logLines.filter((l) => l.includes('notification delivery logged'));
        expect(logged).toHaveLength(2);
        const all = logLines.join('\n');
        expect(all).not.toContain(user.email!);
        expect(all).not.toContain(user.phone!);
        expect(all).not.toContain(user.tokens[0]!);
        expect(logged.find((l) => l.includes('"EMAIL"'))).toContain(`${user.id[0]}***@example.test`);
      });
    }
  });
}
