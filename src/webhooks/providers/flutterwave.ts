/**
 * Flutterwave: the `verif-hash` header carries the secret hash the merchant chose in its
 * dashboard, compared in constant time. Amounts are MAJOR units (JSON numbers such as 1500.5),
 * converted from the exact text received with the currency's exponent, or refused.
 */
import type { PaymentEventType, PaymentMethod } from '../../payments/types.js';
import { timingSafeEqualText } from '../../lib/timing-safe.js';
import { refuse, WebhookCode } from '../refusal.js';
import { currency, eventIdOf, header, isoTime, majorToMinor, object, optionalText, parseBody, text, unmappable, type ProviderAdapter } from './common.js';

function methodOf(paymentType: string | null): PaymentMethod | null {
  if (!paymentType) return null;
  const t = paymentType.toLowerCase();
  if (t.includes('card')) return 'card';
  if (t.includes('mobilemoney') || t.includes('mpesa') || t.includes('mobile_money')) return 'mobile_money';
  if (t.includes('ussd')) return 'ussd';
  if (t.includes('qr')) return 'qr';
  if (t.includes('bank') || t.includes('account')) return 'bank_transfer';
  return null;
}

function typeOf(event: string, status: string): PaymentEventType | undefined {
  const s = status.toLowerCase();
  if (event === 'charge.completed') return s === 'successful' ? 'payment.completed' : s === 'failed' ? 'payment.failed' : s === 'pending' ? 'payment.pending' : undefined;
  if (event === 'transfer.completed') return s === 'successful' ? 'transfer.success' : s === 'failed' ? 'transfer.failed' : undefined;
  return undefined;
}

export const flutterwave: ProviderAdapter = {
  methods: ['POST'],
  async receive(request, secret) {
    const hash = header(request, 'verif-hash');
    if (!hash) throw refuse(WebhookCode.SignatureMissing, 'missing verif-hash');
    if (!timingSafeEqualText(hash, secret)) throw refuse(WebhookCode.SignatureInvalid, 'verif-hash does not match');

    const body = object(parseBody(request.rawBody), 'body');
    const event = text(body.event, 'event');
    if (event !== 'charge.completed' && event !== 'transfer.completed') return { kind: 'ignored', reason: `flutterwave event ${event} is not recorded` };
    const data = object(body.data, 'data');
    const status = text(data.status, 'data.status');
    const type = typeOf(event, status);
    if (!type) throw unmappable(`flutterwave ${event} with status ${status} has no paypulse event type`);
    const code = currency(data.currency, 'data.currency');
    const fee = event === 'charge.completed' ? data.app_fee : data.fee;
    const customer = data.customer && typeof data.customer === 'object' ? (data.customer as Record<string, unknown>) : {};
    const providerId = text(data.id, 'data.id');
    return {
      kind: 'event',
      envelope: {
        schemaVersion: 2,
        eventId: eventIdOf('flutterwave', type, providerId),
        type,
        provider: 'flutterwave',
        paymentMethod: event === 'transfer.completed' ? 'bank_transfer' : methodOf(optionalText(data.payment_type)),
        amountMinor: majorToMinor(data.amount, code, 'data.amount'),
        feeMinor: typeof fee === 'string' ? majorToMinor(fee, code, event === 'charge.completed' ? 'data.app_fee' : 'data.fee') : null,
        currency: code,
        customerId: optionalText(customer.id),
        reference: event === 'charge.completed' ? optionalText(data.tx_ref) : optionalText(data.reference),
        occurredAt: isoTime(data.created_at),
        metadata: { flutterwave: { event, id: providerId, status, flwRef: optionalText(data.flw_ref), processorResponse: optionalText(data.processor_response) } },
      },
    };
  },
};
