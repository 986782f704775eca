/**
 * Event activity over a time range, for the dashboard's volume trend, success rate over time and
 * provider split: counts of the stored events by `occurredAt`, per UTC minute or hour, and per
 * provider. Unlike the analytics aggregates (docs/analytics.md: one transaction per payment, in the
 * bucket of its first event) these count events as they happened — what a live chart shows.
 * Read from the raw events (index on merchant and occurred_at), so they are exact at any moment.
 */
import { Prisma } from '../generated/prisma/client.js';
import type { PrismaClient } from '../db/client.js';

export type ActivityGranularity = 'minute' | 'hour';

/** Most buckets one call may span: a day of minutes, a month of hours. */
export const MAX_ACTIVITY_BUCKETS: Record<ActivityGranularity, number> = { minute: 24 * 60, hour: 31 * 24 };
const BUCKET_MS: Record<ActivityGranularity, number> = { minute: 60_000, hour: 3_600_000 };

export interface ActivityBucket {
  /** Start of the UTC minute or hour. */
  start: Date;
  events: bigint;
  completed: bigint;
  failed: bigint;
}

export interface ProviderActivity {
  provider: string;
  events: bigint;
  completed: bigint;
  failed: bigint;
  /**
   * Per currency (minor units): the completion that counts (docs/analytics.md) of every payment
   * whose counting completion happened in the range through this provider — once per payment, so
   * a provider resending a completion under a new event id never doubles the money.
   */
  completedMinor: { currency: string; amountMinor: bigint }[];
}

export interface Activity {
  /** Every bucket of the range, oldest first, empty ones included (a chart needs the zeros). */
  buckets: ActivityBucket[];
  /** Providers with events in the range, most events first. */
  providers: ProviderActivity[];
}

/** Rounds down to the start of the granularity's bucket (UTC). */
export function bucketStart(at: Date, granularity: ActivityGranularity): Date {
  const size = BUCKET_MS[granularity];
  return new Date(Math.floor(at.getTime() / size) * size);
}

/** Buckets `[from, to)` spans, counting partial ones at both ends. */
export function bucketCount(from: Date, to: Date, granularity: ActivityGranularity): number {
  const size = BUCKET_MS[granularity];
  return Math.max(0, Math.ceil((to.getTime() - bucketStart(from, granularity).getTime()) / size));
}

export interface ActivityService {
  /** Events with `from <= occurredAt < to`. The caller checks the range against MAX_ACTIVITY_BUCKETS. */
  activity(args: { merchantId: string; from: Date; to: Date; granularity: ActivityGranularity }): Promise<Activity>;
}

export function createActivityService(prisma: PrismaClient): ActivityService {
  return {
    async activity({ merchantId, from, to, granularity }) {
      const unit = Prisma.raw(granularity === 'minute' ? `'minute'` : `'hour'`);
      const [rows, providers, amounts] = await Promise.all([
        prisma.$queryRaw<{ start: Date; events: bigint; completed: bigint; failed: bigint }[]>`
          SELECT date_trunc(${unit}, occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start,
                 count(*)::bigint AS events,
                 count(*) FILTER (WHERE type = 'payment.completed')::bigint AS completed,
                 count(*) FILTER (WHERE type = 'payment.failed')::bigint AS failed
          FROM payment_events
          WHERE merchant_id = ${merchantId} AND occurred_at >= ${from} AND occurred_at < ${to}
          GROUP BY 1`,
        prisma.$queryRaw<{ provider: string; currency: string; events: bigint; completed: bigint; failed: bigint }[]>`
          SELECT provider, currency,
                 count(*)::bigint AS events,
                 count(*) FILTER (WHERE type = 'payment.completed')::bigint AS completed,
                 count(*) FILTER (WHERE type = 'payment.failed')::bigint AS failed
          FROM payment_events
          WHERE merchant_id = ${merchantId} AND occurred_at >= ${from} AND occurred_at < ${to}
          GROUP BY provider, currency`,
        // Each payment's counting completion (largest amount, then earliest: docs/analytics.md),
        // chosen among all its completions, counted where and when that one happened.
        prisma.$queryRaw<{ provider: string; currency: string; completed_minor: string }[]>`
          SELECT provider, currency, sum(amount_minor)::text AS completed_minor
          FROM (
            SELECT DISTINCT ON (payment_key, currency) provider, trim(currency) AS currency, amount_minor, occurred_at
            FROM payment_events
            WHERE merchant_id = ${merchantId} AND type = 'payment.completed' AND (payment_key, currency) IN (
              SELECT payment_key, currency FROM payment_events
              WHERE merchant_id = ${merchantId} AND type = 'payment.completed' AND occurred_at >= ${from} AND occurred_at < ${to})
            ORDER BY payment_key, currency, amount_minor DESC, occurred_at, event_id COLLATE "C"
          ) AS counted
          WHERE occurred_at >= ${from} AND occurred_at < ${to}
          GROUP BY provider, currency`,
      ]);
      const byStart = new Map(rows.map((r) => [new Date(r.start).getTime(), r]));
      const size = BUCKET_MS[granularity];
      const buckets: ActivityBucket[] = [];
      for (let at = bucketStart(from, granularity).getTime(); at < to.getTime(); at += size) {
        const row = byStart.get(at);
        buckets.push({ start: new Date(at), events: row?.events ?? 0n, completed: row?.completed ?? 0n, failed: row?.failed ?? 0n });
      }
      const merged = new Map<string, ProviderActivity>();
      for (const r of providers) {
        const p = merged.get(r.provider) ?? { provider: r.provider, events: 0n, completed: 0n, failed: 0n, completedMinor: [] };
        p.events += r.events;
        p.completed += r.completed;
        p.failed += r.failed;
        merged.set(r.provider, p);
      }
      for (const a of amounts) {
        // The sum travels as text: a sum of bigints is numeric in PostgreSQL, and may pass 2^63.
        merged.get(a.provider)?.completedMinor.push({ currency: a.currency, amountMinor: BigInt(a.completed_minor) });
      }
      const list = [...merged.values()];
      for (const p of list) p.completedMinor.sort((a, b) => a.currency.localeCompare(b.currency));
      list.sort((a, b) => (a.events === b.events ? a.provider.localeCompare(b.provider) : a.events > b.events ? -1 : 1));
      return { buckets, providers: list };
    },
  };
}
