/** One timer for many deadlines: never early, at most one resolution late, cancellable, one interval only while needed. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTimerWheel } from '../../src/lib/timer-wheel.js';

describe('timer wheel', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('fires each deadline no earlier than it and within one resolution after it, from one interval', () => {
    const wheel = createTimerWheel({ resolutionMs: 100 });
    const start = Date.now();
    const fired = new Map<number, number>();
    const deadlines = Array.from({ length: 1_000 }, (_, i) => start + 1 + i * 7);
    for (const at of deadlines) wheel.schedule(at, () => void fired.set(at, Date.now()));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(7 * 1_000 + 200);
    expect(fired.size).toBe(1_000);
    for (const [at, when] of fired) {
      expect(when).toBeGreaterThanOrEqual(at);
      expect(when - at).toBeLessThanOrEqual(100);
    }
    // Nothing left: the interval is gone.
    expect(wheel.size()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not fire a cancelled deadline; a deadline already past fires on the next tick', () => {
    const wheel = createTimerWheel({ resolutionMs: 100 });
    const calls: string[] = [];
    const cancel = wheel.schedule(Date.now() + 150, () => void calls.push('cancelled'));
    wheel.schedule(Date.now() - 5_000, () => void calls.push('past'));
    cancel();
    expect(wheel.size()).toBe(1);
    vi.advanceTimersByTime(100);
    expect(calls).toEqual(['past']);
    vi.advanceTimersByTime(1_000);
    expect(calls).toEqual(['past']);
  });

  it('keeps firing the others when a callback throws, and reports it', () => {
    const errors: unknown[] = [];
    const wheel = createTimerWheel({ resolutionMs: 100, onError: (e) => void errors.push(e) });
    const calls: number[] = [];
    wheel.schedule(Date.now() + 50, () => {
      throw new Error('boom');
    });
    wheel.schedule(Date.now() + 50, () => void calls.push(1));
    vi.advanceTimersByTime(200);
    expect(calls).toEqual([1]);
    expect(errors).toHaveLength(1);
  });

  it('handles a long gap between ticks (a blocked event loop) without losing deadlines', () => {
    const wheel = createTimerWheel({ resolutionMs: 100 });
    const calls: number[] = [];
    wheel.schedule(Date.now() + 10 * 3600_000, () => void calls.push(1));
    vi.setSystemTime(Date.now() + 20 * 3600_000);
    vi.advanceTimersByTime(100);
    expect(calls).toEqual([1]);
  });
});
