/**
 * A merchant's live event feed with resume (a `sequencedFeed` by merchant sequence,
 * src/pubsub/feed.ts). Guarantees, per subscription:
 * - no gap and no duplicate at the hand-over from replay to live: the live channel is subscribed
 *   BEFORE the database is read, and live messages at or below the replayed merchant sequence are
 *   dropped; without a cursor the feed starts at the merchant sequence of the moment it was
 *   requested, so an event committed while the channel is being subscribed is not lost;
 * - strict merchant-sequence order and no gap while live: a message that skips merchant
 *   sequences (a publish lost to a crash, or two instances publishing out of order) makes the
 *   stream read the missing events from the database first;
 * - `return()` unsubscribes from PubSub at once, even while waiting for the next message.
 *
 * Database reads per subscribe without a cursor (the cost of a reconnect storm): ONE when this
 * instance already listens to the merchant's channel (the head, read after the listener is
 * attached: no round trip lies between the request and the attach, so that head is the moment
 * of the request, exactly as documented in docs/architecture.md "Resumable subscriptions"); TWO
 * for the first subscriber of the merchant on this instance (the head before the SUBSCRIBE round
 * trip, then one read of whatever committed during it, which also gives the hand-over point).
 * It used to be two head reads plus the window. A cached per-instance head would save the
 * second read too, but a cache fed by commits and publishes lags other instances' commits: it
 * could start a few events before the request, and the documented start is exact.
 */
import type { PubSub } from '../pubsub/index.js';
import { sequencedFeed } from '../pubsub/feed.js';
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
  const head = async () => (await deps.events.lastMerchantSeq(merchantId)) ?? 0n;
  return sequencedFeed(deps.pubsub, {
    topic: 'paymentEvents',
    key: merchantId,
    decode: fromMessage,
    seq: (event) => event.merchantSeq,
    head: async () => ({ seq: await head() }),
    range: (from, to) => deps.events.merchantSeqRange(merchantId, from, to),
    ...(afterSeq === undefined
      ? // Without a cursor the feed starts at the moment of the request.
        { start: { at: head, after: (seq: bigint) => deps.events.merchantSeqRange(merchantId, seq + 1n, undefined) } }
      : { replay: (upto: bigint) => deps.events.replay(merchantId, afterSeq, upto) }),
    filter: (event) => matchesFilter(filter, event),
  });
}
