/**
 * CamPay (seed 004): the notification (GET with query parameters, or POST with a JSON body)
 * carries `signature`, a JWT signed HS256 with the app's webhook key, verified with jose. The
 * JWT need not repeat the notification's fields; where its claims do name one (reference,
 * status, amount, currency, external_reference), it must equal the plain field, so a captured
 * signature cannot vouch for different values. Amounts are major units (XAF has exponent 0).
 */
import { errors, jwtVerify } from 'jose';
import type { PaymentEventType } from '../../payments/types.js';
import { refuse, WebhookCode } from '../refusal.js';
import { currency, eventIdOf, majorToMinor, object, optionalText, parseBody, phoneLast4, text, unmappable, type ProviderAdapter, type WebhookRequest } from './common.js';

const BOUND_FIELDS = ['reference', 'status', 'amount', 'currency', 'external_reference'] as const;

function fieldsOf(request: WebhookRequest): Record<string, unknown> {
  if (request.method === 'GET') return Object.fromEntries(request.query.entries());
  return object(parseBody(request.rawBody), 'body');
}

function typeOf(endpoint: string | null, status: string): PaymentEventType | undefined {
  const payout = endpoint?.toLowerCase() === 'withdraw';
  switch (status.toUpperCase()) {
    case 'SUCCESSFUL':
      return payout ? 'transfer.success' : 'payment.completed';
    case 'FAILED':
      return payout ? 'transfer.failed' : 'payment.failed';
    case 'PENDING':
      return payout ? undefined : 'payment.pending';
    default:
      return undefined;
  }
}

export const campay: ProviderAdapter = {
  methods: ['GET', 'POST'],
  async receive(request, secret) {
    const fields = fieldsOf(request);
    const signature = optionalText(fields.signature);
    if (!signature) throw refuse(WebhookCode.SignatureMissing, 'missing signature');
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(signature, new TextEncoder().encode(secret), { algorithms: ['HS256'] }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw refuse(WebhookCode.TimestampOutOfRange, 'signature has expired');
      throw refuse(WebhookCode.SignatureInvalid, 'signature does not verify with the webhook key');
    }
    for (const name of BOUND_FIELDS) {
      if (claims[name] !== undefined && String(claims[name]) !== String(fields[name] ?? '')) {
        throw refuse(WebhookCode.SignatureInvalid, `signature was issued for another ${name}`);
      }
    }

    const status = text(fields.status, 'status');
    const endpoint = optionalText(fields.endpoint);
    const type = typeOf(endpoint, status);
    if (!type) throw unmappable(`campay status ${status} (${endpoint ?? 'collect'}) has no paypulse event type`);
    const code = currency(fields.currency, 'currency');
    const reference = text(fields.reference, 'reference');
    return {
      kind: 'event',
      envelope: {
        schemaVersion: 2,
        eventId: eventIdOf('campay', type, reference),
        type,
        provider: 'campay',
        paymentMethod: 'mobile_money',
        amountMinor: majorToMinor(typeof fields.amount === 'number' ? String(fields.amount) : fields.amount, code, 'amount'),
        currency: code,
        customerId: optionalText(fields.external_user),
        reference,
        metadata: {
          campay: {
            operator: optionalText(fields.operator),
            operatorReference: optionalText(fields.operator_reference),
            code: optionalText(fields.code),
            externalReference: optionalText(fields.external_reference),
            endpoint,
          },
          phoneLast4: phoneLast4(fields.phone_number),
        },
      },
    };
  },
};
