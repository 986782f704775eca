import { randomUUID } from 'node:crypto';
import type { PaymentEventInput } from '../generated/graphql.js';

/** A valid version-2 event input; override any field. */
export function eventInput(overrides: Partial<PaymentEventInput> = {}): PaymentEventInput {
  return {
    eventId: `evt-${randomUUID()}`,
    type: 'PAYMENT_COMPLETED',
    provider: 'mpesa',
    paymentMethod: 'MOBILE_MONEY',
    amountMinor: '150000',
    feeMinor: '1500',
    currency: 'KES',
    customerId: 'cust-1',
    reference: `REF-${randomUUID().slice(0, 8)}`,
    ...overrides,
  };
}
