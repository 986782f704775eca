/**
 * An async iterator fed by pushes. `return()` resolves a pending `next()` at once and runs
 * `onReturn` (e.g. unsubscribe from Redis), so a finished subscription frees its upstream
 * listener even while it is waiting for the next message.
 */
export interface PushQueue<T> {
  push(value: T): void;
  /** Ends the iterator with an error delivered to the consumer. */
  fail(error: Error): void;
  iterator: AsyncIterableIterator<T>;
}

export interface PushQueueOptions {
  /** Called once when the consumer stops (return, error or end). */
  onReturn?: () => void | Promise<void>;
  /**
   * Buffered values beyond which the queue fails with `overflowError` instead of growing.
   * @default 10_000
   */
  maxBuffered?: number;
  overflowError?: () => Error;
}

export function createPushQueue<T>(options: PushQueueOptions = {}): PushQueue<T> {
  const maxBuffered = options.maxBuffered ?? 10_000;
  const buffer: T[] = [];
  const waiting: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void }> = [];
  let failure: Error | undefined;
  let done = false;

  const finish = async () => {
    if (done) return;
    done = true;
    buffer.length = 0;
    for (const w of waiting.splice(0)) w.resolve({ value: undefined, done: true });
    await options.onReturn?.();
  };

  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (failure) {
        const error = failure;
        failure = undefined;
        void finish();
        return Promise.reject(error);
      }
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    async return() {
      await finish();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };

  return {
    push(value) {
      if (done || failure) return;
      const waiter = waiting.shift();
      if (waiter) return waiter.resolve({ value, done: false });
      if (buffer.length >= maxBuffered) {
        this.fail(options.overflowError?.() ?? new Error('subscription buffer overflow'));
        return;
      }
      buffer.push(value);
    },
    fail(error) {
      if (done) return;
      const waiter = waiting.shift();
      if (waiter) {
        waiter.reject(error);
        void finish();
      } else {
        // What was buffered is dropped with the failure: the consumer resumes from its cursor.
        buffer.length = 0;
        failure = error;
      }
    },
    iterator,
  };
}
