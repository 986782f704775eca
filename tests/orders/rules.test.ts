/** src/orders/rules.ts: who may see or change an order, and what a new order must hold. */
import { describe, expect, it } from 'vitest';
import type { Principal, Role } from '../../src/auth/principal.js';
import { canSee, illegalTransition, isStaffOf, mayActForMerchant, orderAccess, validateItems, validateNewOrder, MAX_ORDER_ITEMS } from '../../src/orders/rules.js';
import type { OrderRecord } from '../../src/orders/types.js';

const who = (role: Role, merchantId: string | null, subject = `${role}-1`, kind: Principal['kind'] = 'user'): Principal => ({ kind, subject, role, merchantId, expiresAt: null });
const order = { id: 'ord_1', merchantId: 'm_a', customerId: 'cust-1' } as OrderRecord;
const item = { name: 'Soda', quantity: 1, unitPriceMinor: 9950n };

describe('order access', () => {
  it('lets its customer, its merchant staff and admins see it; staff of another merchant and other customers not', () => {
    expect(canSee(who('customer', null, 'cust-1'), order)).toBe(true);
    expect(canSee(who('customer', 'm_a', 'cust-1'), order)).toBe(true);
    expect(canSee(who('customer', 'm_a', 'cust-2'), order)).toBe(false);
    // The same `sub` through a token naming another merchant is that merchant's customer.
    expect(canSee(who('customer', 'm_b', 'cust-1'), order)).toBe(false);
    expect(canSee(who('vendor', 'm_a'), order)).toBe(true);
    expect(canSee(who('merchant', 'm_a', 'key-1', 'apiKey'), order)).toBe(true);
    expect(canSee(who('vendor', 'm_b'), order)).toBe(false);
    expect(canSee(who('admin', null), order)).toBe(true);
    // An API key whose id happens to equal the customer id is not the customer.
    expect(canSee(who('customer', null, 'cust-1', 'apiKey'), order)).toBe(false);
  });

  it('lets only staff change it', () => {
    expect(isStaffOf(who('customer', 'm_a', 'cust-1'), 'm_a')).toBe(false);
    expect(orderAccess(who('customer', null, 'cust-1'), order.id, order, 'staff')).toMatchObject({ ok: false, refusal: { code: 'FORBIDDEN' } });
    expect(orderAccess(who('vendor', 'm_a'), order.id, order, 'staff')).toEqual({ ok: true, value: order });
  });

  it('answers FORBIDDEN for a missing order, so ids cannot be probed; NOT_FOUND only to admins', () => {
    expect(orderAccess(who('vendor', 'm_a'), 'ord_none', undefined, 'see')).toMatchObject({ ok: false, refusal: { code: 'FORBIDDEN' } });
    expect(orderAccess(who('admin', null), 'ord_none', undefined, 'see')).toMatchObject({ ok: false, refusal: { code: 'NOT_FOUND', message: 'order ord_none does not exist' } });
  });

  it('keeps customers from acting for a merchant', () => {
    expect(mayActForMerchant(who('customer', 'm_a')).ok).toBe(false);
    expect(mayActForMerchant(who('vendor', 'm_a')).ok).toBe(true);
    expect(mayActForMerchant(null).ok).toBe(true);
  });
});

describe('new orders', () => {
  it('trims names and the customer id, and keeps quantities and prices', () => {
    expect(validateNewOrder({ customerId: ' cust-1 ', currency: 'KES', items: [{ ...item, name: ' Soda ' }] })).toEqual({ ok: true, value: { customerId: 'cust-1', currency: 'KES', items: [item] } });
  });

  it('refuses with BAD_USER_INPUT: no items, too many, an empty name, quantity 0, a negative price, a total beyond bigint, a bad currency, an empty customer', () => {
    const bad = (checked: { ok: boolean; refusal?: { code: string; message: string } }) => (checked.ok ? 'ok' : `${checked.refusal!.code}: ${checked.refusal!.message}`);
    expect(bad(validateItems([]))).toBe(`BAD_USER_INPUT: an order has 1 to ${MAX_ORDER_ITEMS} items`);
    expect(bad(validateItems(Array.from({ length: MAX_ORDER_ITEMS + 1 }, () => item)))).toMatch(/1 to 100 items/);
    expect(bad(validateItems([item, { ...item, name: '  ' }]))).toBe('BAD_USER_INPUT: items[1].name is empty');
    expect(bad(validateItems([{ ...item, quantity: 0 }]))).toBe('BAD_USER_INPUT: items[0].quantity must be 1 or more');
    expect(bad(validateItems([{ ...item, quantity: 1.5 }]))).toBe('BAD_USER_INPUT: items[0].quantity must be 1 or more');
    expect(bad(validateItems([{ ...item, unitPriceMinor: -1n }]))).toBe('BAD_USER_INPUT: items[0].unitPriceMinor must not be negative');
    expect(bad(validateItems([{ ...item, quantity: 2, unitPriceMinor: 2n ** 62n }]))).toBe('BAD_USER_INPUT: the order total is too large');
    expect(bad(validateItems([{ ...item, unitPriceMinor: 2n ** 63n - 1n }]))).toBe('ok');
    expect(bad(validateNewOrder({ customerId: 'c', currency: 'KSH', items: [item] }))).toBe('BAD_USER_INPUT: KSH is not an ISO 4217 currency');
    expect(bad(validateNewOrder({ customerId: ' ', currency: 'KES', items: [item] }))).toBe('BAD_USER_INPUT: customerId is empty');
  });

  it('names the allowed moves when refusing one', () => {
    expect(illegalTransition('CREATED', 'READY')).toEqual({
      ok: false,
      refusal: { code: 'ILLEGAL_TRANSITION', message: 'an order in CREATED cannot move to READY (allowed: PAID, CANCELLED)', extensions: { from: 'CREATED', to: 'READY' } },
    });
    expect(illegalTransition('REFUNDED', 'PAID').ok || (illegalTransition('REFUNDED', 'PAID') as { refusal: { message: string } }).refusal.message).toMatch(/allowed: none/);
  });
});
