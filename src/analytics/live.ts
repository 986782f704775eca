/**
 * `dashboardUpdated`: today's live totals, first at once, then after committed events —
 * coalesced so a merchant's subscriber gets at most one update per `minIntervalMs` however
 * many events arrive (a burst of 1,000 events is a handful of updates, each with the latest
 * totals). A `signalFeed` on the merchant's payment events (src/pubsub/feed.ts): subscribed
 * before the first read, so no event between the two goes unnoticed.
 */
import type { PubSub } from '../pubsub/index.js';
import { signalFeed } from '../pubsub/feed.js';
import type { AnalyticsService, Totals } from './queries.js';

export interface DashboardSnapshot {
  merchantId: string;
  day: string;
  at: Date;
  totals: Totals[];
}

export function createDashboardStream(
  deps: { pubsub: PubSub; analytics: AnalyticsService },
  merchantId: string,
  minIntervalMs = 250,
): AsyncIterableIterator<DashboardSnapshot> {
  return signalFeed(deps.pubsub, {
    topic: 'paymentEvents',
    keys: [merchantId],
    minIntervalMs,
    read: async () => [{ merchantId, at: new Date(), ...(await deps.analytics.today(merchantId)) }],
  });
}
