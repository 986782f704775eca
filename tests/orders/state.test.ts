/** The order state machine as a pure function: every pair of statuses, against the table in docs/orders.md. */
import { describe, expect, it } from 'vitest';
import { canTransition, isFinal, ORDER_STATUSES, type OrderStatus } from '../../src/orders/state.js';

const LEGAL: [OrderStatus, OrderStatus][] = [
  ['CREATED', 'PAID'],
  ['CREATED', 'CANCELLED'],
  ['PAID', 'PREPARING'],
  ['PAID', 'CANCELLED'],
  ['PAID', 'REFUNDED'],
  ['PREPARING', 'READY'],
  ['PREPARING', 'CANCELLED'],
  ['PREPARING', 'REFUNDED'],
  ['READY', 'COMPLETED'],
  ['READY', 'REFUNDED'],
  ['COMPLETED', 'REFUNDED'],
];

describe('order state machine', () => {
  for (const from of ORDER_STATUSES) {
    for (const to of ORDER_STATUSES) {
      const legal = LEGAL.some(([f, t]) => f === from && t === to);
      it(`${legal ? 'allows' : 'refuses'} ${from} → ${to}`, () => {
        expect(canTransition(from, to)).toBe(legal);
      });
    }
  }

  it('has exactly CANCELLED and REFUNDED as final states', () => {
    expect(ORDER_STATUSES.filter(isFinal)).toEqual(['CANCELLED', 'REFUNDED']);
  });
});
