/**
 * A request that failed because the pubsub backend (Redis) is unreachable right now is the
 * service's state, not a bug: clients get SERVICE_UNAVAILABLE with `retryable: true` (on HTTP,
 * SSE and WebSocket alike) instead of a masked INTERNAL_SERVER_ERROR.
 */
import type { GraphQLError } from 'graphql';
import { PubSubUnavailableError } from '../pubsub/index.js';
import { clientError } from '../schema/errors.js';
import { ErrorCode } from '../lib/error-codes.js';

/** The client error for `error` when something in its cause chain is a PubSubUnavailableError. */
export function asUnavailable(error: unknown): GraphQLError | undefined {
  const seen: unknown[] = [];
  for (let e = error; e && typeof e === 'object' && !seen.includes(e); e = (e as { originalError?: unknown }).originalError ?? (e as { cause?: unknown }).cause) {
    seen.push(e);
    if (e instanceof PubSubUnavailableError) {
      return clientError(ErrorCode.ServiceUnavailable, 'live updates are unavailable for a moment (the pubsub backend is unreachable); retry', { retryable: true });
    }
  }
  return undefined;
}
