/**
 * A merchant's events as CSV rows, oldest first, read in keyset pages by `seq` so an export of
 * any size holds one page in memory and a row committed meanwhile is written at most once.
 * Amounts are the exact decimal strings of `Money.amount` (plus the integer minor units).
 */
import type { PrismaClient } from '../db/client.js';
import { csvHeader, csvRow, literal, text } from '../lib/csv.js';
import { formatMinor } from '../lib/money.js';
import { filterToWhere, type PaymentEventFilter } from './filter.js';
import { toRecord } from './repository.js';
import type { PaymentEventRecord } from './types.js';

export const EXPORT_COLUMNS = [
  'cursor',
  'event_id',
  'type',
  'occurred_at',
  'received_at',
  'provider',
  'payment_method',
  'amount',
  'fee',
  'currency',
  'amount_minor',
  'fee_minor',
  'customer_id',
  'product_id',
  'product_name',
  'order_id',
  'wallet_id',
  'reference',
  'source',
] as const;

export interface ExportQuery {
  merchantId: string;
  filter: PaymentEventFilter;
  /** Events with `from <= occurredAt < to`. */
  from: Date;
  to: Date;
}

export function exportRow(e: PaymentEventRecord): string {
  return csvRow([
    literal(e.seq.toString()),
    text(e.eventId),
    literal(e.type),
    literal(e.occurredAt.toISOString()),
    literal(e.receivedAt.toISOString()),
    text(e.provider),
    literal(e.paymentMethod),
    literal(formatMinor(e.amountMinor, e.currency)),
    literal(formatMinor(e.feeMinor, e.currency)),
    literal(e.currency),
    literal(e.amountMinor.toString()),
    literal(e.feeMinor.toString()),
    text(e.customerId),
    text(e.productId),
    text(e.productName),
    text(e.orderId),
    text(e.walletId),
    text(e.reference),
    literal(e.source),
  ]);
}

/** The header, then one CSV record per matching event. */
export async function* exportCsv(prisma: PrismaClient, query: ExportQuery, pageSize = 1000): AsyncGenerator<string> {
  yield csvHeader(EXPORT_COLUMNS);
  let after: bigint | undefined;
  for (;;) {
    const rows = await prisma.paymentEvent.findMany({
      where: {
        ...filterToWhere(query.filter),
        merchantId: query.merchantId,
        occurredAt: { gte: query.from, lt: query.to },
        ...(after !== undefined ? { seq: { gt: after } } : {}),
      },
      orderBy: { seq: 'asc' },
      take: pageSize,
    });
    if (rows.length > 0) yield rows.map((row) => exportRow(toRecord(row))).join('');
    if (rows.length < pageSize) return;
    after = rows.at(-1)!.seq;
  }
}
