/**
 * Errors meant for clients: a message and a stable `extensions.code`. Anything else thrown in a
 * resolver is masked by Yoga ("Unexpected error.") and logged with its details.
 */
import { createGraphQLError } from 'graphql-yoga';

export const ErrorCode = {
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  BadUserInput: 'BAD_USER_INPUT',
  NotFound: 'NOT_FOUND',
  BatchTooLarge: 'BATCH_TOO_LARGE',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  MerchantNotFound: 'MERCHANT_NOT_FOUND',
  IllegalTransition: 'ILLEGAL_TRANSITION',
  QueryTooLarge: 'QUERY_TOO_LARGE',
  QueryTooDeep: 'QUERY_TOO_DEEP',
  QueryTooBroad: 'QUERY_TOO_BROAD',
  QueryTooComplex: 'QUERY_TOO_COMPLEX',
  RateLimited: 'RATE_LIMITED',
  SlowConsumer: 'SLOW_CONSUMER',
  TooManySubscriptions: 'TOO_MANY_SUBSCRIPTIONS',
  BatchingNotSupported: 'BATCHING_NOT_SUPPORTED',
  PersistedQueryOnly: 'PERSISTED_QUERY_ONLY',
  PersistedQueryNotFound: 'PERSISTED_QUERY_NOT_FOUND',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode] | (string & {});

const HTTP_STATUS: Partial<Record<string, number>> = { UNAUTHENTICATED: 401, RATE_LIMITED: 429 };

export function clientError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
  const status = HTTP_STATUS[code];
  return createGraphQLError(message, { extensions: { code, ...extensions, ...(status ? { http: { status } } : {}) } });
}
