/**
 * Who may see or change an order, and what a new order must hold (docs/orders.md). Pure
 * functions: the schema asks them and turns a refusal into a client error.
 */
import type { Principal } from '../auth/principal.js';
import { isCurrency } from '../lib/currency.js';
import { ErrorCode } from '../lib/error-codes.js';
import { PG_BIGINT_MAX } from '../lib/money.js';
import { accept, refuse, type Checked } from '../lib/refusal.js';
import { orderTotal } from './service.js';
import { TRANSITIONS, type OrderStatus } from './state.js';
import type { OrderItem, OrderRecord } from './types.js';

export const MAX_ORDER_ITEMS = 100;

/** Staff of a merchant: its vendors and merchants (JWT or API key); admins act for any merchant. */
export const isStaffOf = (p: Principal, merchantId: string): boolean =>
  p.role === 'admin' || ((p.role === 'vendor' || p.role === 'merchant') && p.merchantId === merchantId);

/** The ordering user, through a token naming the order's merchant or none (the same `sub` at another merchant is someone else). */
export const isOwner = (p: Principal, order: Pick<OrderRecord, 'merchantId' | 'customerId'>): boolean =>
  p.kind === 'user' && p.subject === order.customerId && (p.merchantId === null || p.merchantId === order.merchantId);

/** Its owner (see isOwner), its merchant's staff, admins. */
export const canSee = (p: Principal, order: Pick<OrderRecord, 'merchantId' | 'customerId'>): boolean => isStaffOf(p, order.merchantId) || isOwner(p, order);

export type OrderNeed = 'see' | 'staff';

/**
 * Whether `principal` may see (or, `staff`, change) `order`. A missing order is FORBIDDEN like
 * someone else's, so ids cannot be probed; only admins learn NOT_FOUND.
 */
export function orderAccess(principal: Principal, orderId: string, order: OrderRecord | undefined, need: OrderNeed): Checked<OrderRecord> {
  if (order && (need === 'see' ? canSee(principal, order) : isStaffOf(principal, order.merchantId))) return accept(order);
  if (!order && principal.role === 'admin') return refuse(ErrorCode.NotFound, `order ${orderId} does not exist`);
  return refuse(ErrorCode.Forbidden, need === 'see' ? 'not your order (or no such order)' : "only the order's merchant staff may change it");
}

/** Customers may not act for a merchant (list, create, follow its orders). */
export function mayActForMerchant(principal: Principal | null): Checked<true> {
  return principal?.role === 'customer' ? refuse(ErrorCode.Forbidden, "only a merchant's staff may do this") : accept(true);
}

export interface ItemInput {
  name: string;
  quantity: number;
  unitPriceMinor: bigint;
}

/** 1 to 100 items, each named, quantity ≥ 1, price ≥ 0; the total fits a PostgreSQL bigint. Names are trimmed. */
export function validateItems(items: readonly ItemInput[]): Checked<OrderItem[]> {
  if (items.length === 0 || items.length > MAX_ORDER_ITEMS) return refuse(ErrorCode.BadUserInput, `an order has 1 to ${MAX_ORDER_ITEMS} items`);
  const out: OrderItem[] = [];
  for (const [n, i] of items.entries()) {
    const name = i.name.trim();
    if (name === '') return refuse(ErrorCode.BadUserInput, `items[${n}].name is empty`);
    if (!Number.isInteger(i.quantity) || i.quantity < 1) return refuse(ErrorCode.BadUserInput, `items[${n}].quantity must be 1 or more`);
    if (i.unitPriceMinor < 0n) return refuse(ErrorCode.BadUserInput, `items[${n}].unitPriceMinor must not be negative`);
    out.push({ name, quantity: i.quantity, unitPriceMinor: i.unitPriceMinor });
  }
  if (orderTotal(out) > PG_BIGINT_MAX) return refuse(ErrorCode.BadUserInput, 'the order total is too large');
  return accept(out);
}

export interface NewOrderInput {
  customerId: string;
  currency: string;
  items: readonly ItemInput[];
}

/** A new order's currency, customer and items, checked in that order; the customer id trimmed. */
export function validateNewOrder(input: NewOrderInput): Checked<{ customerId: string; currency: string; items: OrderItem[] }> {
  if (!isCurrency(input.currency)) return refuse(ErrorCode.BadUserInput, `${input.currency} is not an ISO 4217 currency`);
  const customerId = input.customerId.trim();
  if (customerId === '') return refuse(ErrorCode.BadUserInput, 'customerId is empty');
  const items = validateItems(input.items);
  return items.ok ? accept({ customerId, currency: input.currency, items: items.value }) : items;
}

/** The refusal of a move the state machine does not allow, naming the moves it does. */
export function illegalTransition(from: OrderStatus, to: OrderStatus): Checked<never> {
  const allowed = TRANSITIONS[from];
  return refuse(ErrorCode.IllegalTransition, `an order in ${from} cannot move to ${to} (allowed: ${allowed.join(', ') || 'none'})`, { from, to });
}
