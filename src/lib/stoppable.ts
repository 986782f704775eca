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
