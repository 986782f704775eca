/**
 * Delivery end to end on PostgreSQL + Redis: events and orders ingested over real HTTP become
 * notifications in the outbox, and the worker sends them through firebase-admin, @sendgrid/mail
 * and twilio pointed at a local server that checks the exact requests and can answer with errors.
 */
import { jwtVerify, importSPKI } from 'jose';
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import type { TestApp } from '../support/app.js';
import { CreateApiKey, IngestMany, IngestOne } from '../support/operations.js';
import { startFakeProviders, type FakeProviders } from '../support/providers.js';
import { describeWith } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';
import { eventInput } from '../support/events.js';
import { NEEDS, newMerchant, type TestMerchant } from '../support/tenants.js';
import { CreateOrder, UpdateOrderStatus } from '../orders/operations.js';
import { deliveriesOf, SERVICE_ACCOUNT_PUBLIC_KEY, settledDeliveries, startWithProviders, verifiedUser, type TestUser } from './helpers.js';
import { Preferences, UpdatePreferences } from './operations.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

await describeWith(NEEDS.services, 'notification delivery through the provider SDKs (services)', () => {
  let fake: FakeProviders;
  let t: TestApp;
  let m: TestMerchant;
  let user: TestUser;

  /** FCM requests that carried one notification. */
  const pushesOf = (notificationId: string) => fake.requests.filter((r) => r.provider === 'fcm' && r.json?.message?.data?.notificationId === notificationId);

  async function pay(customerId: string, overrides: Parameters<typeof eventInput>[0] = {}) {
    const res = await t.gql(IngestOne, { event: eventInput({ customerId, ...overrides }) }, { token: m.token });
    expect(res.errors).toBeUndefined();
    return res.data!.ingestPaymentEvent;
  }

  beforeAll(async () => {
    fake = await startFakeProviders();
    t = await startWithProviders('services', fake);
    m = await newMerchant(t);
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });
  beforeEach(async () => {
    user = await verifiedUser(t, fake);
    fake.reset();
  });

  it('sends a HIGH payment notification by push and email with the exact provider requests, no SMS', async () => {
    await pay(user.id, { productName: 'Jollof <b>rice</b>', amountMinor: '150050' });
    const [push, email, ...rest] = await settledDeliveries(t, user.id, 2);
    expect(rest).toEqual([]);
    expect([push!.channel, push!.status, email!.channel, email!.status]).toEqual(['PUSH', 'SENT', 'EMAIL', 'SENT']);

    // FCM HTTP v1, authorised with a token the service account's signed assertion bought.
    const oauth = fake.requests.find((r) => r.provider === 'oauth')!;
    expect(oauth.json.grant_type).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const { payload } = await jwtVerify(oauth.json.assertion, await importSPKI(SERVICE_ACCOUNT_PUBLIC_KEY, 'RS256'));
    expect(payload).toMatchObject({ iss: 'fcm@paypulse-test.iam.gserviceaccount.com', scope: 'https://www.googleapis.com/auth/firebase.messaging' });
    const fcm = fake.accepted('fcm');
    expect(fcm).toHaveLength(1);
    expect(fcm[0]!.path).toBe('/v1/projects/paypulse-test/messages:send');
    expect(fcm[0]!.headers.authorization).toBe('Bearer ya29.fake-access-token');
    expect(fcm[0]!.json.message).toEqual({
      token: user.tokens[0],
      notification: { title: 'Payment successful', body: `Your payment of KES 1,500.50 to Merchant ${m.id} for Jollof <b>rice</b> was successful (ref ${fcm[0]!.json.message.notification.body.match(/ref ([^)]+)\)/)[1]}).` },
      data: { notificationId: push!.notificationId, type: 'payment.completed', priority: 'HIGH' },
      android: { priority: 'high', collapse_key: push!.notificationId },
      apns: { headers: { 'apns-priority': '10', 'apns-collapse-id': push!.notificationId } },
      webpush: { headers: { Topic: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), Urgency: 'high' } },
    });
    expect(push!.providerMessageId).toMatch(/^projects\/paypulse-test\/messages\/\d+$/);

    const mail = fake.accepted('sendgrid');
    expect(mail).toHaveLength(1);
    expect(mail[0]!.headers.authorization).toBe('Bearer SG.test-key');
    expect(mail[0]!.json).toMatchObject({
      from: { email: 'alerts@paypulse.test' },
      subject: 'Payment successful',
      personalizations: [{ to: [{ email: user.email }] }],
      custom_args: { notificationId: email!.notificationId },
    });
    const [text, html] = mail[0]!.json.content as { type: string; value: string }[];
    expect(text).toMatchObject({ type: 'text/plain' });
    expect(text!.value).toContain('Jollof <b>rice</b>');
    expect(html!.type).toBe('text/html');
    expect(html!.value).toContain('Jollof &lt;b&gt;rice&lt;/b&gt;');
    expect(html!.value).not.toContain('<b>rice');
    expect(email!.providerMessageId).toMatch(/^sg-\d+$/);
    expect(fake.requests.filter((r) => r.provider === 'twilio')).toEqual([]);
  });

  it('never sends a redelivered event again', async () => {
    const event = eventInput({ customerId: user.id });
    const first = await t.gql(IngestOne, { event }, { token: m.token });
    expect(first.data!.ingestPaymentEvent.duplicate).toBe(false);
    await settledDeliveries(t, user.id, 2);
    const sent = fake.requests.length;
    for (let i = 0; i < 3; i += 1) {
      const again = await t.gql(IngestOne, { event }, { token: m.token });
      expect(again.data!.ingestPaymentEvent.duplicate).toBe(true);
    }
    const batch = await t.gql(IngestMany, { events: [event, event] }, { token: m.token });
    expect(batch.data!.ingestPaymentEvents).toMatchObject({ ingested: 0, duplicates: 2 });
    await sleep(600); // several worker polls
    expect(await deliveriesOf(t, user.id)).toHaveLength(2);
    expect(fake.requests.length).toBe(sent);
    expect(await t.db.prisma.notification.count({ where: { userId: user.id } })).toBe(1);
  });

  it('writes nothing the second time the same cause is staged, so it can never be delivered twice', async () => {
    const drafts = [{ audience: { kind: 'user' as const, userId: user.id }, merchantId: m.id, type: 'transfer.success' as const, priority: 'HIGH' as const, title: 'T', body: 'B', data: {}, dedupKey: `test:${user.id}` }];
    expect(await t.domain.notifications.notify(drafts)).toHaveLength(1);
    expect(await t.domain.notifications.notify(drafts)).toEqual([]);
    await Promise.all([t.domain.notifications.notify(drafts), t.domain.notifications.notify(drafts)]);
    const deliveries = await settledDeliveries(t, user.id, 2);
    expect(deliveries.map((d) => d.channel)).toEqual(['PUSH', 'EMAIL']);
    expect(fake.accepted('fcm')).toHaveLength(1);
    expect(fake.accepted('sendgrid')).toHaveLength(1);
  });

  it('times out a provider that never answers and sends on the next attempt', async () => {
    fake.failNext('fcm', { status: 599, hang: true });
    await pay(user.id);
    const push = (await settledDeliveries(t, user.id, 2)).find((d) => d.channel === 'PUSH')!;
    expect(push).toMatchObject({ status: 'SENT', attempts: 2 });
    expect(push.lastError).toContain('FCM did not answer within 1000 ms');
  });

  it('fails, without sending, a delivery whose last allowed claim expired unrecorded', async () => {
    await pay(user.id, { type: 'TRANSFER_FAILED' });
    const [push] = await settledDeliveries(t, user.id, 2);
    // As a worker that died on its fourth (last) attempt leaves it.
    await t.db.prisma.notificationDelivery.updateMany({
      where: { notificationId: push!.notificationId, channel: 'PUSH' },
      data: { status: 'SENDING', attempts: 4, leaseUntil: new Date(Date.now() - 1000), claimId: 'dead-worker' },
    });
    const sent = fake.requests.length;
    await waitUntil(async () => (await deliveriesOf(t, user.id)).find((d) => d.channel === 'PUSH')!.status === 'FAILED', 10_000, () => 'abandoned claim failed');
    expect((await deliveriesOf(t, user.id)).find((d) => d.channel === 'PUSH')!.lastError).toMatch(/^gave up after 4 attempts: the last claim's worker stopped/);
    expect(fake.requests.length).toBe(sent);
  });

  it('retries a 503 with backoff and sends once it recovers, keeping the last error', async () => {
    fake.failNext('sendgrid', { status: 503, body: { errors: [{ message: 'try later' }] } }, 2);
    await pay(user.id);
    const email = (await settledDeliveries(t, user.id, 2)).find((d) => d.channel === 'EMAIL')!;
    expect(email).toMatchObject({ status: 'SENT', attempts: 3 });
    expect(email.lastError).toContain('try later');
    expect(fake.requests.filter((r) => r.provider === 'sendgrid').map((r) => r.status)).toEqual([503, 503, 202]);
  });

  it('marks a permanent provider refusal FAILED at once and sends nothing more', async () => {
    fake.failNext('sendgrid', { status: 400, body: { errors: [{ message: 'Does not contain a valid address.', field: 'personalizations.0.to' }] } });
    await pay(user.id);
    const email = (await settledDeliveries(t, user.id, 2)).find((d) => d.channel === 'EMAIL')!;
    expect(email).toMatchObject({ status: 'FAILED', attempts: 1, providerMessageId: null });
    expect(email.lastError).toContain('Does not contain a valid address.');
    await sleep(500);
    expect(fake.requests.filter((r) => r.provider === 'sendgrid')).toHaveLength(1);
  });

  it('gives up after NOTIFY_MAX_ATTEMPTS transient failures', async () => {
    fake.failNext('fcm', { status: 500, body: { error: { code: 500, status: 'INTERNAL', message: 'backend error' } } }, 10);
    await pay(user.id);
    const push = (await settledDeliveries(t, user.id, 2)).find((d) => d.channel === 'PUSH')!;
    expect(push).toMatchObject({ status: 'FAILED', attempts: 4 });
    expect(push.lastError).toMatch(/^gave up after 4 attempts: /);
    expect(fake.requests.filter((r) => r.provider === 'fcm')).toHaveLength(4);
  });

  it('prunes device tokens FCM reports unregistered, and fails a push that had no live token', async () => {
    const twoDevices = await verifiedUser(t, fake, { devices: 2, email: false, phone: false });
    fake.reset();
    fake.unregistered.add(twoDevices.tokens[0]!);
    await pay(twoDevices.id);
    const [push] = await settledDeliveries(t, twoDevices.id, 1);
    expect(push).toMatchObject({ channel: 'PUSH', status: 'SENT' });
    expect(fake.requests.filter((r) => r.provider === 'fcm').map((r) => [r.json.message.token, r.status])).toEqual(
      expect.arrayContaining([[twoDevices.tokens[0], 404], [twoDevices.tokens[1], 200]]),
    );
    const after = await t.gql(Preferences, {}, { token: twoDevices.token });
    expect(after.data!.notificationContact.devices).toBe(1);
    expect((await t.db.prisma.deviceToken.findMany({ where: { userId: twoDevices.id } })).map((d) => d.token)).toEqual([twoDevices.tokens[1]]);

    fake.unregistered.add(twoDevices.tokens[1]!);
    await pay(twoDevices.id);
    await waitUntil(async () => (await deliveriesOf(t, twoDevices.id)).at(-1)?.status === 'FAILED', 10_000, () => 'second push failed');
    expect((await deliveriesOf(t, twoDevices.id)).at(-1)!.lastError).toContain('registration-token-not-registered');
    expect(await t.db.prisma.deviceToken.count({ where: { userId: twoDevices.id } })).toBe(0);
  });

  it('sends a CRITICAL security alert by SMS too, even to a merchant who turned every channel off', async () => {
    const owner = await verifiedUser(t, fake, { role: 'merchant', merchantId: m.id });
    const prefs = await t.gql(UpdatePreferences, { preferences: [{ type: 'SECURITY_API_KEY_CREATED', push: false, email: false, sms: false }] }, { token: owner.token });
    expect(prefs.errors).toBeUndefined();
    fake.reset();
    const key = await t.gql(CreateApiKey, { name: 'ci <deploy>' }, { token: owner.token });
    expect(key.errors).toBeUndefined();
    const deliveries = await settledDeliveries(t, owner.id, 3);
    expect(deliveries.map((d) => [d.type, d.channel, d.status])).toEqual([
      ['security.api_key_created', 'PUSH', 'SENT'],
      ['security.api_key_created', 'EMAIL', 'SENT'],
      ['security.api_key_created', 'SMS', 'SENT'],
    ]);
    const [sms] = fake.accepted('twilio');
    expect(sms!.path).toBe(`/2010-04-01/Accounts/AC${'0123456789abcdef'.repeat(2)}/Messages.json`);
    expect(sms!.headers.authorization).toBe(`Basic ${Buffer.from(`AC${'0123456789abcdef'.repeat(2)}:twilio-test-token`).toString('base64')}`);
    expect(sms!.json).toEqual({
      To: owner.phone,
      From: '+15005550006',
      Body: 'New API key created: An API key named "ci <deploy>" was created for your account. If this was not you, revoke it now.',
    });
    expect(deliveries[2]!.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it('records a CRITICAL SMS that cannot go out as FAILED, and sends what it can', async () => {
    // A merchant of its own: the only one this merchant's security alerts reach.
    const alone = await newMerchant(t);
    const noPhone = await verifiedUser(t, fake, { role: 'merchant', merchantId: alone.id, phone: false });
    fake.reset();
    await t.gql(CreateApiKey, { name: 'second' }, { token: noPhone.token });
    const deliveries = await settledDeliveries(t, noPhone.id, 3);
    expect(deliveries.map((d) => [d.channel, d.status, d.attempts, d.lastError])).toEqual([
      ['PUSH', 'SENT', 1, null],
      ['EMAIL', 'SENT', 1, null],
      ['SMS', 'FAILED', 0, 'no verified phone number'],
    ]);
    expect(fake.requests.filter((r) => r.provider === 'twilio')).toEqual([]);
  });

  it('tells the vendor about a new order and the customer when it is ready for pickup', async () => {
    const vendor = await verifiedUser(t, fake, { role: 'vendor', merchantId: m.id });
    fake.reset();
    const created = await t.gql(
      CreateOrder,
      { input: { customerId: user.id, vendorId: vendor.id, currency: 'KES', items: [{ name: 'Nyama choma', quantity: 2, unitPriceMinor: '45000' }] } },
      { token: m.token },
    );
    expect(created.errors).toBeUndefined();
    const orderId = created.data!.createOrder.id;
    const toVendor = await settledDeliveries(t, vendor.id, 2);
    expect(toVendor.map((d) => [d.type, d.channel, d.status])).toEqual([
      ['order.created', 'PUSH', 'SENT'],
      ['order.created', 'EMAIL', 'SENT'],
    ]);
    expect(fake.accepted('fcm').find((r) => r.json.message.token === vendor.tokens[0])!.json.message.notification).toEqual({
      title: 'New order',
      body: `Order ...${orderId.slice(-6)}: 2 x Nyama choma (KES 900.00).`,
    });

    for (const status of ['PAID', 'PREPARING', 'READY'] as const) {
      const moved = await t.gql(UpdateOrderStatus, { orderId, status }, { token: vendor.token });
      expect(moved.errors, status).toBeUndefined();
    }
    const toCustomer = await settledDeliveries(t, user.id, 2);
    expect(toCustomer.map((d) => [d.type, d.channel, d.status])).toEqual([
      ['order.ready', 'PUSH', 'SENT'],
      ['order.ready', 'EMAIL', 'SENT'],
    ]);
    const push = fake.accepted('fcm').find((r) => r.json.message.token === user.tokens[0])!;
    expect(push.json.message.notification).toEqual({ title: 'Your order is ready', body: `Order ...${orderId.slice(-6)} is ready for pickup.` });
  });

  it("sends a named vendor from outside the merchant nothing: the merchant's own vendors get the order", async () => {
    const outsider = await verifiedUser(t, fake, { role: 'vendor', merchantId: (await newMerchant(t)).id });
    const ownVendor = await verifiedUser(t, fake, { role: 'vendor', merchantId: m.id });
    fake.reset();
    const created = await t.gql(CreateOrder, { input: { customerId: user.id, vendorId: outsider.id, currency: 'KES', items: [{ name: 'Chai', quantity: 1, unitPriceMinor: '5000' }] } }, { token: m.token });
    expect(created.errors).toBeUndefined();
    await waitUntil(async () => (await deliveriesOf(t, ownVendor.id)).some((d) => d.type === 'order.created' && d.status === 'SENT'), 10_000, () => 'own vendor told');
    expect(await t.db.prisma.notification.count({ where: { userId: outsider.id } })).toBe(0);
  });

  it("never notifies a customer who belongs to another merchant about this merchant's events", async () => {
    const elsewhere = await newMerchant(t);
    const theirs = await verifiedUser(t, fake, { role: 'customer', merchantId: elsewhere.id });
    await pay(theirs.id);
    await sleep(300);
    expect(await t.db.prisma.notification.count({ where: { userId: theirs.id } })).toBe(0);
    // Their own merchant's events do reach them.
    const res = await t.gql(IngestOne, { event: eventInput({ customerId: theirs.id }) }, { token: elsewhere.token });
    expect(res.errors).toBeUndefined();
    await settledDeliveries(t, theirs.id, 2);
  });

  it('tells a wallet owner about a credit by push only (NORMAL), beside the payment notification', async () => {
    await pay(user.id, { walletId: `w_${user.id}`, amountMinor: '250000' });
    const deliveries = await settledDeliveries(t, user.id, 3);
    expect(deliveries.map((d) => [d.type, d.channel]).sort()).toEqual([
      ['payment.completed', 'EMAIL'],
      ['payment.completed', 'PUSH'],
      ['wallet.credited', 'PUSH'],
    ]);
    const credit = fake.accepted('fcm').find((r) => r.json.message.data.type === 'wallet.credited')!;
    expect(credit.json.message.notification).toEqual({ title: 'Balance credited', body: 'KES 2,500.00 was added to your wallet. Available balance: KES 2,500.00.' });
    expect(credit.json.message.android.priority).toBe('normal');
    expect(pushesOf(deliveries.find((d) => d.type === 'wallet.credited')!.notificationId)).toHaveLength(1);
  });
});
