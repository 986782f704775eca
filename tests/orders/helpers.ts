/** Helpers shared by the order tests (not a test file itself). */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { OrderStatus } from '../../src/orders/state.js';
import type { TestApp } from '../support/app.js';
import { CreateOrder, OrderQuery, UpdateOrderStatus } from './operations.js';

export { subscriptionErrorCodes } from '../support/subscriptions.js';

export { errorCodes, WAIT_MS, QUIET_MS } from '../payments/helpers.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The shortest legal path from CREATED to each status. */
export const PATH_TO: Record<OrderStatus, OrderStatus[]> = {
  CREATED: [],
  PAID: ['PAID'],
  PREPARING: ['PAID', 'PREPARING'],
  READY: ['PAID', 'PREPARING', 'READY'],
  COMPLETED: ['PAID', 'PREPARING', 'READY', 'COMPLETED'],
  CANCELLED: ['CANCELLED'],
  REFUNDED: ['PAID', 'REFUNDED'],
};

/** Creates a KES order of 2 × 150.00 + 1 × 99.50 (= 39950 minor) as `token`; returns its id. */
export async function createOrder(t: TestApp, token: string, customerId: string, extra: { merchantId?: string } = {}): Promise<string> {
  const res = await t.gql(
    CreateOrder,
    { input: { customerId, vendorId: 'stall-7', currency: 'KES', items: [{ name: 'Nyama choma', quantity: 2, unitPriceMinor: '15000' }, { name: 'Soda', quantity: 1, unitPriceMinor: '9950' }], ...extra } },
    { token },
  );
  expect(res.errors).toBeUndefined();
  return res.data!.createOrder.id;
}

/** Moves an order along `statuses` as `token`, each move expected to succeed. */
export async function moveThrough(t: TestApp, token: string, orderId: string, statuses: readonly OrderStatus[]): Promise<void> {
  for (const status of statuses) {
    const res = await t.gql(UpdateOrderStatus, { orderId, status }, { token });
    expect(res.errors, `→ ${status}`).toBeUndefined();
    expect(res.data!.updateOrderStatus.status).toBe(status);
  }
}

/** The order with its history, as an admin reads it. */
export async function orderOf(t: TestApp, id: string) {
  const res = await t.gql(OrderQuery, { id }, { token: await t.adminToken() });
  expect(res.errors).toBeUndefined();
  return res.data!.order;
}

/** A raw version-2 `payment.completed` envelope paying an order, for the pipeline. */
export function orderPayment(merchantId: string, orderId: string, amountMinor: bigint | string, extra: Record<string, unknown> = {}) {
  return {
    eventId: `evt-${randomUUID()}`,
    merchantId,
    orderId,
    type: 'payment.completed',
    provider: 'mpesa',
    paymentMethod: 'mobile_money',
    amountMinor: amountMinor.toString(),
    currency: 'KES',
    customerId: 'cust-1',
    ...extra,
  };
}

