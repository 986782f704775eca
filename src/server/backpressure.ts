/**
 * Guards one WebSocket subscription's stream:
 * - Backpressure: graphql-ws waits for each message to be written before it asks for the next,
 *   so a client that stops reading stalls its stream. Live messages then wait in the pubsub
 *   queue, which is bounded (SUBSCRIPTION_QUEUE_SIZE) and fails with SLOW_CONSUMER when full,
 *   dropping what it held; the socket's unsent bytes are checked before every message too. Either
 *   way the subscription ends with SLOW_CONSUMER and the cursor of the last message handed to
 *   the socket, so the client resubscribes with `after` and loses nothing, and memory per
 *   subscription stays bounded whatever the client does. Replays from the database are pulled
 *   page by page, so a fast client catching up is never mistaken for a slow one.
 * - Errors: an error raised while streaming becomes one `next` with `errors` for this
 *   subscription only (client errors keep their code; anything else is masked and logged), then
 *   `complete`. The socket and its other subscriptions carry on.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { ErrorCode } from '../schema/errors.js';
import { asUnavailable } from './unavailable.js';

export interface GuardOptions {
  socket: Pick<WebSocket, 'bufferedAmount'>;
  /** Unsent bytes on the socket above which the subscriber is too slow. */
  maxBufferedBytes: number;
  metrics: Metrics;
  logger: Logger;
  /** Called once when the stream starts, and once when it ends however it ends. */
  onStart?: () => void;
  onEnd?: () => void;
}

type Result = ExecutionResult;

/** The resume point of a message: `cursor` of the root field (event feeds) or its `version` (balances, orders). */
export function resumePointOf(result: Result): string | undefined {
  let root: unknown;
  // The first root field, without an array of them per delivered message.
  for (const key in result.data) {
    root = result.data[key];
    break;
  }
  if (!root || typeof root !== 'object') return undefined;
  const { cursor, version } = root as { cursor?: unknown; version?: unknown };
  if (typeof cursor === 'string') return cursor;
  if (typeof version === 'string' || typeof version === 'number') return String(version);
  return undefined;
}

export function slowConsumerError(after: string | undefined) {
  return new GraphQLError('subscriber too slow: the subscription was ended; subscribe again with `after` set to the last cursor you processed', {
    extensions: { code: ErrorCode.SlowConsumer, ...(after === undefined ? {} : { after }) },
  });
}

function clientVisible(error: unknown, logger: Logger): GraphQLError {
  if (error instanceof GraphQLError && typeof error.extensions?.code === 'string' && error.extensions.code !== ErrorCode.InternalServerError) return error;
  const unavailable = asUnavailable(error);
  if (unavailable) return unavailable;
  logger.error({ err: error }, 'subscription stream failed');
  return new GraphQLError('Unexpected error.', { extensions: { code: ErrorCode.InternalServerError } });
}

export function guardSubscription(source: AsyncIterable<Result>, options: GuardOptions): AsyncIterableIterator<Result> {
  const upstream = source[Symbol.asyncIterator]();
  let lastSent: string | undefined;
  let finished = false;
  let ended = false;
  options.onStart?.();
  const markEnded = () => {
    if (ended) return;
    ended = true;
    options.onEnd?.();
  };

  const finish = (final: Result): IteratorResult<Result> => {
    finished = true;
    markEnded();
    void upstream.return?.().catch(() => {});
    return { value: final, done: false };
  };

  const onStep = (step: IteratorResult<Result>): IteratorResult<Result> => {
    if (step.done) {
      finished = true;
      markEnded();
      return step;
    }
    // Over HTTP, Yoga turns the queue's overflow error, thrown by the stream, into a result: it gets
    // the cursor here as it would when thrown.
    if (!step.value.data && step.value.errors?.some((e) => e.extensions?.code === ErrorCode.SlowConsumer)) {
      return finish({ errors: [slowConsumerError(lastSent)] });
    }
    lastSent = resumePointOf(step.value) ?? lastSent;
    return step;
  };
  const onError = (error: unknown): IteratorResult<Result> => {
    // The pubsub queue overflowed (counted there, when it happened).
    if (error instanceof GraphQLError && error.extensions?.code === ErrorCode.SlowConsumer) {
      return finish({ errors: [slowConsumerError(lastSent)] });
    }
    return finish({ errors: [clientVisible(error, options.logger)] });
  };

  return {
    // Not an async function: one promise per delivered message (the upstream's, then-ed), not three.
    next() {
      if (finished) {
        markEnded();
        return Promise.resolve({ value: undefined, done: true });
      }
      if (options.socket.bufferedAmount > options.maxBufferedBytes) {
        options.metrics.refuse(ErrorCode.SlowConsumer);
        return Promise.resolve(finish({ errors: [slowConsumerError(lastSent)] }));
      }
      let pulled: Promise<IteratorResult<Result>>;
      try {
        // Promise.resolve returns a native promise as it is.
        pulled = Promise.resolve(upstream.next());
      } catch (error) {
        return Promise.resolve(onError(error));
      }
      return pulled.then(onStep, onError);
    },
    async return() {
      finished = true;
      markEnded();
      await upstream.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
