/**
 * Event order (docs/analytics.md, "The one rule"): by `occurredAt`, then by event id in code-point
 * order. Every "earliest" and "latest" in the analytics, wallets and tracking means this order;
 * arrival order (`seq`) never decides anything derived.
 */
import { compareCodePoints } from '../lib/code-points.js';

export interface OrderedEvent {
  occurredAt: Date;
  eventId: string;
}

export function byEventOrder(a: OrderedEvent, b: OrderedEvent): number {
  return a.occurredAt.getTime() - b.occurredAt.getTime() || compareCodePoints(a.eventId, b.eventId);
}

/** The earliest of `events` in event order (undefined when empty). */
export function earliest<T extends OrderedEvent>(events: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const e of events) if (best === undefined || byEventOrder(e, best) < 0) best = e;
  return best;
}

/** The latest of `events` in event order (undefined when empty). */
export function latest<T extends OrderedEvent>(events: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const e of events) if (best === undefined || byEventOrder(e, best) > 0) best = e;
  return best;
}
