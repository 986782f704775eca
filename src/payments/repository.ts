import type { PaymentEvent } from '../generated/prisma/client.js';
import type { PrismaClient } from '../db/client.js';
import { filterToWhere, type PaymentEventFilter } from './filter.js';
import type { EventSource, JsonObject, PaymentEventRecord, PaymentEventType, PaymentMethod } from './types.js';

export interface PaymentEventPage {
  events: PaymentEventRecord[];
  hasNextPage: boolean;
}

export interface PaymentEventRepository {
  /** The merchant's last committed per-merchant sequence, or undefined for an unknown merchant. */
  lastMerchantSeq(merchantId: string): Promise<bigint | undefined>;
  /** One page of a merchant's events after a cursor, newest first (`DESC`) or oldest first (`ASC`). */
  page(args: { merchantId: string; filter: PaymentEventFilter; afterSeq?: bigint; first: number; order: 'ASC' | 'DESC' }): Promise<PaymentEventPage>;
  /** Events with `seq > afterSeq` and `merchantSeq <= uptoMerchantSeq`, oldest first, read in pages. */
  replay(merchantId: string, afterSeq: bigint, uptoMerchantSeq: bigint, pageSize?: number): AsyncGenerator<PaymentEventRecord>;
  /** Events whose merchant sequence lies in [from, to] (`to` undefined: no upper bound), oldest first (gap filling). */
  merchantSeqRange(merchantId: string, from: bigint, to: bigint | undefined): Promise<PaymentEventRecord[]>;
  byEventId(merchantId: string, eventId: string): Promise<PaymentEventRecord | undefined>;
  /** One event by its global sequence number (callers check the merchant). */
  bySeq(seq: bigint): Promise<PaymentEventRecord | undefined>;
}

export function createPaymentEventRepository(prisma: PrismaClient): PaymentEventRepository {
  return {
    async lastMerchantSeq(merchantId) {
      const m = await prisma.merchant.findUnique({ where: { id: merchantId }, select: { lastEventSeq: true } });
      return m?.lastEventSeq;
    },
    async page({ merchantId, filter, afterSeq, first, order }) {
      const rows = await prisma.paymentEvent.findMany({
        where: {
          ...filterToWhere(filter),
          merchantId,
          ...(afterSeq !== undefined ? { seq: order === 'ASC' ? { gt: afterSeq } : { lt: afterSeq } } : {}),
        },
        orderBy: { seq: order === 'ASC' ? 'asc' : 'desc' },
        take: first + 1,
      });
      return { events: rows.slice(0, first).map(toRecord), hasNextPage: rows.length > first };
    },
    async *replay(merchantId, afterSeq, uptoMerchantSeq, pageSize = 500) {
      let cursor = afterSeq;
      for (;;) {
        const rows = await prisma.paymentEvent.findMany({
          where: { merchantId, seq: { gt: cursor }, merchantSeq: { lte: uptoMerchantSeq } },
          orderBy: { seq: 'asc' },
          take: pageSize,
        });
        for (const row of rows) yield toRecord(row);
        const last = rows.at(-1);
        if (!last || rows.length < pageSize) return;
        cursor = last.seq;
      }
    },
    async merchantSeqRange(merchantId, from, to) {
      const rows = await prisma.paymentEvent.findMany({
        where: { merchantId, merchantSeq: to === undefined ? { gte: from } : { gte: from, lte: to } },
        orderBy: { merchantSeq: 'asc' },
      });
      return rows.map(toRecord);
    },
    async bySeq(seq) {
      const row = await prisma.paymentEvent.findUnique({ where: { seq } });
      return row ? toRecord(row) : undefined;
    },
    async byEventId(merchantId, eventId) {
      const row = await prisma.paymentEvent.findUnique({ where: { merchantId_eventId: { merchantId, eventId } } });
      return row ? toRecord(row) : undefined;
    },
  };
}

export function toRecord(row: PaymentEvent): PaymentEventRecord {
  return {
    seq: row.seq,
    merchantSeq: row.merchantSeq,
    merchantId: row.merchantId,
    eventId: row.eventId,
    schemaVersion: row.schemaVersion,
    type: row.type as PaymentEventType,
    provider: row.provider,
    paymentMethod: row.paymentMethod as PaymentMethod | null,
    amountMinor: row.amountMinor,
    feeMinor: row.feeMinor,
    currency: row.currency,
    customerId: row.customerId,
    productId: row.productId,
    productName: row.productName,
    orderId: row.orderId,
    walletId: row.walletId,
    reference: row.reference,
    occurredAt: row.occurredAt,
    receivedAt: row.receivedAt,
    source: row.source as EventSource,
    metadata: row.metadata as JsonObject,
  };
}
