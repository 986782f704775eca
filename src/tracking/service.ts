/**
 * Payment and transfer tracking by provider reference (docs/tracking.md): the current state
 * read from the stored events, and a live stream that sends it first, then every change, and
 * completes at a final status.
 */
import type { PrismaClient } from '../db/client.js';
import { toRecord } from '../payments/repository.js';
import { fromMessage } from '../payments/types.js';
import { liveFeed } from '../pubsub/feed.js';
import type { PubSub } from '../pubsub/index.js';
import { deriveTracking, eventTypesOf, kindOf, type TrackingKind, type TrackingState } from './state.js';

export interface TrackingService {
  state(kind: TrackingKind, merchantId: string, reference: string): Promise<TrackingState | undefined>;
  /**
   * The state now (when there is one), then each change, until a final status. The channel is
   * subscribed before the first read, so no change between the two is missed; every change is
   * re-read from the database, so a lost or reordered publish cannot show a wrong state.
   */
  follow(kind: TrackingKind, merchantId: string, reference: string): AsyncIterableIterator<TrackingState>;
}

export function createTrackingService(deps: { prisma: PrismaClient; pubsub: PubSub }): TrackingService {
  async function state(kind: TrackingKind, merchantId: string, reference: string) {
    const rows = await deps.prisma.paymentEvent.findMany({
      where: { merchantId, reference, type: { in: eventTypesOf(kind) } },
      orderBy: { seq: 'asc' },
    });
    return deriveTracking(kind, rows.map(toRecord));
  }

  function follow(kind: TrackingKind, merchantId: string, reference: string): AsyncIterableIterator<TrackingState> {
    const signature = (s: TrackingState | undefined) => (s ? `${s.status}:${s.history.length}` : '');
    let current: TrackingState | undefined;
    return liveFeed(deps.pubsub, {
      topic: 'paymentEvents',
      key: merchantId,
      async *before() {
        current = await state(kind, merchantId, reference);
        if (current) yield current;
      },
      async map(message) {
        const event = fromMessage(message);
        if (event.reference !== reference || kindOf(event.type) !== kind) return undefined;
        const next = await state(kind, merchantId, reference);
        if (!next || signature(next) === signature(current)) return undefined;
        current = next;
        return next;
      },
      last: (s) => s.final,
    });
  }

  return { state, follow };
}
