/**
 * The live feeds, written once. Every subscription that follows a pubsub channel is one of:
 *
 * - `sequencedFeed`: items carry a contiguous sequence per channel (merchant sequence, wallet
 *   version, order version). Subscribe FIRST, then read the head, replay stored items up to it,
 *   then go live: live items at or below the last sequence delivered are dropped, and a live item
 *   that skips sequences (a publish lost to a crash, or two instances publishing out of order)
 *   makes the feed read the missing items from storage first (or re-read the current state).
 *   So there is no gap and no duplicate at the hand-over, and strict order while live.
 * - `liveFeed`: unsequenced channels (merchant orders, announcements, notifications, tracking,
 *   the sessions listener): subscribe, optionally read something first, then map/filter each
 *   message.
 * - `signalFeed`: channels whose messages only say "re-read" (dashboard totals, presence): every
 *   message marks the state stale; reads are coalesced (at most one per `minIntervalMs`, one
 *   more however many messages arrive during a read), optionally also on a timer.
 *
 * Common to all: `return()` / `throw()` unsubscribe from PubSub at once, even while the feed is
 * waiting for the next message (the channel is ended FIRST, so the pending read resolves; an
 * async generator's own return() would wait behind that read forever), and a feed returned
 * while it is still subscribing unsubscribes as soon as the subscription exists.
 *
 * The feeds, one line each (their full guarantees are on the functions that build them):
 * - paymentEvents (src/payments/stream.ts): sequenced by merchant sequence; resume from a
 *   cursor, or start at the merchant sequence of the moment of the request; filter per item;
 * - balance (src/wallets/stream.ts): sequenced by wallet version, opens with the balance now;
 * - orderStatus (src/orders/stream.ts): sequenced by order version, opens with the order now, a
 *   gap re-reads the order; orderUpdates: live;
 * - dashboardUpdated (src/analytics/live.ts): signal, coalesced per `minIntervalMs`;
 * - notificationAdded (src/notifications/service.ts): live, replay after a cursor first;
 * - announcements, tracking: live; presence watchers: signal plus a timer; the sessions
 *   listener (src/edge/sessions.ts): live, internal.
 */
import type { PubSub, Topic, TopicKey, TopicPayload } from './types.js';

/** Subscribes channels on behalf of one feed, so stopping the feed can end them. */
interface Holder {
  readonly stopped: boolean;
  /** The channel, or undefined when the feed was stopped while subscribing (then already ended). */
  subscribe<T extends Topic>(pubsub: PubSub, topic: T, key: TopicKey<T>, options?: { internal?: boolean }): Promise<AsyncIterableIterator<TopicPayload<T>> | undefined>;
}

/** The one place a feed's iterator is made (see the module comment for why `return()` is custom). */
function runFeed<Item>(body: (holder: Holder) => AsyncGenerator<Item>, onStop?: () => void): AsyncIterableIterator<Item> {
  const channels = new Set<AsyncIterator<unknown>>();
  let stopped = false;
  const endAll = () => Promise.all([...channels].map((channel) => channel.return?.())).then(() => undefined);
  const holder: Holder = {
    get stopped() {
      return stopped;
    },
    async subscribe(pubsub, topic, key, options) {
      const channel = await pubsub.subscribe(topic, key, options);
      channels.add(channel);
      if (!stopped) return channel;
      await channel.return?.();
      return undefined;
    },
  };
  async function* run(): AsyncGenerator<Item> {
    try {
      yield* body(holder);
    } finally {
      await endAll();
    }
  }
  const inner = run();
  const stop = async () => {
    stopped = true;
    onStop?.();
    await endAll();
  };
  return {
    next: () => inner.next(),
    async return() {
      await stop();
      return inner.return(undefined);
    },
    async throw(error) {
      await stop();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** What the feed reads once its channel is live: the hand-over point. */
export interface FeedHead<Item> {
  /** The highest sequence committed now: live items at or below it are dropped. */
  seq: bigint;
  /** The item at `seq`, delivered first, for feeds that open with the current state (a balance, an order). */
  current?: Item | undefined;
}

export interface SequencedFeedOptions<T extends Topic, Item> {
  topic: T;
  key: TopicKey<T>;
  /** The item a channel message carries. A message it cannot decode (it throws) ends the feed with that error. */
  decode(message: TopicPayload<T>): Item;
  /** The item's sequence, contiguous per channel. */
  seq(item: Item): bigint;
  /**
   * Read once the channel is live (never before): the hand-over point, or `undefined` when there
   * is nothing to follow (an unknown wallet or order), which ends the feed at once.
   */
  head(): Promise<FeedHead<Item> | undefined>;
  /**
   * Stored items with a sequence in [from, to], oldest first: fills gaps. Without it a gap
   * re-reads the head and delivers its `current` item instead of the live one (the latest
   * state, not every step).
   */
  range?(from: bigint, to: bigint): Promise<Iterable<Item>>;
  /**
   * Items to deliver before going live, given the head (a resume from a cursor).
   * @default nothing (or, with `start`, what `start.after` read)
   */
  replay?(head: bigint): AsyncIterable<Item> | Iterable<Item>;
  /**
   * A feed "from now": `at()` is the sequence at the moment of the request, read BEFORE
   * subscribing, and `after(seq)` reads, once the channel is live, every stored item above it up
   * to what is committed then (one read that is both the replay and the hand-over point), so an
   * item committed while the channel is being subscribed is delivered rather than lost.
   * Neither is called when the pubsub says the channel is already live on this instance
   * (`PubSub.listening`): the subscription is then attached during the call, nothing can commit
   * unseen in between, and the head read right after IS the moment of the request (one read
   * instead of two).
   */
  start?: { at(): Promise<bigint>; after(seq: bigint): Promise<Iterable<Item>> };
  /** Items it rejects are not delivered (their sequence still counts as delivered). @default all */
  filter?(item: Item): boolean;
}

/** A sequenced live feed over one channel (module comment: guarantees). */
export function sequencedFeed<T extends Topic, Item>(pubsub: PubSub, options: SequencedFeedOptions<T, Item>): AsyncIterableIterator<Item> {
  const { topic, key, decode, seq, head, range, replay, start, filter = () => true } = options;
  return runFeed(async function* (holder) {
    // Synchronous up to the subscribe call when the channel is already live: nothing can run in between.
    const from = start && !pubsub.listening?.(topic, key) ? await start.at() : undefined;
    const channel = await holder.subscribe(pubsub, topic, key);
    if (!channel) return;
    let last: bigint;
    if (start && from !== undefined) {
      // Everything committed after `from` up to now, in one read; later items come live.
      last = from;
      for (const item of await start.after(from)) {
        if (seq(item) <= last) continue;
        last = seq(item);
        if (filter(item)) yield item;
      }
    } else {
      const opened = await head();
      if (!opened) return;
      last = opened.seq;
      if (replay) {
        for await (const item of replay(opened.seq)) if (filter(item)) yield item;
      } else if (opened.current !== undefined && filter(opened.current)) {
        yield opened.current;
      }
    }
    for await (const message of channel) {
      let item = decode(message);
      if (seq(item) <= last) continue;
      if (seq(item) > last + 1n) {
        if (range) {
          for (const missed of await range(last + 1n, seq(item) - 1n)) {
            if (seq(missed) <= last) continue;
            last = seq(missed);
            if (filter(missed)) yield missed;
          }
        } else {
          item = (await head())?.current ?? item;
        }
      }
      last = seq(item);
      if (filter(item)) yield item;
    }
  });
}

export interface LiveFeedOptions<T extends Topic, Item> {
  topic: T;
  key: TopicKey<T>;
  /** Not counted in `activeSubscriptions()` (a listener of the server itself). @default false */
  internal?: boolean;
  /** Read once the channel is live, delivered before the first live item: a replay, the state now. */
  before?(): AsyncIterable<Item> | Iterable<Item>;
  /** The item for a message, or `undefined` to skip it; throwing ends the feed with the error. */
  map(message: TopicPayload<T>): Item | undefined | Promise<Item | undefined>;
  /** After delivering an item for which this is true, the feed completes. @default never */
  last?(item: Item): boolean;
}

/** A live feed over one unsequenced channel: subscribe, then `before`, then each mapped message. */
export function liveFeed<T extends Topic, Item>(pubsub: PubSub, options: LiveFeedOptions<T, Item>): AsyncIterableIterator<Item> {
  const { topic, key, internal = false, before, map, last = () => false } = options;
  return runFeed(async function* (holder) {
    const channel = await holder.subscribe(pubsub, topic, key, { internal });
    if (!channel) return;
    if (before) {
      for await (const item of before()) {
        yield item;
        if (last(item)) return;
      }
    }
    for await (const message of channel) {
      const item = await map(message);
      if (item === undefined) continue;
      yield item;
      if (last(item)) return;
    }
  });
}

export interface SignalFeedOptions<T extends Topic, Item> {
  topic: T;
  /** Every channel whose messages mark the state stale. */
  keys: readonly TopicKey<T>[];
  /** Reads the state; its items are delivered (an empty read delivers nothing). Called once at once, then per signal. */
  read(): Promise<Iterable<Item>>;
  /** At least this long between the starts of two reads after signals. @default 0 */
  minIntervalMs?: number;
  /** Also re-read on this interval (state that changes without a message: expiry, away). @default none */
  pollMs?: number;
  /** End the feed when a channel ends (pubsub stopped) instead of going on with the timer. @default true */
  endWithChannel?: boolean;
}

/** A feed of re-reads triggered by channel messages, coalesced (module comment). */
export function signalFeed<T extends Topic, Item>(pubsub: PubSub, options: SignalFeedOptions<T, Item>): AsyncIterableIterator<Item> {
  const { topic, keys, read, minIntervalMs = 0, pollMs, endWithChannel = true } = options;
  let dirty = false;
  let ended = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    dirty = true;
    const w = wake;
    wake = undefined;
    w?.();
  };
  let timer: NodeJS.Timeout | undefined;
  return runFeed(
    async function* (holder) {
      const channels: AsyncIterableIterator<TopicPayload<T>>[] = [];
      for (const key of keys) {
        const channel = await holder.subscribe(pubsub, topic, key);
        if (!channel) return;
        channels.push(channel);
      }
      for (const channel of channels) {
        // Any message marks the state stale; the loop below decides when to read.
        void (async () => {
          try {
            for await (const _ of channel) signal();
          } catch {
            // An overflowing channel only means "stale": the next read catches up.
          }
          if (endWithChannel) {
            ended = true;
            signal();
          }
        })();
      }
      if (pollMs !== undefined) {
        timer = setInterval(signal, pollMs);
        timer.unref();
      }
      try {
        yield* await read();
        let lastRead = Date.now();
        for (;;) {
          while (!dirty && !holder.stopped && !ended) await new Promise<void>((resolve) => (wake = resolve));
          if (holder.stopped || ended) return;
          const wait = lastRead + minIntervalMs - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          if (holder.stopped) return;
          dirty = false;
          yield* await read();
          lastRead = Date.now();
        }
      } finally {
        clearInterval(timer);
      }
    },
    () => {
      clearInterval(timer);
      signal();
    },
  );
}
