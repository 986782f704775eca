/**
 * The regional channels end to end on PostgreSQL + Redis: push through OneSignal's own SDK
 * (PUSH_PROVIDER=onesignal) and SMS through Africa's Talking's REST API, routed per country
 * prefix beside Twilio, against the local provider server that checks the exact requests and
 * models OneSignal's idempotency. Events and orders come in over real HTTP; the worker sends.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { deliveryIdempotencyKey } from '../../src/notifications/channels/onesignal.js';
import { renderSms } from '../../src/notifications/templates.js';
import type { TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { CreateApiKey, IngestMany, IngestOne } from '../support/operations.js';
import { atRecipientReply, regionalProviderEnv, startFakeProviders, type FakeProviders } from '../support/providers.js';
import { describeWith } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';
import { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';
import { errorCodes } from '../payments/helpers.js';
import { deliveriesOf, deviceToken, randomPhone, settledDeliveries, startWithProviders, verifiedUser, type TestUser } from './helpers.js';
import { Notifications, Preferences, RegisterDevice, RequestVerification, UpdatePreferences } from './operations.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const ROUTES = '+254=africastalking,+256=africastalking,+234=africastalking,+1=twilio,+44=twilio';
const API_KEY_SMS = (name: string) => `New API key created: An API key named "${name}" was created for your account. If this was not you, revoke it now.`;

await describeWith(NEEDS.services, 'OneSignal push and Africa\'s Talking SMS (services)', () => {
  let fake: FakeProviders;
  let t: TestApp;
  let m: TestMerchant;
  let user: TestUser;
  const logLines: string[] = [];
  const env = () => ({ ...regionalProviderEnv(fake), PUSH_PROVIDER: 'onesignal', SMS_PROVIDER: 'twilio', SMS_ROUTES: ROUTES });

  /** A subscribed OneSignal device: its subscription id. */
  const subscription = () => randomUUID();

  async function pay(customerId: string, overrides: Parameters<typeof eventInput>[0] = {}) {
    const res = await t.gql(IngestOne, { event: eventInput({ customerId, ...overrides }) }, { token: m.token });
    expect(res.errors).toBeUndefined();
    return res.data!.ingestPaymentEvent;
  }

  /** The stored outbox rows of a user, with the columns GraphQL does not show. */
  const rowsOf = (userId: string) => t.db.prisma.notificationDelivery.findMany({ where: { userId }, orderBy: { id: 'asc' } });

  /** A merchant owner of a merchant of their own (its CRITICAL alerts reach only them), verified at `phonePrefix`. */
  async function ownerAt(phonePrefix: string) {
    const own = await newMerchant(t);
    const owner = await verifiedUser(t, fake, { role: 'merchant', merchantId: own.id, phonePrefix, deviceToken: subscription });
    return owner;
  }

  beforeAll(async () => {
    fake = await startFakeProviders();
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }) });
    t = await startWithProviders('services', fake, env(), undefined, logger);
    m = await newMerchant(t);
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });
  beforeEach(async () => {
    user = await verifiedUser(t, fake, { deviceToken: subscription });
    fake.reset();
  });

  describe('OneSignal push', () => {
    it('sends a HIGH payment notification through OneSignal with the exact request, keyed by the delivery, and nothing through FCM', async () => {
      await pay(user.id, { amountMinor: '150050' });
      const [push, email] = await settledDeliveries(t, user.id, 2);
      expect([push!.channel, push!.status, email!.channel, email!.status]).toEqual(['PUSH', 'SENT', 'EMAIL', 'SENT']);
      const [row] = await rowsOf(user.id);

      const sent = fake.accepted('onesignal');
      expect(sent).toHaveLength(1);
      expect(sent[0]!.method).toBe('POST');
      expect(sent[0]!.path).toBe('/notifications');
      expect(sent[0]!.headers.authorization).toBe('Key os_v2_app_test-rest-key');
      expect(sent[0]!.headers['content-type']).toBe('application/json');
      const key = deliveryIdempotencyKey({ deliveryId: row!.id, channel: 'PUSH', notification: { id: push!.notificationId } });
      expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const body = sent[0]!.json.contents.en as string;
      expect(body).toMatch(/^Your payment of KES 1,500\.50 to Merchant /);
      expect(sent[0]!.json).toEqual({
        app_id: '8a6f5a1c-4e2b-4d7a-9c1e-3f5b7d9e1a2c',
        idempotency_key: key,
        include_subscription_ids: user.tokens,
        headings: { en: 'Payment successful' },
        contents: { en: body },
        data: { notificationId: push!.notificationId, type: 'payment.completed', priority: 'HIGH' },
        priority: 10,
        collapse_id: push!.notificationId,
        web_push_topic: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      });
      expect(push!.providerMessageId).toBe(sent[0]!.reply.id);
      expect(fake.requests.filter((r) => r.provider === 'fcm' || r.provider === 'oauth')).toEqual([]);
    });

    it('retries after a lost answer with the same idempotency key: OneSignal replays the first send, the user gets one push', async () => {
      fake.failNext('onesignal', { status: 200, lose: true });
      await pay(user.id);
      const push = (await settledDeliveries(t, user.id, 2)).find((d) => d.channel === 'PUSH')!;
      expect(push).toMatchObject({ status: 'SENT', attempts: 2 });
      expect(push.lastError).toMatch(/TimeoutError|aborted/i);
      const requests = fake.requests.filter((r) => r.provider === 'onesignal');
      expect(requests.map((r) => [r.lost ?? false, r.replayed ?? false])).toEqual([
        [true, false],
        [false, true],
      ]);
      expect(requests[1]!.json.idempotency_key).toBe(requests[0]!.json.idempotency_key);
      // The first request was delivered (only its answer was lost); the replay delivered nothing new.
      expect(fake.accepted('onesignal')).toEqual([requests[0]]);
      expect(push.providerMessageId).toBe(requests[0]!.reply.id);
      const [row] = await rowsOf(user.id);
      expect(row!.providerStatus).toMatch(/^replayed/);
    });

    it('retries a 503 and a 429 with the same key, then sends once', async () => {
      fake.failNext('onesignal', { status: 503, body: { errors: ['Service temporarily unavailable'] } });
      fake.failNext('onesignal', { status: 429, body: { errors: ['API rate limit exceeded'] } });
      await pay(user.id);
      const push = (await settledDeliveries(t, user.id, 2)).find((d) => d.channel === 'PUSH')!;
      expect(push).toMatchObject({ status: 'SENT', attempts: 3 });
      const requests = fake.requests.filter((r) => r.provider === 'onesignal');
      expect(requests.map((r) => r.status)).toEqual([503, 429, 200]);
      expect(new Set(requests.map((r) => r.json.idempotency_key)).size).toBe(1);
      expect(fake.accepted('onesignal')).toHaveLength(1);
    });

    it('fails a 400 at once, masking ids in its text, and sends nothing more', async () => {
      fake.failNext('onesignal', { status: 400, body: { errors: ['Message Notifications must have English language content', `Subscription ${user.tokens[0]} is not a push subscription`] } });
      await pay(user.id);
      const push = (await settledDeliveries(t, user.id, 2)).find((d) => d.channel === 'PUSH')!;
      expect(push).toMatchObject({ status: 'FAILED', attempts: 1, providerMessageId: null });
      // The subscription id (a device token) in OneSignal's text is masked before it is stored or logged.
      expect(push.lastError).toBe('OneSignal 400: Message Notifications must have English language content; Subscription *** is not a push subscription');
      expect(fake.requests.filter((r) => r.provider === 'onesignal')).toHaveLength(1);
    });

    it('prunes subscriptions OneSignal reports invalid, and fails a push that had no valid one', async () => {
      const twoDevices = await verifiedUser(t, fake, { devices: 2, email: false, phone: false, deviceToken: subscription });
      // The second device raised a new-device alert: sent before the test's payments.
      expect((await settledDeliveries(t, twoDevices.id, 1)).map((d) => [d.type, d.status])).toEqual([['security.new_device', 'SENT']]);
      fake.reset();
      fake.unregistered.add(twoDevices.tokens[0]!);
      await pay(twoDevices.id);
      const [, push] = await settledDeliveries(t, twoDevices.id, 2);
      expect(push).toMatchObject({ type: 'payment.completed', channel: 'PUSH', status: 'SENT' });
      expect(fake.accepted('onesignal')[0]!.json.include_subscription_ids).toEqual(twoDevices.tokens);
      const tokensLeft = async () => (await t.db.prisma.deviceToken.findMany({ where: { userId: twoDevices.id } })).map((d) => d.token);
      await waitUntil(async () => (await tokensLeft()).length === 1, 10_000, () => 'invalid subscription pruned');
      expect(await tokensLeft()).toEqual([twoDevices.tokens[1]]);

      fake.unregistered.add(twoDevices.tokens[1]!);
      await pay(twoDevices.id);
      const [, , second] = await settledDeliveries(t, twoDevices.id, 3);
      expect(second).toMatchObject({ type: 'payment.completed', status: 'FAILED', attempts: 1 });
      expect(second!.lastError).toBe('OneSignal sent nothing: invalid_player_ids: 1');
      // Pruned right after the delivery's record.
      await waitUntil(async () => (await t.db.prisma.deviceToken.count({ where: { userId: twoDevices.id } })) === 0, 10_000, () => 'last subscription pruned');
      const listed = await t.gql(Notifications, { first: 1 }, { token: twoDevices.token });
      expect(listed.data!.notifications.edges[0]!.node.deliveries).toMatchObject([{ channel: 'PUSH', status: 'FAILED', lastError: 'the device is no longer registered' }]);
    });

    it('refuses an FCM registration token with BAD_USER_INPUT while pushing through OneSignal, and registers nothing', async () => {
      const res = await t.gql(RegisterDevice, { token: deviceToken(), platform: 'ANDROID' }, { token: user.token });
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.message).toContain('OneSignal subscription id');
      const after = await t.gql(Preferences, {}, { token: user.token });
      expect(after.data!.notificationContact.devices).toBe(1);
    });

    it('never sends a redelivered event again', async () => {
      const event = eventInput({ customerId: user.id });
      await t.gql(IngestOne, { event }, { token: m.token });
      await settledDeliveries(t, user.id, 2);
      for (let i = 0; i < 2; i += 1) expect((await t.gql(IngestOne, { event }, { token: m.token })).data!.ingestPaymentEvent.duplicate).toBe(true);
      const batch = await t.gql(IngestMany, { events: [event, event] }, { token: m.token });
      expect(batch.data!.ingestPaymentEvents).toMatchObject({ ingested: 0, duplicates: 2 });
      // A later, different event is sent: the earlier one has had every chance to be sent again.
      await pay(user.id);
      await settledDeliveries(t, user.id, 4);
      expect(fake.accepted('onesignal')).toHaveLength(2);
      expect(new Set(fake.accepted('onesignal').map((r) => r.json.data.notificationId)).size).toBe(2);
    });
  });

  describe("Africa's Talking SMS", () => {
    it('sends a CRITICAL alert to a +254 number through Africa\'s Talking with the exact request, and keeps the recipient status', async () => {
      const owner = await ownerAt('+254');
      fake.reset();
      const key = await t.gql(CreateApiKey, { name: 'ci <deploy>' }, { token: owner.token });
      expect(key.errors).toBeUndefined();
      const deliveries = await settledDeliveries(t, owner.id, 3);
      expect(deliveries.map((d) => [d.channel, d.status])).toEqual([
        ['PUSH', 'SENT'],
        ['EMAIL', 'SENT'],
        ['SMS', 'SENT'],
      ]);
      const [sms, ...more] = fake.accepted('africastalking');
      expect(more).toEqual([]);
      expect(sms!.method).toBe('POST');
      expect(sms!.path).toBe('/version1/messaging');
      expect(sms!.headers.apikey).toBe('atsk_test-api-key-0123456789');
      expect(sms!.headers.accept).toBe('application/json');
      expect(sms!.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(sms!.json).toEqual({ username: 'paypulse-test', to: owner.phone, message: API_KEY_SMS('ci <deploy>'), from: 'PAYPULSE' });
      expect(deliveries[2]!.providerMessageId).toMatch(/^ATXid_[0-9a-f]{32}$/);
      expect((await rowsOf(owner.id))[2]!.providerStatus).toBe('101 Success, KES 0.8000, 1 part');
      expect(fake.requests.filter((r) => r.provider === 'twilio')).toEqual([]);
    });

    it('routes by country prefix: +1 and +44 through Twilio, +254, +256 and +234 through Africa\'s Talking, the rest through SMS_PROVIDER', async () => {
      const sentThrough = async (prefix: string) => {
        const me = await t.token({ sub: `u-${randomUUID().slice(0, 8)}`, role: 'customer' });
        const phone = randomPhone(prefix);
        const res = await t.gql(RequestVerification, { channel: 'SMS', address: phone }, { token: me });
        expect(res.errors, prefix).toBeUndefined();
        const hits = fake.requests.filter((r) => r.json?.To === phone || r.json?.to === phone);
        expect(hits, prefix).toHaveLength(1);
        return hits[0]!.provider;
      };
      const table: Record<string, string> = {};
      for (const prefix of ['+1', '+44', '+254', '+256', '+234', '+27', '+233']) table[prefix] = await sentThrough(prefix);
      expect(table).toEqual({ '+1': 'twilio', '+44': 'twilio', '+254': 'africastalking', '+256': 'africastalking', '+234': 'africastalking', '+27': 'twilio', '+233': 'twilio' });
    });

    it('retries a recipient the account or network failed (405 InsufficientBalance, 500), then sends, keeping each status', async () => {
      const owner = await ownerAt('+256');
      fake.reset();
      fake.failNext('africastalking', atRecipientReply(405, 'InsufficientBalance'));
      fake.failNext('africastalking', { status: 500, body: 'Internal Server Error' });
      await t.gql(CreateApiKey, { name: 'retry' }, { token: owner.token });
      const sms = (await settledDeliveries(t, owner.id, 3)).find((d) => d.channel === 'SMS')!;
      expect(sms).toMatchObject({ status: 'SENT', attempts: 3 });
      expect(sms.lastError).toContain('500');
      expect(fake.requests.filter((r) => r.provider === 'africastalking').map((r) => [r.status, r.reply?.SMSMessageData?.Recipients?.[0]?.statusCode ?? null])).toEqual([
        [201, 405],
        [500, null],
        [201, 101],
      ]);
      expect(fake.accepted('africastalking')).toHaveLength(1);
      expect((await rowsOf(owner.id)).find((r) => r.channel === 'SMS')!.providerStatus).toBe('101 Success, KES 0.8000, 1 part');
    });

    it('fails a recipient that can never receive (403 InvalidPhoneNumber) at once, with the status kept and a public reason', async () => {
      const owner = await ownerAt('+234');
      fake.reset();
      fake.failNext('africastalking', atRecipientReply(403, 'InvalidPhoneNumber'));
      await t.gql(CreateApiKey, { name: 'bad number' }, { token: owner.token });
      const sms = (await settledDeliveries(t, owner.id, 3)).find((d) => d.channel === 'SMS')!;
      expect(sms).toMatchObject({ status: 'FAILED', attempts: 1, providerMessageId: null });
      expect(sms.lastError).toBe("Africa's Talking refused the recipient: 403 InvalidPhoneNumber, 0");
      expect(fake.requests.filter((r) => r.provider === 'africastalking')).toHaveLength(1);
      expect((await rowsOf(owner.id)).find((r) => r.channel === 'SMS')!.providerStatus).toBe('403 InvalidPhoneNumber, 0');
      const listed = await t.gql(Notifications, { first: 1 }, { token: owner.token });
      expect(listed.data!.notifications.edges[0]!.node.deliveries.find((d) => d.channel === 'SMS')!.lastError).toBe('the phone number cannot receive SMS');
    });

    it('fails at once when the API key is refused (401)', async () => {
      const owner = await ownerAt('+254');
      fake.reset();
      fake.failNext('africastalking', { status: 401, body: 'The supplied authentication is invalid' });
      await t.gql(CreateApiKey, { name: 'bad key' }, { token: owner.token });
      const sms = (await settledDeliveries(t, owner.id, 3)).find((d) => d.channel === 'SMS')!;
      expect(sms).toMatchObject({ status: 'FAILED', attempts: 1 });
      expect(sms.lastError).toBe("Africa's Talking answered 401: The supplied authentication is invalid");
    });

    it('fails at once a request refused as a whole (no entry for the number)', async () => {
      const owner = await ownerAt('+256');
      fake.reset();
      fake.failNext('africastalking', { status: 201, body: { SMSMessageData: { Message: 'InvalidSenderId', Recipients: [] } } });
      await t.gql(CreateApiKey, { name: 'bad sender' }, { token: owner.token });
      const sms = (await settledDeliveries(t, owner.id, 3)).find((d) => d.channel === 'SMS')!;
      expect(sms).toMatchObject({ status: 'FAILED', attempts: 1 });
      expect(sms.lastError).toBe("Africa's Talking sent nothing: InvalidSenderId");
      expect(fake.requests.filter((r) => r.provider === 'africastalking')).toHaveLength(1);
    });

    it('sends UCS-2 text under the same segment rules as Twilio: cut to 3 × 67 characters with "..."', async () => {
      const customer = await verifiedUser(t, fake, { phonePrefix: '+254', devices: 0, email: false });
      fake.reset();
      const body = `Malipo yamekamilika ✓ ${'Асанте '.repeat(40)}`;
      const draft = { audience: { kind: 'user' as const, userId: customer.id }, merchantId: null, type: 'transfer.success' as const, priority: 'CRITICAL' as const, title: 'Transfer', body, data: {}, dedupKey: `test:${customer.id}` };
      await t.domain.notifications.notify([draft]);
      await settledDeliveries(t, customer.id, 1);
      const expected = renderSms(draft);
      expect(expected).toMatchObject({ encoding: 'UCS-2', segments: 3 });
      expect(expected.text.endsWith('...')).toBe(true);
      expect(expected.text.length).toBeLessThanOrEqual(3 * 67);
      expect(fake.accepted('africastalking').map((r) => r.json.message)).toEqual([expected.text]);
    });

    it('never sends a redelivered event again', async () => {
      const opted = await t.gql(UpdatePreferences, { preferences: [{ type: 'PAYMENT_COMPLETED', sms: true }] }, { token: user.token });
      expect(opted.errors).toBeUndefined();
      fake.reset();
      const event = eventInput({ customerId: user.id });
      await t.gql(IngestOne, { event }, { token: m.token });
      await settledDeliveries(t, user.id, 3);
      for (let i = 0; i < 2; i += 1) expect((await t.gql(IngestOne, { event }, { token: m.token })).data!.ingestPaymentEvent.duplicate).toBe(true);
      await pay(user.id);
      await settledDeliveries(t, user.id, 6);
      expect(fake.accepted('africastalking').map((r) => r.json.to)).toEqual([user.phone, user.phone]);
      expect((await deliveriesOf(t, user.id)).filter((d) => d.channel === 'SMS').map((d) => d.status)).toEqual(['SENT', 'SENT']);
    });
  });

  it('keeps phone numbers, subscription ids and provider keys out of the logs', async () => {
    const owner = await ownerAt('+254');
    fake.reset();
    fake.failNext('africastalking', atRecipientReply(500, 'InternalServerError'));
    fake.unregistered.add(owner.tokens[0]!);
    await t.gql(CreateApiKey, { name: 'logged' }, { token: owner.token });
    await settledDeliveries(t, owner.id, 3);
    const all = logLines.join('\n');
    expect(all).toContain('notification delivery will be retried');
    expect(all).toContain('device tokens the push provider reported unregistered were removed');
    for (const secret of [owner.phone!, owner.phone!.slice(1), owner.tokens[0]!, user.tokens[0]!, 'atsk_test-api-key-0123456789', 'os_v2_app_test-rest-key']) expect(all).not.toContain(secret);
  });
});
