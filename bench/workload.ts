/**
 * The ingest benches' events: one shape for the pipeline and the same-work SQL limit. Two events
 * per payment (initiated, then completed), a customer on each, a product on half, a wallet on one
 * in ten, so aggregates, customer stats, the wallet ledger and the outbox all take writes.
 */
export interface BenchEvent {
  schemaVersion: 2;
  eventId: string;
  merchantId: string;
  type: 'payment.initiated' | 'payment.completed';
  provider: string;
  paymentMethod: string;
  amountMinor: string;
  feeMinor: string;
  currency: string;
  customerId: string;
  reference: string;
  productId: string | null;
  productName: string | null;
  walletId: string | null;
  occurredAt: string;
}

const BASE = Date.UTC(2026, 10, 20);

export function benchEvent(i: number, run: string, merchantId: string): BenchEvent {
  const payment = Math.floor(i / 2);
  return {
    schemaVersion: 2,
    eventId: `${run}-${i}`,
    merchantId,
    type: i % 2 === 0 ? 'payment.initiated' : 'payment.completed',
    provider: 'mpesa',
    paymentMethod: payment % 3 === 0 ? 'card' : 'mobile_money',
    amountMinor: String(1_000 + (payment % 5_000)),
    feeMinor: '15',
    currency: 'KES',
    customerId: `cust-${payment % 500}`,
    reference: `${run}-r${payment}`,
    productId: payment % 2 === 0 ? `p${payment % 20}` : null,
    productName: payment % 2 === 0 ? `Product ${payment % 20}` : null,
    walletId: payment % 10 === 0 ? `w-${payment % 50}` : null,
    occurredAt: new Date(BASE + payment * 1_000).toISOString(),
  };
}

/** A bench event as `PaymentEventInput` (GraphQL enum spellings, no envelope fields). */
export const benchEventInput = ({ schemaVersion: _v, merchantId: _m, type, paymentMethod, ...rest }: BenchEvent) => ({
  ...rest,
  type: type.toUpperCase().replace('.', '_'),
  paymentMethod: paymentMethod.toUpperCase(),
});
