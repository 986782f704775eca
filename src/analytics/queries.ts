/**
 * Dashboard reads. Every one reads aggregate tables only (never payment_events), so its cost
 * depends on the range asked for, not on how many events a merchant has.
 */
import type { PrismaClient } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { bigintOf } from '../lib/bigint-of.js';
import { localDay } from './payment-state.js';

export interface Totals {
  currency: string;
  transactions: bigint;
  succeeded: bigint;
  failed: bigint;
  refunded: bigint;
  grossMinor: bigint;
  feeMinor: bigint;
  netMinor: bigint;
  refundedMinor: bigint;
  newCustomers: bigint;
}

export interface Bucket extends Totals {
  /** `YYYY-MM-DD` (merchant-local day) or the ISO instant of a UTC hour. */
  bucket: string;
}

export interface CurrencyOverview {
  currency: string;
  today: Totals;
  yesterday: Totals;
  thisMonth: Totals;
}

export interface MethodStats {
  currency: string;
  paymentMethod: string;
  transactions: bigint;
  succeeded: bigint;
  grossMinor: bigint;
}

export interface ProductStats {
  currency: string;
  productId: string;
  productName: string | null;
  sold: bigint;
  grossMinor: bigint;
}

export interface CustomerSummary {
  customers: bigint;
  returning: bigint;
  newToday: bigint;
  top: { customerId: string; currency: string; transactions: bigint; succeeded: bigint; spentMinor: bigint; firstSeen: Date; lastSeen: Date }[];
}

export interface AnalyticsService {
  /** Today, yesterday and this month (merchant-local) per currency. */
  overview(merchantId: string, now?: Date): Promise<{ timezone: string; today: string; currencies: CurrencyOverview[] }>;
  /** Today's totals per currency (the live dashboard). */
  today(merchantId: string, now?: Date): Promise<{ day: string; totals: Totals[] }>;
  daily(merchantId: string, fromDay: string, toDay: string): Promise<Bucket[]>;
  hourly(merchantId: string, from: Date, to: Date): Promise<Bucket[]>;
  paymentMethods(merchantId: string, days: number, now?: Date): Promise<MethodStats[]>;
  /** Ranked by revenue in one currency (amounts in different currencies do not compare). */
  topProducts(merchantId: string, currency: string, days: number, limit: number, now?: Date): Promise<ProductStats[]>;
  /** Counts over every currency; top spenders in one currency. */
  customers(merchantId: string, currency: string, limit: number, now?: Date): Promise<CustomerSummary>;
  merchant(merchantId: string): Promise<{ timezone: string; defaultCurrency: string } | undefined>;
}

// Money sums are NUMERIC(38,0) and may exceed 64 bits: read as text, never cast to bigint in SQL.
const SUMS = Prisma.sql`sum(transactions)::bigint AS transactions, sum(succeeded)::bigint AS succeeded, sum(failed)::bigint AS failed,
  sum(refunded)::bigint AS refunded, sum(gross_minor)::text AS "grossMinor", sum(fee_minor)::text AS "feeMinor",
  sum(net_minor)::text AS "netMinor", sum(refunded_minor)::text AS "refundedMinor", sum(new_customers)::bigint AS "newCustomers"`;

type Raw<T> = { [K in keyof T]: T[K] extends bigint ? bigint | string : T[K] };

function totalsOf<T extends Totals>(row: Raw<T>): T {
  return {
    ...row,
    grossMinor: bigintOf(row.grossMinor),
    feeMinor: bigintOf(row.feeMinor),
    netMinor: bigintOf(row.netMinor),
    refundedMinor: bigintOf(row.refundedMinor),
  } as T;
}

const empty = (currency: string): Totals => ({
  currency,
  transactions: 0n,
  succeeded: 0n,
  failed: 0n,
  refunded: 0n,
  grossMinor: 0n,
  feeMinor: 0n,
  netMinor: 0n,
  refundedMinor: 0n,
  newCustomers: 0n,
});

/** `day` minus `n` days, as YYYY-MM-DD (calendar arithmetic, no timezone involved). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function createAnalyticsService(prisma: PrismaClient): AnalyticsService {
  async function merchant(merchantId: string) {
    return (await prisma.merchant.findUnique({ where: { id: merchantId }, select: { timezone: true, defaultCurrency: true } })) ?? undefined;
  }
  const timezone = async (merchantId: string) => (await merchant(merchantId))?.timezone ?? 'UTC';

  async function dayTotals(merchantId: string, from: string, to: string): Promise<Totals[]> {
    const rows = await prisma.$queryRaw<Raw<Totals>[]>`
      SELECT currency, ${SUMS} FROM agg_daily
      WHERE merchant_id = ${merchantId} AND day BETWEEN ${from}::date AND ${to}::date
      GROUP BY currency ORDER BY currency COLLATE "C"`;
    return rows.map(totalsOf);
  }

  return {
    merchant,
    async overview(merchantId, now = new Date()) {
      const tz = await timezone(merchantId);
      const today = localDay(now, tz);
      const yesterday = addDays(today, -1);
      const monthStart = `${today.slice(0, 8)}01`;
      const [t, y, m] = await Promise.all([dayTotals(merchantId, today, today), dayTotals(merchantId, yesterday, yesterday), dayTotals(merchantId, monthStart, today)]);
      // Yesterday may fall in the previous month, so currencies come from all three.
      const currencies = [...new Set([...t, ...y, ...m].map((r) => r.currency))].sort();
      const pick = (rows: Totals[], c: string) => rows.find((r) => r.currency === c) ?? empty(c);
      return {
        timezone: tz,
        today,
        currencies: currencies.map((c) => ({ currency: c, today: pick(t, c), yesterday: pick(y, c), thisMonth: pick(m, c) })),
      };
    },
    async today(merchantId, now = new Date()) {
      const day = localDay(now, await timezone(merchantId));
      return { day, totals: await dayTotals(merchantId, day, day) };
    },
    async daily(merchantId, fromDay, toDay) {
      const rows = await prisma.$queryRaw<Raw<Bucket>[]>`
        SELECT to_char(day, 'YYYY-MM-DD') AS bucket, currency, ${SUMS} FROM agg_daily
        WHERE merchant_id = ${merchantId} AND day BETWEEN ${fromDay}::date AND ${toDay}::date
        GROUP BY day, currency HAVING sum(transactions) > 0 ORDER BY day, currency COLLATE "C"`;
      return rows.map(totalsOf);
    },
    async hourly(merchantId, from, to) {
      const rows = await prisma.$queryRaw<(Raw<Omit<Bucket, 'bucket'>> & { hour: Date })[]>`
        SELECT hour, currency, ${SUMS} FROM agg_hourly
        WHERE merchant_id = ${merchantId} AND hour >= ${from} AND hour <= ${to}
        GROUP BY hour, currency HAVING sum(transactions) > 0 ORDER BY hour, currency COLLATE "C"`;
      return rows.map(({ hour, ...r }) => ({ ...totalsOf(r as Raw<Totals>), bucket: hour.toISOString() }));
    },
    async paymentMethods(merchantId, days, now = new Date()) {
      const today = localDay(now, await timezone(merchantId));
      const rows = await prisma.$queryRaw<Raw<MethodStats>[]>`
        SELECT currency, payment_method AS "paymentMethod", sum(transactions)::bigint AS transactions, sum(succeeded)::bigint AS succeeded,
          sum(gross_minor)::text AS "grossMinor"
        FROM agg_method_daily
        WHERE merchant_id = ${merchantId} AND day BETWEEN ${addDays(today, 1 - days)}::date AND ${today}::date
        GROUP BY currency, payment_method HAVING sum(transactions) > 0
        ORDER BY currency COLLATE "C", sum(transactions) DESC, payment_method COLLATE "C"`;
      return rows.map((r) => ({ ...r, grossMinor: bigintOf(r.grossMinor) }) as MethodStats);
    },
    async topProducts(merchantId, currency, days, limit, now = new Date()) {
      const today = localDay(now, await timezone(merchantId));
      // A product's name is that of its most recent payment carrying one (docs/analytics.md).
      const rows = await prisma.$queryRaw<Raw<ProductStats>[]>`
        SELECT top.currency, top.product_id AS "productId", top.sold, top.gross::text AS "grossMinor",
          (SELECT p.product_name FROM payments p
            WHERE p.merchant_id = ${merchantId} AND p.product_id = top.product_id AND p.product_name IS NOT NULL
            ORDER BY p.first_at DESC, p.payment_key COLLATE "C" DESC, p.currency COLLATE "C" DESC LIMIT 1) AS "productName"
        FROM (
          SELECT currency, product_id, sum(sold)::bigint AS sold, sum(gross_minor) AS gross
          FROM agg_product_daily
          WHERE merchant_id = ${merchantId} AND currency = ${currency} AND day BETWEEN ${addDays(today, 1 - days)}::date AND ${today}::date
          GROUP BY currency, product_id HAVING sum(sold) > 0
          ORDER BY sum(gross_minor) DESC, sum(sold) DESC, product_id COLLATE "C" LIMIT ${limit}
        ) AS top
        ORDER BY top.gross DESC, top.sold DESC, top.product_id COLLATE "C"`;
      return rows.map((r) => ({ ...r, grossMinor: bigintOf(r.grossMinor) }) as ProductStats);
    },
    async customers(merchantId, currency, limit, now = new Date()) {
      const today = localDay(now, await timezone(merchantId));
      const [[counts], top, [fresh]] = await Promise.all([
        // Every customer is new exactly once, so the daily counts add up to all customers; returning
        // customers need customer_stats (cost grows with customers, not with events).
        prisma.$queryRaw<{ customers: bigint; returning: bigint }[]>`
          SELECT (SELECT COALESCE(sum(new_customers), 0) FROM agg_daily WHERE merchant_id = ${merchantId})::bigint AS customers,
            (SELECT count(*) FROM (SELECT 1 FROM customer_stats WHERE merchant_id = ${merchantId} GROUP BY customer_id HAVING sum(transactions) > 1) r)::bigint AS returning`,
        prisma.$queryRaw<Raw<CustomerSummary['top'][number]>[]>`
          SELECT customer_id AS "customerId", trim(currency) AS currency, transactions, succeeded, spent_minor::text AS "spentMinor",
            first_seen AS "firstSeen", last_seen AS "lastSeen"
          FROM customer_stats WHERE merchant_id = ${merchantId} AND currency = ${currency}
          ORDER BY spent_minor DESC, customer_id COLLATE "C" LIMIT ${limit}`,
        prisma.$queryRaw<{ n: bigint | null }[]>`SELECT sum(new_customers)::bigint AS n FROM agg_daily WHERE merchant_id = ${merchantId} AND day = ${today}::date`,
      ]);
      return {
        customers: counts?.customers ?? 0n,
        returning: counts?.returning ?? 0n,
        newToday: fresh?.n ?? 0n,
        top: top.map((c) => ({ ...c, transactions: bigintOf(c.transactions), succeeded: bigintOf(c.succeeded), spentMinor: bigintOf(c.spentMinor) })),
      };
    },
  };
}
