/**
 * The pure parts of notifications: the routing matrix (priority × preference × reach → channels),
 * which causes notify whom, and the templates (amounts per exponent, escaping, SMS segments).
 */
import { describe, expect, it } from 'vitest';
import { recipientOutcome, RECIPIENT_STATUS } from '../../src/notifications/channels/africastalking.js';
import { deliveryIdempotencyKey } from '../../src/notifications/channels/onesignal.js';
import { createSmsRouter, smsProviderFor } from '../../src/notifications/channels/sms-routing.js';
import { route, type Reach } from '../../src/notifications/routing.js';
import { publicDeliveryError } from '../../src/notifications/delivery-errors.js';
import { draftForApiKey, draftForCredit, draftsForEvent, draftsForOrder } from '../../src/notifications/rules.js';
import { escapeHtml, formatAmount, MAX_SMS_SEGMENTS, renderEmail, renderSms } from '../../src/notifications/templates.js';
import { CHANNELS, PRIORITIES, type Channel, type Priority } from '../../src/notifications/types.js';
import type { OrderRecord } from '../../src/orders/types.js';
import type { PaymentEventRecord } from '../../src/payments/types.js';

const ALL: Reach = { pushTokens: 2, verifiedEmail: true, verifiedPhone: true };
const prefValues = [undefined, null, true, false] as const;
/** The defaults as the issue states them, written out here rather than imported from the code. */
const DEFAULTS: Record<Priority, Channel[]> = { LOW: [], NORMAL: ['PUSH'], HIGH: ['PUSH', 'EMAIL'], CRITICAL: ['PUSH', 'EMAIL', 'SMS'] };

describe('routing matrix', () => {
  // Every priority × every preference value on every channel × reachable or not.
  for (const priority of PRIORITIES) {
    for (const channel of CHANNELS) {
      for (const value of prefValues) {
        for (const reachable of [true, false]) {
          const key = { PUSH: 'push', EMAIL: 'email', SMS: 'sms' }[channel] as 'push' | 'email' | 'sms';
          const preference = value === undefined ? undefined : { push: null, email: null, sms: null, [key]: value };
          const reach: Reach = { ...ALL, ...(reachable ? {} : { PUSH: { pushTokens: 0 }, EMAIL: { verifiedEmail: false }, SMS: { verifiedPhone: false } }[channel]) };
          it(`${priority} with ${channel}=${String(value)} ${reachable ? 'reachable' : 'unreachable'}`, () => {
            const routed = route(priority, preference, reach).filter((r) => r.channel === channel);
            const wanted = priority === 'CRITICAL' || (value ?? DEFAULTS[priority].includes(channel));
            if (!wanted) return void expect(routed).toEqual([]);
            if (reachable) return void expect(routed).toEqual([{ channel, status: 'PENDING' }]);
            // Only a CRITICAL SMS is recorded although it cannot go out: the gap stays visible.
            if (priority === 'CRITICAL' && channel === 'SMS') return void expect(routed).toEqual([{ channel, status: 'FAILED', error: 'no verified phone number' }]);
            expect(routed).toEqual([]);
          });
        }
      }
    }
  }

  it('defaults: LOW in-app only, NORMAL push, HIGH push and email, CRITICAL every channel', () => {
    const channels = (p: Priority) => route(p, undefined, ALL).map((r) => r.channel);
    expect(channels('LOW')).toEqual([]);
    expect(channels('NORMAL')).toEqual(['PUSH']);
    expect(channels('HIGH')).toEqual(['PUSH', 'EMAIL']);
    expect(channels('CRITICAL')).toEqual(['PUSH', 'EMAIL', 'SMS']);
  });

  it('never drops CRITICAL when the user turned every channel off', () => {
    const off = { push: false, email: false, sms: false };
    expect(route('CRITICAL', off, ALL).map((r) => r.channel)).toEqual(['PUSH', 'EMAIL', 'SMS']);
    expect(route('HIGH', off, ALL)).toEqual([]);
  });

  it('opts a LOW type into SMS when the user asks for it', () => {
    expect(route('LOW', { push: null, email: null, sms: true }, ALL).map((r) => r.channel satisfies Channel)).toEqual(['SMS']);
  });
});

const event = (overrides: Partial<PaymentEventRecord> = {}): PaymentEventRecord => ({
  seq: 1n,
  merchantSeq: 1n,
  merchantId: 'm_1',
  eventId: 'evt-1',
  schemaVersion: 2,
  type: 'payment.completed',
  provider: 'mpesa',
  paymentMethod: 'mobile_money',
  amountMinor: 150_050n,
  feeMinor: 0n,
  currency: 'KES',
  customerId: 'cust-1',
  productId: null,
  productName: 'Jollof <rice>',
  orderId: null,
  walletId: null,
  reference: 'R-1',
  occurredAt: new Date('2026-12-01T10:00:00Z'),
  receivedAt: new Date('2026-12-01T10:00:01Z'),
  source: 'api',
  metadata: {},
  ...overrides,
});

describe('which causes notify whom', () => {
  it('tells the customer HIGH and the merchant LOW about a completed payment, with the exact amount', () => {
    const drafts = draftsForEvent(event(), 'Mama Put');
    expect(drafts.map((d) => [d.type, d.priority, d.audience])).toEqual([
      ['payment.completed', 'HIGH', { kind: 'user', userId: 'cust-1' }],
      ['payment.received', 'LOW', { kind: 'merchantRole', merchantId: 'm_1', role: 'merchant' }],
    ]);
    expect(drafts[0]!.body).toBe('Your payment of KES 1,500.50 to Mama Put for Jollof <rice> was successful (ref R-1).');
    expect(drafts[0]!.dedupKey).toBe('event:m_1:evt-1:customer');
  });

  it('notifies nobody for in-between states, and only the merchant when the event names no customer', () => {
    for (const type of ['payment.initiated', 'payment.pending', 'payment.processing'] as const) expect(draftsForEvent(event({ type }), 'M')).toEqual([]);
    expect(draftsForEvent(event({ customerId: null }), 'M').map((d) => d.type)).toEqual(['payment.received']);
    expect(draftsForEvent(event({ type: 'refund.processed' }), 'M').map((d) => [d.type, d.priority])).toEqual([['refund.processed', 'NORMAL']]);
    expect(draftsForEvent(event({ type: 'transfer.failed' }), 'M').map((d) => [d.type, d.priority])).toEqual([['transfer.failed', 'HIGH']]);
  });

  it('formats a zero-exponent currency without decimals', () => {
    const credit = draftForCredit({ walletId: 'w', ownerId: 'u', merchantId: 'm', eventId: 'e', deltaMinor: 5_000n, availableMinor: 1_250_000n, currency: 'XOF', version: 3n });
    expect(credit.body).toBe('XOF 5,000 was added to your wallet. Available balance: XOF 1,250,000.');
    expect(credit.dedupKey).toBe('wallet:["m","w"]:v3');
  });

  it('tells vendors about a new order and the customer when it is ready or cancelled, nobody for other moves', () => {
    const order: OrderRecord = {
      id: 'ord_00000000-aaaa-bbbb-cccc-123456abcdef', seq: 1n, merchantId: 'm_1', vendorId: null, customerId: 'cust-1',
      items: [{ name: 'Suya', quantity: 2, unitPriceMinor: 50_000n }], amountMinor: 100_000n, currency: 'NGN', status: 'CREATED',
      estimatedReadyAt: null, version: 1n, createdAt: new Date(), updatedAt: new Date(),
    };
    expect(draftsForOrder(order).map((d) => [d.type, d.audience])).toEqual([['order.created', { kind: 'merchantRole', merchantId: 'm_1', role: 'vendor' }]]);
    // A named vendor is only ever one of the merchant's own vendors (checked when it is written).
    expect(draftsForOrder({ ...order, vendorId: 'stall-7' })[0]!.audience).toEqual({ kind: 'merchantRole', merchantId: 'm_1', role: 'vendor', userId: 'stall-7' });
    expect(draftsForOrder(order)[0]!.body).toBe('Order ...abcdef: 2 x Suya (NGN 1,000.00).');
    expect(draftsForOrder({ ...order, status: 'READY', version: 4n }).map((d) => [d.type, d.body, d.dedupKey])).toEqual([['order.ready', 'Order ...abcdef is ready for pickup.', `order:${order.id}:v4`]]);
    expect(draftsForOrder({ ...order, status: 'CANCELLED', version: 2n })[0]!.type).toBe('order.cancelled');
    for (const status of ['PAID', 'PREPARING', 'COMPLETED'] as const) expect(draftsForOrder({ ...order, status, version: 2n })).toEqual([]);
  });

  it('raises a new API key as CRITICAL for the merchant', () => {
    expect(draftForApiKey({ merchantId: 'm', keyId: 'k', keyName: 'ci', actor: 'u', action: 'created' })).toMatchObject({ priority: 'CRITICAL', audience: { kind: 'merchantRole', role: 'merchant' } });
  });
});

describe('event type × preferences × priority → channels, end to end of the pure rules', () => {
  const reachAll: Reach = { pushTokens: 1, verifiedEmail: true, verifiedPhone: true };
  const prefs = { defaults: undefined, allOff: { push: false, email: false, sms: false }, allOn: { push: true, email: true, sms: true } } as const;
  // [event type] → the customer's channels under each preference set ([] = in-app only).
  const expected: Record<string, Record<keyof typeof prefs, Channel[]> | null> = {
    'payment.initiated': null,
    'payment.pending': null,
    'payment.processing': null,
    'payment.completed': { defaults: ['PUSH', 'EMAIL'], allOff: [], allOn: ['PUSH', 'EMAIL', 'SMS'] },
    'payment.failed': { defaults: ['PUSH', 'EMAIL'], allOff: [], allOn: ['PUSH', 'EMAIL', 'SMS'] },
    'payment.refunded': { defaults: ['PUSH'], allOff: [], allOn: ['PUSH', 'EMAIL', 'SMS'] },
    'refund.processed': { defaults: ['PUSH'], allOff: [], allOn: ['PUSH', 'EMAIL', 'SMS'] },
    'transfer.success': { defaults: ['PUSH', 'EMAIL'], allOff: [], allOn: ['PUSH', 'EMAIL', 'SMS'] },
    'transfer.failed': { defaults: ['PUSH', 'EMAIL'], allOff: [], allOn: ['PUSH', 'EMAIL', 'SMS'] },
  };
  for (const [type, byPref] of Object.entries(expected)) {
    for (const [name, preference] of Object.entries(prefs) as [keyof typeof prefs, (typeof prefs)[keyof typeof prefs]][]) {
      it(`${type} with ${name} preferences`, () => {
        const toCustomer = draftsForEvent(event({ type: type as PaymentEventRecord['type'] }), 'M').filter((d) => d.audience.kind === 'user');
        if (byPref === null) return void expect(toCustomer).toEqual([]);
        expect(toCustomer).toHaveLength(1);
        expect(route(toCustomer[0]!.priority, preference, reachAll).map((r) => r.channel)).toEqual(byPref[name]);
      });
    }
  }

  it('a CRITICAL security alert reaches every channel under every preference set', () => {
    const alert = draftForApiKey({ merchantId: 'm', keyId: 'k', keyName: 'ci', actor: 'u', action: 'created' });
    for (const preference of Object.values(prefs)) expect(route(alert.priority, preference, reachAll).map((r) => r.channel)).toEqual(['PUSH', 'EMAIL', 'SMS']);
  });
});

describe('templates', () => {
  it('formats amounts exactly per currency exponent', () => {
    expect(formatAmount(0n, 'KES')).toBe('KES 0.00');
    expect(formatAmount(5n, 'KES')).toBe('KES 0.05');
    expect(formatAmount(123_456_789n, 'NGN')).toBe('NGN 1,234,567.89');
    expect(formatAmount(9_223_372_036_854_775_807n, 'UGX')).toBe('UGX 9,223,372,036,854,775,807');
    expect(formatAmount(-1_000n, 'BHD')).toBe('BHD -1.000');
  });

  it('escapes user data in the HTML email and keeps the subject on one line', () => {
    const mail = renderEmail({ title: 'Hi\r\nBcc: evil@x.test', body: '<script>alert("x")</script> & \'quotes\'', priority: 'HIGH' });
    expect(mail.subject).toBe('Hi Bcc: evil@x.test');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;');
    expect(escapeHtml('<a href="x">')).toBe('&lt;a href=&quot;x&quot;&gt;');
    expect(mail.text).toContain('<script>');
  });

  it('counts GSM-7 and UCS-2 segments and cuts long texts deliberately', () => {
    expect(renderSms({ title: 'Paid', body: 'KES 10.00' })).toEqual({ text: 'Paid: KES 10.00', encoding: 'GSM-7', segments: 1 });
    expect(renderSms({ title: 'T', body: 'x'.repeat(157) }).segments).toBe(1); // exactly 160
    expect(renderSms({ title: 'T', body: 'x'.repeat(158) }).segments).toBe(2);
    // Extension characters take two septets.
    expect(renderSms({ title: 'T', body: '€'.repeat(79) }).segments).toBe(2);
    expect(renderSms({ title: 'Émoji', body: '✓ paid' })).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    const long = renderSms({ title: 'Long', body: 'word '.repeat(500) });
    expect(long.segments).toBe(MAX_SMS_SEGMENTS);
    expect(long.text.endsWith('...')).toBe(true);
    expect(long.text.length).toBeLessThanOrEqual(MAX_SMS_SEGMENTS * 153);
    const longUnicode = renderSms({ title: 'Long', body: 'ñ✓'.repeat(200) });
    expect(longUnicode).toMatchObject({ encoding: 'UCS-2', segments: MAX_SMS_SEGMENTS });
    expect(longUnicode.text.length).toBeLessThanOrEqual(MAX_SMS_SEGMENTS * 67);
  });
});

describe('SMS provider per country prefix', () => {
  const routes = [
    { prefix: '+2547', provider: 'twilio' as const },
    { prefix: '+254', provider: 'africastalking' as const },
    { prefix: '+1', provider: 'twilio' as const },
  ];
  it('takes the longest matching prefix, whatever the order of the table, else the fallback', () => {
    for (const table of [routes, [...routes].reverse()]) {
      expect(smsProviderFor('+254712345678', table, 'africastalking')).toBe('twilio');
      expect(smsProviderFor('+254112345678', table, 'twilio')).toBe('africastalking');
      expect(smsProviderFor('+15005550006', table, 'africastalking')).toBe('twilio');
      expect(smsProviderFor('+27821234567', table, 'africastalking')).toBe('africastalking');
      expect(smsProviderFor('+27821234567', table, 'twilio')).toBe('twilio');
    }
    expect(smsProviderFor('+254712345678', [], 'twilio')).toBe('twilio');
  });

  it('refuses to build a router naming a provider it has no sender for', () => {
    expect(() => createSmsRouter({ senders: {}, routes, fallback: 'twilio' })).toThrow(/twilio is routed to but not configured/);
  });
});

describe("Africa's Talking recipient statuses", () => {
  const entry = (statusCode: number, status: string) => ({ statusCode, status, number: '+254700000001', cost: 'KES 0.8000', messageId: statusCode < 200 ? 'ATXid_1' : 'None', messageParts: 1 });
  it('sends on 100-102, fails at once on what names the recipient or sender, retries the account and the network', () => {
    const kinds = Object.entries(RECIPIENT_STATUS).map(([code, status]) => [Number(code), recipientOutcome(entry(Number(code), status)).kind]);
    expect(Object.fromEntries(kinds)).toEqual({
      100: 'sent', 101: 'sent', 102: 'sent',
      401: 'failed', 402: 'failed', 403: 'failed', 404: 'failed', 406: 'failed', 409: 'failed',
      405: 'retry', 407: 'retry', 500: 'retry', 501: 'retry', 502: 'retry',
    });
    expect(recipientOutcome(entry(101, 'Success'))).toEqual({ kind: 'sent', providerMessageId: 'ATXid_1', providerStatus: '101 Success, KES 0.8000, 1 part' });
    expect(recipientOutcome({ statusCode: 999 }).kind).toBe('failed');
  });
});

describe('OneSignal idempotency keys', () => {
  const job = (deliveryId: bigint, notificationId: string) => ({ deliveryId, channel: 'PUSH' as const, notification: { id: notificationId } });
  it('is a version-5 UUID, the same for every attempt of a delivery and different for any other delivery', () => {
    const key = deliveryIdempotencyKey(job(7n, 'ntf_a'));
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deliveryIdempotencyKey(job(7n, 'ntf_a'))).toBe(key);
    // Another database's delivery 7 (another notification id) never collides with this one.
    expect(new Set([key, deliveryIdempotencyKey(job(8n, 'ntf_a')), deliveryIdempotencyKey(job(7n, 'ntf_b'))]).size).toBe(3);
  });
});

describe('delivery errors as users see them', () => {
  it("names OneSignal's and Africa's Talking's verdicts without their raw text", () => {
    const failed = (lastError: string) => publicDeliveryError({ status: 'FAILED', lastError });
    expect(failed('OneSignal sent nothing: invalid_player_ids: 1')).toBe('the device is no longer registered');
    expect(failed('OneSignal sent nothing: All included players are not subscribed')).toBe('the device has turned push notifications off');
    expect(failed("Africa's Talking refused the recipient: 403 InvalidPhoneNumber, 0")).toBe('the phone number cannot receive SMS');
    expect(failed("Africa's Talking refused the recipient: 406 UserInBlacklist, 0")).toBe('the phone number has opted out of messages');
    expect(failed("Africa's Talking answered 401: The supplied authentication is invalid")).toBe('the provider refused this delivery');
  });
});
