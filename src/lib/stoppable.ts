/**
 * A live feed built as an async generator reading a pubsub channel: `return()` / `throw()` must
 * end the channel FIRST, so a read waiting for the next message resolves and the generator can
 * finish (an async generator's own return() would wait behind that read forever).
 */
export function stoppable<T>(inner: AsyncGenerator<T>, stop: () => Promise<void>): AsyncIterableIterator<T> {
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

/**
 * A live feed over one pubsub channel: `open` subscribes, then `body` reads the current state and
 * follows the channel. Subscribing comes first, so nothing committed in between is missed;
 * `return()` unsubscribes at once, even while waiting for the next message.
 */
export function liveChannel<T>(open: () => Promise<AsyncIterableIterator<unknown>>, body: (channel: AsyncIterableIterator<unknown>) => AsyncGenerator<T>): AsyncIterableIterator<T> {
  let live: AsyncIterableIterator<unknown> | undefined;
  let stopped = false;
  async function* run(): AsyncGenerator<T> {
    const channel = await open();
    live = channel;
    if (stopped) return void (await channel.return?.());
    try {
      yield* body(channel);
    } finally {
      await channel.return?.();
    }
  }
  return stoppable(run(), async () => {
    stopped = true;
    await live?.return?.();
  });
}
