/**
 * A merchant's live event feed with resume. Guarantees, per subscription:
 * - no gap and no duplicate at the hand-over from replay to live: the live channel is subscribed
 *   BEFORE the database is read, and live messages at or below the replayed merchant sequence are
 *   dropped; without a cursor the feed starts at the merchant sequence of the moment it was
 *   requested, so an event committed while the channel is being subscribed is not lost;
 * - strict merchant-sequence order and no gap while live: a message that skips merchant
 *   sequences (a publish lost to a crash, or two instances publishing out of order) makes the
 *   stream read the missing events from the database first;
 * - `return()` unsubscribes from PubSub at once, even while waiting for the next message.
 */
import { stoppable } from '../lib/stoppable.js';
import type { PubSub } from '../pubsub/index.js';
import { matchesFilter, type PaymentEventFilter } from './filter.js';
import type { PaymentEventRepository } from './repository.js';
import { fromMessage, type PaymentEventRecord } from './types.js';

export interface PaymentEventStreamArgs {
  merchantId: string;
  filter: PaymentEventFilter;
  /** Replay stored events with a global sequence above this cursor before going live. */
  afterSeq?: bigint | undefined;
}

export function createPaymentEventStream(
  deps: { events: PaymentEventRepository; pubsub: PubSub },
  { merchantId, filter, afterSeq }: PaymentEventStreamArgs,
): AsyncIterableIterator<PaymentEventRecord> {
  let live: AsyncIterableIterator<unknown> | undefined;
  let stopped = false;

  async function* run(): AsyncGenerator<PaymentEventRecord> {
    // Without a cursor the feed starts at the moment of the request: anything committed after
    // this read is delivered, even if it commits while the live channel is being subscribed.
    const start = afterSeq === undefined ? ((await deps.events.lastMerchantSeq(merchantId)) ?? 0n) : undefined;
    const channel = await deps.pubsub.subscribe('paymentEvents', merchantId);
    live = channel;
    if (stopped) return void (await channel.return?.());
    try {
      // Everything committed up to `last` is read from the database now; later events come live.
      let last = (await deps.events.lastMerchantSeq(merchantId)) ?? 0n;
      const stored =
        start === undefined ? deps.events.replay(merchantId, afterSeq!, last)
        : last > start ? await deps.events.merchantSeqRange(merchantId, start + 1n, last)
        : [];
      for await (const event of stored) {
        if (matchesFilter(filter, event)) yield event;
      }
      for await (const message of channel) {
        const event = fromMessage(message);
        if (event.merchantSeq <= last) continue;
        if (event.merchantSeq > last + 1n) {
          for (const missed of await deps.events.merchantSeqRange(merchantId, last + 1n, event.merchantSeq - 1n)) {
            if (matchesFilter(filter, missed)) yield missed;
          }
        }
        last = event.merchantSeq;
        if (matchesFilter(filter, event)) yield event;
      }
    } finally {
      await channel.return?.();
    }
  }

  return stoppable(run(), async () => {
    stopped = true;
    await live?.return?.();
  });
}
