/**
 * `dashboardUpdated`: today's live totals, first at once, then after committed events —
 * coalesced so a merchant's subscriber gets at most one update per `minIntervalMs` however
 * many events arrive (a burst of 1,000 events is a handful of updates, each with the latest totals).
 */
import { stoppable } from '../lib/stoppable.js';
import type { PubSub } from '../pubsub/index.js';
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
  let channel: AsyncIterableIterator<unknown> | undefined;
  let stopped = false;
  let ended = false;
  let dirty = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const snapshot = async (): Promise<DashboardSnapshot> => ({ merchantId, at: new Date(), ...(await deps.analytics.today(merchantId)) });

  async function* run(): AsyncGenerator<DashboardSnapshot> {
    const live = await deps.pubsub.subscribe('paymentEvents', merchantId);
    channel = live;
    if (stopped) return void (await live.return?.());
    // Any committed event marks the totals stale; the loop below decides when to send.
    void (async () => {
      for await (const _ of live) {
        dirty = true;
        signal();
      }
      ended = true;
      signal();
    })();
    try {
      yield await snapshot();
      let last = Date.now();
      for (;;) {
        if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
        if (stopped || ended) return;
        const wait = last + minIntervalMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (stopped) return;
        dirty = false;
        yield await snapshot();
        last = Date.now();
      }
    } finally {
      await live.return?.();
    }
  }

  return stoppable(run(), async () => {
    stopped = true;
    await channel?.return?.();
    signal();
  });
}
