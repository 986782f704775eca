import type { TestApp } from './app.js';

/** The value of one sample line of an app's /metrics text, or 0 when the series is absent. */
export async function sample(t: TestApp, series: string): Promise<number> {
  const res = await fetch(new URL('/metrics', t.url));
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/**
 * Subscriptions this instance streams now, all transports (the paypulse_subscriptions_active
 * gauge). Not the pubsub's count: subscribers of one cohort (src/edge/cohorts.ts) share a listener.
 */
export async function liveSubscriptions(t: TestApp): Promise<number> {
  const gauge = await t.app.infra.metrics.subscriptions.get();
  return gauge.values.reduce((sum, v) => sum + v.value, 0);
}

/** Every running cohort holds its pubsub listener (a cohort subscribes on its first member's first pull). */
export async function cohortsSubscribed(t: TestApp): Promise<boolean> {
  const cohorts = (await t.app.infra.metrics.cohorts.get()).values[0]?.value ?? 0;
  return t.pubsub.activeSubscriptions() >= cohorts;
}
