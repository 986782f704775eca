/**
 * One timer for many deadlines: entries are kept in buckets of `resolutionMs` and a single
 * interval (running only while something is scheduled) fires each bucket once it is due. For
 * deadlines counted by the thousand — every session's token expiry — where a `setTimeout` each
 * would cost a timer object and a heap entry per session, and a deadline a few hundred
 * milliseconds late does no harm (JWT `exp` has second precision).
 *
 * Guarantee: a callback runs once, no earlier than its deadline and at most `resolutionMs` (plus
 * event-loop delay) after it, unless cancelled first. A callback that throws does not stop the others.
 */
export interface TimerWheel {
  /** Runs `callback` at `at` (epoch ms, by the wheel's clock); returns its cancel. */
  schedule(at: number, callback: () => void): () => void;
  /** Scheduled and not yet fired or cancelled. */
  size(): number;
  /** Cancels everything. */
  stop(): void;
}

export interface TimerWheelOptions {
  /** @default 250 */
  resolutionMs?: number;
  /** @default Date.now */
  now?: () => number;
  /** Called with what a callback threw. @default ignored */
  onError?: (error: unknown) => void;
}

export function createTimerWheel(options: TimerWheelOptions = {}): TimerWheel {
  const resolution = options.resolutionMs ?? 250;
  const now = options.now ?? Date.now;
  // bucket number → callbacks; a deadline goes to the first bucket that starts at or after it.
  const buckets = new Map<number, Set<() => void>>();
  let size = 0;
  let interval: NodeJS.Timeout | undefined;
  // Buckets up to this one have fired.
  let fired = Math.floor(now() / resolution);

  const tick = () => {
    const current = Math.floor(now() / resolution);
    // Sparse: with few buckets scheduled, look them up instead of walking every elapsed bucket.
    const due = current - fired > buckets.size ? [...buckets.keys()].filter((b) => b <= current).sort((x, y) => x - y) : range(fired + 1, current);
    fired = Math.max(fired, current);
    for (const b of due) {
      const callbacks = buckets.get(b);
      if (!callbacks) continue;
      buckets.delete(b);
      size -= callbacks.size;
      for (const callback of callbacks) {
        try {
          callback();
        } catch (error) {
          options.onError?.(error);
        }
      }
    }
    if (size === 0 && interval) {
      clearInterval(interval);
      interval = undefined;
    }
  };

  return {
    schedule(at, callback) {
      const bucket = Math.max(Math.ceil(at / resolution), fired + 1);
      let callbacks = buckets.get(bucket);
      if (!callbacks) buckets.set(bucket, (callbacks = new Set()));
      // The same function may be scheduled twice: each schedule is its own entry.
      const entry = () => callback();
      callbacks.add(entry);
      size += 1;
      if (!interval) {
        fired = Math.max(fired, Math.floor(now() / resolution));
        interval = setInterval(tick, resolution);
        interval.unref();
      }
      return () => {
        const set = buckets.get(bucket);
        if (!set?.delete(entry)) return;
        size -= 1;
        if (set.size === 0) buckets.delete(bucket);
      };
    },
    size: () => size,
    stop() {
      buckets.clear();
      size = 0;
      clearInterval(interval);
      interval = undefined;
    },
  };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let b = from; b <= to; b++) out.push(b);
  return out;
}
