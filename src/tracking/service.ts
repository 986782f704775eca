/**
 * Payment and transfer tracking by provider reference (docs/tracking.md): the current state
 * read from the stored events, and a live stream that sends it first, then every change, and
 * completes at a final status.
 */
import type { PrismaClient } from '../db/client.js';
import { liveChannel } from '../lib/stoppable.js';
import { toRecord } from '../payments/repository.js';
import { fromMessage, type PaymentEventMessage } from '../payments/types.js';
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
    return liveChannel(
      () => deps.pubsub.subscribe('paymentEvents', merchantId),
      async function* (channel) {
        let current = await state(kind, merchantId, reference);
        if (current) yield current;
        if (current?.final) return;
        for await (const message of channel) {
          const event = fromMessage(message as PaymentEventMessage);
          if (event.reference !== reference || kindOf(event.type) !== kind) continue;
          const next = await state(kind, merchantId, reference);
          if (!next || signature(next) === signature(current)) continue;
          current = next;
          yield next;
          if (next.final) return;
        }
      },
    );
  }

  return { state, follow };
}
