/**
 * Paystack: `x-paystack-signature` is the hex HMAC-SHA512 of the raw body keyed with the
 * merchant's secret key. Amounts are already minor units (kobo, pesewas, cents).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PaymentEventType, PaymentMethod } from '../../payments/types.js';
import { refuse, WebhookCode } from '../refusal.js';
import { currency, eventIdOf, header, isoTime, minorDigits, object, optionalText, parseBody, text, type ProviderAdapter } from './common.js';

const TYPES: Record<string, PaymentEventType> = {
  'charge.success': 'payment.completed',
  'charge.failed': 'payment.failed',
  'refund.processed': 'refund.processed',
  'refund.failed': 'payment.failed',
  'transfer.success': 'transfer.success',
  'transfer.failed': 'transfer.failed',
  'transfer.reversed': 'transfer.failed',
};

const CHANNELS: Record<string, PaymentMethod> = {
  card: 'card',
  bank: 'bank_transfer',
  bank_transfer: 'bank_transfer',
  dedicated_nuban: 'bank_transfer',
  ussd: 'ussd',
  mobile_money: 'mobile_money',
  qr: 'qr',
  eft: 'bank_transfer',
};

export const paystack: ProviderAdapter = {
  methods: ['POST'],
  async receive(request, secret) {
    const signature = header(request, 'x-paystack-signature');
    if (!signature) throw refuse(WebhookCode.SignatureMissing, 'missing x-paystack-signature');
    const expected = createHmac('sha512', secret).update(request.rawBody, 'utf8').digest();
    const given = /^[0-9a-f]{128}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refuse(WebhookCode.SignatureInvalid, 'signature does not match');

    const body = object(parseBody(request.rawBody), 'body');
    const event = text(body.event, 'event');
    const type = TYPES[event];
    if (!type) return { kind: 'ignored', reason: `paystack event ${event} is not recorded` };
    const data = object(body.data, 'data');
    const code = currency(data.currency, 'data.currency');
    const isRefund = event.startsWith('refund.');
    // Refunds belong to the charge they refund, so they share its reference (and payment).
    const reference = isRefund ? optionalText(data.transaction_reference) : optionalText(data.reference);
    const providerId = optionalText(data.id) ?? (isRefund ? optionalText(data.refund_reference) : null) ?? text(data.reference, 'data.id');
    const customer = data.customer && typeof data.customer === 'object' ? (data.customer as Record<string, unknown>) : {};
    return {
      kind: 'event',
      envelope: {
        schemaVersion: 2,
        eventId: eventIdOf('paystack', type, providerId),
        type,
        provider: 'paystack',
        paymentMethod: CHANNELS[optionalText(data.channel) ?? ''] ?? null,
        amountMinor: minorDigits(data.amount, 'data.amount'),
        feeMinor: typeof data.fees === 'string' ? minorDigits(data.fees, 'data.fees') : null,
        currency: code,
        customerId: optionalText(customer.customer_code),
        reference,
        occurredAt: isoTime(data.paid_at) ?? isoTime(data.paidAt) ?? isoTime(data.updated_at) ?? isoTime(data.created_at) ?? isoTime(data.createdAt),
        metadata: { paystack: { event, id: providerId, status: optionalText(data.status), gatewayResponse: optionalText(data.gateway_response) } },
      },
    };
  },
};
