/** Orders as stored, streamed and sent between instances. */
import type { OrderStatus } from './state.js';

export interface OrderItem {
  name: string;
  quantity: number;
  unitPriceMinor: bigint;
}

export interface OrderRecord {
  id: string;
  seq: bigint;
  merchantId: string;
  vendorId: string | null;
  customerId: string;
  items: OrderItem[];
  amountMinor: bigint;
  currency: string;
  status: OrderStatus;
  estimatedReadyAt: Date | null;
  /** 1 when created, +1 per status change. */
  version: bigint;
  createdAt: Date;
  updatedAt: Date;
}

export interface OrderStatusChangeRecord {
  orderId: string;
  /** Null for the creation. */
  fromStatus: OrderStatus | null;
  toStatus: OrderStatus;
  /** A user id, or "event:<eventId>". */
  actor: string;
  reason: string | null;
  version: bigint;
  createdAt: Date;
}

/** JSON-safe form of an OrderRecord, as it travels through PubSub (one message per version). */
export interface OrderMessage {
  id: string;
  seq: string;
  merchantId: string;
  vendorId: string | null;
  customerId: string;
  items: { name: string; quantity: number; unitPriceMinor: string }[];
  amountMinor: string;
  currency: string;
  status: OrderStatus;
  estimatedReadyAt: string | null;
  version: string;
  createdAt: string;
  updatedAt: string;
}

export function toOrderMessage(o: OrderRecord): OrderMessage {
  return {
    ...o,
    seq: o.seq.toString(),
    items: o.items.map((i) => ({ ...i, unitPriceMinor: i.unitPriceMinor.toString() })),
    amountMinor: o.amountMinor.toString(),
    estimatedReadyAt: o.estimatedReadyAt?.toISOString() ?? null,
    version: o.version.toString(),
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

export function fromOrderMessage(m: OrderMessage): OrderRecord {
  return {
    ...m,
    seq: BigInt(m.seq),
    items: m.items.map((i) => ({ ...i, unitPriceMinor: BigInt(i.unitPriceMinor) })),
    amountMinor: BigInt(m.amountMinor),
    estimatedReadyAt: m.estimatedReadyAt === null ? null : new Date(m.estimatedReadyAt),
    version: BigInt(m.version),
    createdAt: new Date(m.createdAt),
    updatedAt: new Date(m.updatedAt),
  };
}
