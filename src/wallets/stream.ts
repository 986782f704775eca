/**
 * A wallet's live balance (a `sequencedFeed` by wallet version, src/pubsub/feed.ts).
 * Guarantees, per subscription:
 * - the first message is the balance at the moment of the request (with the entry that made it);
 * - then every later version exactly once, strictly increasing with no gap: the live channel is
 *   subscribed BEFORE the balance is read, messages at or below the version sent are dropped, and
 *   a message that skips versions (a publish lost to a crash, or two instances publishing out of
 *   order) makes the stream read the missing versions from the ledger first;
 * - `return()` unsubscribes from PubSub at once, even while waiting for the next message.
 */
import type { PubSub } from '../pubsub/index.js';
import { sequencedFeed } from '../pubsub/feed.js';
import type { WalletService } from './service.js';
import { fromBalanceMessage, walletChannelKey, type BalanceChange, type WalletKey } from './types.js';

export function createBalanceStream(deps: { wallets: WalletService; pubsub: PubSub }, wallet: WalletKey): AsyncIterableIterator<BalanceChange> {
  return sequencedFeed(deps.pubsub, {
    topic: 'walletBalance',
    key: walletChannelKey(wallet),
    decode: fromBalanceMessage,
    seq: (change) => change.version,
    async head() {
      const current = await deps.wallets.current(wallet);
      return current && { seq: current.version, current };
    },
    range: (from, to) => deps.wallets.changes(wallet, from, to),
  });
}
