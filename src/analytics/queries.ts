/**
 * Dashboard reads. Every one reads aggregate tables only (never payment_events), so its cost
 * depends on the range asked for, not on how many events a merchant has.
 */
import type { PrismaClient } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
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

const SUMS = Prisma.sql`sum(transactions)::bigint AS transactions, sum(succeeded)::bigint AS succeeded, sum(failed)::bigint AS failed,
  sum(refunded)::bigint AS refunded, sum(gross_minor)::bigint AS "grossMinor", sum(fee_minor)::bigint AS "feeMinor",
  sum(net_minor)::bigint AS "netMinor", sum(refunded_minor)::bigint AS "refundedMinor", sum(new_customers)::bigint AS "newCustomers"`;

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
    return prisma.$queryRaw<Totals[]>`
      SELECT currency, ${SUMS} FROM agg_daily
      WHERE merchant_id = ${merchantId} AND day BETWEEN ${from}::date AND ${to}::date
      GROUP BY currency ORDER BY currency`;
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
      return prisma.$queryRaw<Bucket[]>`
        SELECT to_char(day, 'YYYY-MM-DD') AS bucket, currency, ${SUMS} FROM agg_daily
        WHERE merchant_id = ${merchantId} AND day BETWEEN ${fromDay}::date AND ${toDay}::date
        GROUP BY day, currency ORDER BY day, currency`;
    },
    async hourly(merchantId, from, to) {
      const rows = await prisma.$queryRaw<(Omit<Bucket, 'bucket'> & { hour: Date })[]>`
        SELECT hour, currency, ${SUMS} FROM agg_hourly
        WHERE merchant_id = ${merchantId} AND hour >= ${from} AND hour <= ${to}
        GROUP BY hour, currency ORDER BY hour, currency`;
      return rows.map(({ hour, ...r }) => ({ ...r, bucket: hour.toISOString() }));
    },
    async paymentMethods(merchantId, days, now = new Date()) {
      const today = localDay(now, await timezone(merchantId));
      return prisma.$queryRaw<MethodStats[]>`
        SELECT currency, payment_method AS "paymentMethod", sum(transactions)::bigint AS transactions, sum(succeeded)::bigint AS succeeded,
          sum(gross_minor)::bigint AS "grossMinor"
        FROM agg_method_daily
        WHERE merchant_id = ${merchantId} AND day BETWEEN ${addDays(today, 1 - days)}::date AND ${today}::date
        GROUP BY currency, payment_method HAVING sum(transactions) > 0
        ORDER BY currency, sum(transactions) DESC, payment_method`;
    },
    async topProducts(merchantId, currency, days, limit, now = new Date()) {
      const today = localDay(now, await timezone(merchantId));
      return prisma.$queryRaw<ProductStats[]>`
        SELECT currency, product_id AS "productId", max(product_name) AS "productName", sum(sold)::bigint AS sold, sum(gross_minor)::bigint AS "grossMinor"
        FROM agg_product_daily
        WHERE merchant_id = ${merchantId} AND currency = ${currency} AND day BETWEEN ${addDays(today, 1 - days)}::date AND ${today}::date
        GROUP BY currency, product_id HAVING sum(sold) > 0
        ORDER BY sum(gross_minor) DESC, sum(sold) DESC, product_id LIMIT ${limit}`;
    },
    async customers(merchantId, currency, limit, now = new Date()) {
      const today = localDay(now, await timezone(merchantId));
      const [[counts], top, [fresh]] = await Promise.all([
        // Every customer is new exactly once, so the daily counts add up to all customers; returning
        // customers need customer_stats (cost grows with customers, not with events).
        prisma.$queryRaw<{ customers: bigint; returning: bigint }[]>`
          SELECT (SELECT COALESCE(sum(new_customers), 0) FROM agg_daily WHERE merchant_id = ${merchantId})::bigint AS customers,
            (SELECT count(*) FROM (SELECT 1 FROM customer_stats WHERE merchant_id = ${merchantId} GROUP BY customer_id HAVING sum(transactions) > 1) r)::bigint AS returning`,
        prisma.customerStats.findMany({ where: { merchantId, currency }, orderBy: [{ spentMinor: 'desc' }, { customerId: 'asc' }], take: limit }),
        prisma.$queryRaw<{ n: bigint | null }[]>`SELECT sum(new_customers)::bigint AS n FROM agg_daily WHERE merchant_id = ${merchantId} AND day = ${today}::date`,
      ]);
      return { customers: counts?.customers ?? 0n, returning: counts?.returning ?? 0n, newToday: fresh?.n ?? 0n, top };
    },
  };
}
