/**
 * At most `size` holders at once; the others wait in arrival order, in memory and without a
 * timeout (a waiter costs a closure, not a connection).
 */
export interface Semaphore {
  acquire(): Promise<void>;
  release(): void;
}

export function createSemaphore(size: number): Semaphore {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    acquire() {
      if (free > 0) {
        free -= 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    release() {
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    },
  };
}
