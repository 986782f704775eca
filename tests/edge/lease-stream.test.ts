/**
 * A subscription's stream as the edge hands it to a transport (`edge.guard` with a lease): the
 * lease's end answers a pull that is waiting on an idle upstream, at once, with one last payload
 * carrying the end code and no `data`, then `done`, and the upstream is returned; pulls in flight
 * each get their own result, in order; an upstream that fails after the end does not replace the
 * end's payload; `return()` answers a waiting pull. No clock: every step is awaited.
 */
import type { ExecutionResult } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import type { Edge } from '../../src/edge/policy.js';
import { EdgeEndCode } from '../../src/edge/types.js';
import { startTestEdge } from '../support/edge.js';

const user: Principal = { kind: 'user', subject: 'u-stream', role: 'merchant', merchantId: 'm_1', expiresAt: null };

/** An upstream the test drives: each pull waits for `push`, `fail` or `end`; `returned` counts `return()`. */
function upstream() {
  const waiting: { resolve: (r: IteratorResult<ExecutionResult>) => void; reject: (e: unknown) => void }[] = [];
  const source = {
    returned: 0,
    pulls: 0,
    push(value: ExecutionResult) {
      waiting.shift()!.resolve({ value, done: false });
    },
    fail(error: unknown) {
      waiting.shift()!.reject(error);
    },
    next(): Promise<IteratorResult<ExecutionResult>> {
      source.pulls += 1;
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    async return(): Promise<IteratorResult<ExecutionResult>> {
      source.returned += 1;
      for (const w of waiting.splice(0)) w.resolve({ value: undefined, done: true });
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return source;
    },
  };
  return source;
}

const event = (n: number): ExecutionResult => ({ data: { paymentEvents: { cursor: `c${n}` } } });
/** The error codes of a stream's payload. */
const codesOf = (step: IteratorResult<ExecutionResult>) => (step.value as ExecutionResult).errors?.map((err) => err.extensions?.code);

describe('a leased subscription stream', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((s) => s()));
  });

  async function edge(): Promise<Edge> {
    const started = await startTestEdge();
    stops.push(started.stop);
    return started.edge;
  }

  /** A lease on a fresh edge, the upstream the test drives, and the stream the transport would read. */
  async function leasedStream(transport: 'ws' | 'sse' | 'multipart') {
    const e = await edge();
    const lease = (await e.open(user, transport))!;
    const source = upstream();
    return { lease, source, stream: e.guard(source, { transport, bufferedAmount: () => 0, lease }) };
  }

  it('answers a pull waiting on an idle upstream with the end code, then done, and returns the upstream', async () => {
    const { lease, source, stream } = await leasedStream('sse');
    const first = stream.next();
    source.push(event(1));
    expect(await first).toEqual({ value: event(1), done: false });

    const waiting = stream.next();
    lease.end(EdgeEndCode.SessionsRevoked);
    const last = await waiting;
    expect(last.done).toBe(false);
    expect((last.value as ExecutionResult).data).toBeUndefined();
    expect(codesOf(last)).toEqual([EdgeEndCode.SessionsRevoked]);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(source.returned).toBeGreaterThanOrEqual(1);
  });

  it('gives pulls in flight their own results, in order', async () => {
    const { source, stream } = await leasedStream('ws');
    const [a, b] = [stream.next(), stream.next()];
    source.push(event(1));
    source.push(event(2));
    expect(await Promise.all([a, b])).toEqual([
      { value: event(1), done: false },
      { value: event(2), done: false },
    ]);
  });

  it('keeps the end as the last payload when the upstream fails after it', async () => {
    const { lease, source, stream } = await leasedStream('multipart');
    // An upstream whose return() does not settle the pull it holds: it fails later instead.
    source.return = async () => {
      source.returned += 1;
      return { value: undefined, done: true };
    };
    const waiting = stream.next();
    lease.end(EdgeEndCode.ApiKeyRevoked);
    source.fail(new Error('upstream went away'));
    const last = await waiting;
    expect(codesOf(last)).toEqual([EdgeEndCode.ApiKeyRevoked]);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('answers a waiting pull with done when the transport returns the stream', async () => {
    const { lease, source, stream } = await leasedStream('ws');
    const waiting = stream.next();
    await stream.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(source.returned).toBe(1);
    // The lease ending later changes nothing for this stream.
    lease.end(EdgeEndCode.TokenExpired);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
