/** Event streams and readers shared by the dashboard tests. */
import { createServer } from 'node:net';
import type { PaymentEventInput } from '../generated/graphql.js';
import type { TestApp } from '../support/app.js';
import { IngestMany } from '../support/operations.js';
import { AllEventFields } from './operations.js';

const PROVIDERS = ['mpesa', 'paystack', 'flutterwave', 'mtn_momo'] as const;
const CURRENCIES = ['KES', 'NGN', 'GHS', 'XOF'] as const;
const METHODS = ['MOBILE_MONEY', 'CARD', 'BANK_TRANSFER', 'USSD'] as const;
const PRODUCTS = ['Festival ticket', 'Bus fare', 'Food stall meal', 'Airtime bundle'] as const;

/**
 * `count` payments spread over the last `minutes` (fixed pseudo-random sequence, so a run is
 * reproducible): each an initiated event and, one minute later at most, a completed or (one in
 * eight) failed one, sharing a reference.
 */
export function history(prefix: string, count: number, minutes: number, now = Date.now()): PaymentEventInput[] {
  let seed = 42;
  // An LCG's low bits repeat quickly: take the high ones.
  const next = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648), Math.floor(seed / 65_536) % n);
  const events: PaymentEventInput[] = [];
  for (let i = 0; i < count; i++) {
    const at = now - ((count - i) / count) * minutes * 60_000;
    const currency = CURRENCIES[next(CURRENCIES.length)]!;
    const common = {
      provider: PROVIDERS[next(PROVIDERS.length)]!,
      paymentMethod: METHODS[next(METHODS.length)]!,
      currency,
      amountMinor: String((next(900) + 100) * (currency === 'XOF' ? 10 : 100) + next(100)),
      feeMinor: String(next(100)),
      customerId: `cust-${next(30)}`,
      productId: `p-${next(PRODUCTS.length)}`,
      reference: `${prefix}-ref-${i}`,
    };
    const productName = PRODUCTS[Number(common.productId.slice(2))]!;
    events.push({ ...common, productName, eventId: `${prefix}-${i}-init`, type: 'PAYMENT_INITIATED', occurredAt: new Date(at).toISOString() });
    events.push({
      ...common,
      productName,
      eventId: `${prefix}-${i}-done`,
      type: next(8) === 0 ? 'PAYMENT_FAILED' : 'PAYMENT_COMPLETED',
      occurredAt: new Date(Math.min(now, at + next(60) * 1000)).toISOString(),
    });
  }
  return events;
}

export async function ingest(t: TestApp, token: string, events: PaymentEventInput[]) {
  for (let i = 0; i < events.length; i += 500) {
    const res = await t.gql(IngestMany, { events: events.slice(i, i + 500) }, { token });
    if (res.errors || res.data?.ingestPaymentEvents.rejected) throw new Error(`ingest failed: ${JSON.stringify(res.errors ?? res.data?.ingestPaymentEvents.errors)}`);
  }
}

/** Every stored event of the caller's merchant (matching `filter`), oldest first. */
export async function storedEvents(t: TestApp, token: string, filter: Record<string, unknown> = {}) {
  const events = [];
  let after: string | undefined;
  for (;;) {
    const res = await t.gql(AllEventFields, { filter, first: 500, after }, { token });
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    events.push(...res.data!.paymentEvents.edges.map((e) => e.node));
    if (!res.data!.paymentEvents.pageInfo.hasNextPage) return events;
    after = res.data!.paymentEvents.pageInfo.endCursor ?? undefined;
  }
}

/** A port free right now (for an app that must come back on the same port after a restart). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
