/**
 * A wallet's live balance. Guarantees, per subscription:
 * - the first message is the balance at the moment of the request (with the entry that made it);
 * - then every later version exactly once, strictly increasing with no gap: the live channel is
 *   subscribed BEFORE the balance is read, messages at or below the version sent are dropped, and
 *   a message that skips versions (a publish lost to a crash, or two instances publishing out of
 *   order) makes the stream read the missing versions from the ledger first;
 * - `return()` unsubscribes from PubSub at once, even while waiting for the next message.
 */
import { stoppable } from '../lib/stoppable.js';
import type { PubSub } from '../pubsub/index.js';
import type { WalletService } from './service.js';
import { fromBalanceMessage, walletChannelKey, type BalanceChange, type WalletKey } from './types.js';

export function createBalanceStream(deps: { wallets: WalletService; pubsub: PubSub }, wallet: WalletKey): AsyncIterableIterator<BalanceChange> {
  let live: AsyncIterableIterator<unknown> | undefined;
  let stopped = false;

  async function* run(): AsyncGenerator<BalanceChange> {
    const channel = await deps.pubsub.subscribe('walletBalance', walletChannelKey(wallet));
    live = channel;
    if (stopped) return void (await channel.return?.());
    try {
      const current = await deps.wallets.current(wallet);
      if (!current) return;
      let last = current.version;
      yield current;
      for await (const message of channel) {
        const change = fromBalanceMessage(message);
        if (change.version <= last) continue;
        if (change.version > last + 1n) {
          for (const missed of await deps.wallets.changes(wallet, last + 1n, change.version - 1n)) yield missed;
        }
        last = change.version;
        yield change;
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
