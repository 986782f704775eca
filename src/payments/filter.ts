import type { Prisma } from '../generated/prisma/client.js';
import type { PaymentEventRecord, PaymentEventType, PaymentMethod } from './types.js';

/**
 * What a client may narrow a feed by. A missing or empty list means "any"; values inside one list
 * are alternatives (OR); different fields must all hold (AND). The merchant is never part of the
 * filter: scope comes from the caller's identity.
 */
export interface PaymentEventFilter {
  types?: readonly PaymentEventType[] | null;
  providers?: readonly string[] | null;
  currencies?: readonly string[] | null;
  paymentMethods?: readonly PaymentMethod[] | null;
  minAmountMinor?: bigint | null;
  customerId?: string | null;
  reference?: string | null;
}

/** True when the list constrains anything (null and [] mean "any"). */
const some = <T>(list: readonly T[] | null | undefined): list is readonly T[] => !!list && list.length > 0;

/** The same rule as `filterToWhere`, for live messages. */
export function matchesFilter(f: PaymentEventFilter, e: PaymentEventRecord): boolean {
  return (
    (!some(f.types) || f.types.includes(e.type)) &&
    (!some(f.providers) || f.providers.includes(e.provider)) &&
    (!some(f.currencies) || f.currencies.includes(e.currency)) &&
    (!some(f.paymentMethods) || (e.paymentMethod !== null && f.paymentMethods.includes(e.paymentMethod))) &&
    (f.minAmountMinor == null || e.amountMinor >= f.minAmountMinor) &&
    (f.customerId == null || e.customerId === f.customerId) &&
    (f.reference == null || e.reference === f.reference)
  );
}

/** The same rule as `matchesFilter`, as a Prisma where clause for stored events. */
export function filterToWhere(f: PaymentEventFilter): Prisma.PaymentEventWhereInput {
  const where: Prisma.PaymentEventWhereInput = {};
  if (some(f.types)) where.type = { in: [...f.types] };
  if (some(f.providers)) where.provider = { in: [...f.providers] };
  if (some(f.currencies)) where.currency = { in: [...f.currencies] };
  if (some(f.paymentMethods)) where.paymentMethod = { in: [...f.paymentMethods] };
  if (f.minAmountMinor != null) where.amountMinor = { gte: f.minAmountMinor };
  if (f.customerId != null) where.customerId = f.customerId;
  if (f.reference != null) where.reference = f.reference;
  return where;
}
