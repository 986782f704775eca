/**
 * The payment_events table, every read and write of it (and the merchant's event head,
 * `merchants.last_event_seq`, which numbers the events):
 * - reads for queries, pages, replays and gap filling: `createPaymentEventRepository`, through Prisma;
 * - the ingest's writes inside its transaction: `lockMerchantStatement` (its opening), then `storeEvents`, as set-based
 *   SQL (issue 18): every column travels as one array parameter through `unnest`, so a
 *   transaction issues the same few statements for one event or a thousand, and nothing
 *   row-by-row goes through the Prisma query compiler; `eventsOfKeys` for the effects.
 *
 * `storeEvents` is ONE statement: it finds the ids already stored, numbers the fresh events with
 * contiguous merchant sequences after the locked head (the first of an id in queue order wins),
 * inserts them in that order (so the global `seq` rises with `merchant_seq`), moves the
 * merchant's head, and returns the stored duplicates plus every earlier event sharing a payment
 * key with a fresh one (what the effects re-derive payments and wallets from). All of its parts
 * see the snapshot before the insert, which is what makes "earlier" exact. Of a fresh event it
 * returns only what the database decided (seq, merchant sequence, receipt time) and its metadata
 * as jsonb keeps it; the rest is its draft's.
 */
import type { PaymentEvent } from '../generated/prisma/client.js';
import type { PrismaClient } from '../db/client.js';
import type { Opening, SqlTx } from '../db/sql-transaction.js';
import { filterToWhere, type PaymentEventFilter } from './filter.js';
import { paymentKeyOf, type EventSource, type JsonObject, type PaymentEventDraft, type PaymentEventRecord, type PaymentEventType, type PaymentMethod } from './types.js';

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

/** The merchant row, locked for the transaction. */
export interface LockedMerchant {
  id: string;
  name: string;
  timezone: string;
  lastEventSeq: bigint;
}

/**
 * The statement locking the merchant row (ordering this merchant's ingests across every instance):
 * the ingest transaction's opening statement, sent with its BEGIN (src/db/sql-transaction.ts).
 */
export const lockMerchantStatement = (merchantId: string): Opening => ({
  text: `SELECT name, timezone, last_event_seq FROM merchants WHERE id = $1 FOR UPDATE`,
  values: [merchantId],
});

/** The merchant row the lock statement read; undefined for an unknown merchant. */
export function lockedMerchant(merchantId: string, rows: unknown[]): LockedMerchant | undefined {
  const row = rows[0] as { name: string; timezone: string; last_event_seq: bigint } | undefined;
  return row && { id: merchantId, name: row.name, timezone: row.timezone, lastEventSeq: row.last_event_seq };
}

/** The columns of a stored event, camel-cased as PaymentEventRecord wants them. */
export const EVENT_COLUMNS = `seq, merchant_seq AS "merchantSeq", merchant_id AS "merchantId", event_id AS "eventId", schema_version AS "schemaVersion",
  type, provider, payment_method AS "paymentMethod", amount_minor AS "amountMinor", fee_minor AS "feeMinor", trim(currency) AS currency,
  customer_id AS "customerId", product_id AS "productId", product_name AS "productName", order_id AS "orderId", wallet_id AS "walletId",
  reference, occurred_at AS "occurredAt", received_at AS "receivedAt", source, payment_key AS "paymentKey", metadata`;

type Row = Omit<PaymentEventRecord, 'type' | 'paymentMethod' | 'source' | 'metadata'> & {
  kind: 'new' | 'dup' | 'key';
  type: string;
  paymentMethod: string | null;
  source: string;
  metadata: unknown;
  paymentKey: string;
};

/** A stored event with its payment key. */
export type StoredEvent = PaymentEventRecord & { paymentKey: string };

const toStored = ({ kind: _kind, ...row }: Row): StoredEvent => ({
  ...row,
  type: row.type as PaymentEventType,
  paymentMethod: row.paymentMethod as PaymentMethod | null,
  source: row.source as EventSource,
  metadata: (row.metadata ?? {}) as JsonObject,
});

/**
 * A row the insert returned (seq, merchant sequence, id, receipt time, metadata as jsonb keeps it)
 * completed from its draft: every other column holds what the draft sent, so the database does
 * not send it back. The keys in the order of EVENT_COLUMNS, as a read of the row would give them.
 */
function insertedEvent(row: Row, merchantId: string, { draft: d, source }: { draft: PaymentEventDraft; source: EventSource }): StoredEvent {
  return {
    seq: row.seq,
    merchantSeq: row.merchantSeq,
    merchantId,
    eventId: row.eventId,
    schemaVersion: d.schemaVersion,
    type: d.type,
    provider: d.provider,
    paymentMethod: d.paymentMethod,
    amountMinor: d.amountMinor,
    feeMinor: d.feeMinor,
    currency: d.currency,
    customerId: d.customerId,
    productId: d.productId,
    productName: d.productName,
    orderId: d.orderId,
    walletId: d.walletId,
    reference: d.reference,
    occurredAt: d.occurredAt,
    receivedAt: row.receivedAt,
    source,
    paymentKey: paymentKeyOf(d),
    metadata: (row.metadata ?? {}) as JsonObject,
  };
}

const STORE = `
WITH input AS (
  SELECT * FROM unnest($3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::text[], $11::text[],
    $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::timestamptz[], $18::text[], $19::text[], $20::text[])
    WITH ORDINALITY AS u(event_id, schema_version, type, provider, payment_method, amount_minor, fee_minor, currency, customer_id,
      product_id, product_name, order_id, wallet_id, reference, occurred_at, source, payment_key, metadata, ord)
),
dup AS (
  SELECT ${EVENT_COLUMNS} FROM payment_events WHERE merchant_id = $1 AND event_id IN (SELECT event_id FROM input)
),
fresh AS (
  SELECT DISTINCT ON (event_id) * FROM input WHERE event_id NOT IN (SELECT "eventId" FROM dup) ORDER BY event_id, ord
),
numbered AS (
  SELECT *, $2::bigint + row_number() OVER (ORDER BY ord) AS merchant_seq FROM fresh
),
ins AS (
  INSERT INTO payment_events (merchant_id, merchant_seq, event_id, schema_version, type, provider, payment_method, amount_minor, fee_minor,
    currency, customer_id, product_id, product_name, order_id, wallet_id, reference, occurred_at, source, payment_key, metadata)
  SELECT $1, merchant_seq, event_id, schema_version, type, provider, payment_method, amount_minor, fee_minor,
    currency, customer_id, product_id, product_name, order_id, wallet_id, reference, occurred_at, source, payment_key, metadata::jsonb
  FROM numbered ORDER BY merchant_seq
  RETURNING seq, merchant_seq AS "merchantSeq", event_id AS "eventId", received_at AS "receivedAt", metadata
),
head AS (
  UPDATE merchants SET last_event_seq = (SELECT max(merchant_seq) FROM numbered) WHERE id = $1 AND EXISTS (SELECT 1 FROM numbered)
)
SELECT 'new' AS kind, seq, "merchantSeq", NULL AS "merchantId", "eventId", NULL::int AS "schemaVersion", NULL AS type, NULL AS provider,
  NULL AS "paymentMethod", NULL::bigint AS "amountMinor", NULL::bigint AS "feeMinor", NULL AS currency, NULL AS "customerId", NULL AS "productId",
  NULL AS "productName", NULL AS "orderId", NULL AS "walletId", NULL AS reference, NULL::timestamptz AS "occurredAt", "receivedAt", NULL AS source,
  NULL AS "paymentKey", metadata
FROM ins
UNION ALL SELECT 'dup', * FROM dup
UNION ALL SELECT 'key', ${EVENT_COLUMNS} FROM payment_events
  WHERE merchant_id = $1 AND payment_key = ANY($19::text[]) AND payment_key IN (SELECT payment_key FROM numbered)
    AND event_id NOT IN (SELECT "eventId" FROM dup)`;

export interface Stored {
  /** The events stored now, in merchant-sequence order. */
  inserted: StoredEvent[];
  /** Events of the batch stored before, by id. */
  known: Map<string, StoredEvent>;
  /** Events stored before that share a payment key with an inserted one. */
  related: StoredEvent[];
}

/** Stores the drafts not stored yet (see the module comment): one statement. */
export async function storeEvents(tx: SqlTx, merchant: LockedMerchant, drafts: readonly { draft: PaymentEventDraft; source: EventSource }[]): Promise<Stored> {
  const col = <T>(f: (d: PaymentEventDraft, source: EventSource) => T) => drafts.map(({ draft, source }) => f(draft, source));
  const rows = await tx.$queryRawUnsafe<Row[]>(
    STORE,
    merchant.id,
    merchant.lastEventSeq,
    col((d) => d.eventId),
    col((d) => d.schemaVersion),
    col((d) => d.type),
    col((d) => d.provider),
    col((d) => d.paymentMethod),
    col((d) => d.amountMinor),
    col((d) => d.feeMinor),
    col((d) => d.currency),
    col((d) => d.customerId),
    col((d) => d.productId),
    col((d) => d.productName),
    col((d) => d.orderId),
    col((d) => d.walletId),
    col((d) => d.reference),
    col((d) => d.occurredAt.toISOString()),
    col((_d, source) => source),
    col((d) => paymentKeyOf(d)),
    col((d) => JSON.stringify(d.metadata)),
  );
  // An inserted event is its draft (the first with its id) plus what the database gave it.
  const firstWithId = new Map<string, { draft: PaymentEventDraft; source: EventSource }>();
  for (const d of drafts) if (!firstWithId.has(d.draft.eventId)) firstWithId.set(d.draft.eventId, d);
  const inserted: StoredEvent[] = [];
  const known = new Map<string, StoredEvent>();
  const related: StoredEvent[] = [];
  for (const row of rows) {
    if (row.kind === 'new') inserted.push(insertedEvent(row, merchant.id, firstWithId.get(row.eventId)!));
    else if (row.kind === 'dup') known.set(row.eventId, toStored(row));
    else related.push(toStored(row));
  }
  inserted.sort((a, b) => (a.merchantSeq < b.merchantSeq ? -1 : 1));
  return { inserted, known, related };
}

/** Every stored event of these payment keys (the ingest context reads the keys it does not hold yet). */
export async function eventsOfKeys(tx: SqlTx, merchantId: string, keys: readonly string[]): Promise<StoredEvent[]> {
  const rows = await tx.$queryRawUnsafe<StoredEvent[]>(`SELECT ${EVENT_COLUMNS} FROM payment_events WHERE merchant_id = $1 AND payment_key = ANY($2::text[])`, merchantId, keys);
  return rows.map((row) => ({ ...row, metadata: row.metadata ?? {} }));
}
