/**
 * M-Pesa Daraja STK push callbacks. Daraja signs nothing, so the callback URL registered with it
 * carries a secret token (`/webhooks/mpesa/<merchantId>/<token>`), compared in constant time.
 * ResultCode 0 is a completed payment, anything else a failed one. Amounts are major KES.
 */
import type { Envelope } from './common.js';
import { timingSafeEqualText } from '../../lib/timing-safe.js';
import { refuse, WebhookCode } from '../refusal.js';
import { eventIdOf, majorToMinor, object, optionalText, parseBody, phoneLast4, text, unmappable, type ProviderAdapter } from './common.js';

/** Daraja's TransactionDate is yyyyMMddHHmmss in Nairobi time (UTC+3, no daylight saving). */
function nairobiTime(value: string | null): string | null {
  const m = value ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value) : null;
  if (!m) return null;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+03:00`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export const mpesa: ProviderAdapter = {
  methods: ['POST'],
  acknowledge: () => ({ ResultCode: 0, ResultDesc: 'Accepted' }),
  async receive(request, secret) {
    if (!request.pathToken) throw refuse(WebhookCode.SignatureMissing, 'the callback URL must end with the merchant token: /webhooks/mpesa/<merchantId>/<token>');
    if (!timingSafeEqualText(request.pathToken, secret)) throw refuse(WebhookCode.SignatureInvalid, 'token does not match');

    const body = object(parseBody(request.rawBody), 'body');
    const callback = object(object(body.Body, 'Body').stkCallback, 'Body.stkCallback');
    const checkoutId = text(callback.CheckoutRequestID, 'Body.stkCallback.CheckoutRequestID');
    const resultCode = text(callback.ResultCode, 'Body.stkCallback.ResultCode');
    if (!/^-?\d+$/.test(resultCode)) throw unmappable('Body.stkCallback.ResultCode must be a number');
    const completed = resultCode === '0';
    const items = new Map<string, unknown>();
    const metadata = callback.CallbackMetadata;
    if (metadata && typeof metadata === 'object' && Array.isArray((metadata as { Item?: unknown }).Item)) {
      for (const item of (metadata as { Item: unknown[] }).Item) {
        if (item && typeof item === 'object' && typeof (item as { Name?: unknown }).Name === 'string') items.set((item as { Name: string }).Name, (item as { Value?: unknown }).Value);
      }
    }
    const type = completed ? 'payment.completed' : 'payment.failed';
    // A failed STK push carries no amount: the payment's amount is on its initiating event.
    if (completed && !items.has('Amount')) throw unmappable('a successful callback needs CallbackMetadata Amount');
    const envelope: Envelope = {
      schemaVersion: 2,
      eventId: eventIdOf('mpesa', type, checkoutId),
      type,
      provider: 'mpesa',
      paymentMethod: 'mobile_money',
      amountMinor: completed ? majorToMinor(items.get('Amount'), 'KES', 'Amount') : '0',
      currency: 'KES',
      // The checkout id is what the merchant got back when it started the STK push.
      reference: checkoutId,
      occurredAt: nairobiTime(optionalText(items.get('TransactionDate'))),
      metadata: {
        mpesa: {
          merchantRequestId: optionalText(callback.MerchantRequestID),
          receipt: optionalText(items.get('MpesaReceiptNumber')),
          resultCode,
          resultDesc: optionalText(callback.ResultDesc),
        },
        phoneLast4: phoneLast4(items.get('PhoneNumber')),
      },
    };
    return { kind: 'event', envelope };
  },
};
