/**
 * Errors meant for clients: a message and a stable `extensions.code`. Anything else thrown in a
 * resolver is masked ("Unexpected error.", src/server/plugins/error-masking.ts) and logged with its details.
 */
import { createGraphQLError } from 'graphql-yoga';

import { ErrorCode } from '../lib/error-codes.js';
import type { Checked } from '../lib/refusal.js';

export { ErrorCode };

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { [ErrorCode.Unauthenticated]: 401, [ErrorCode.RateLimited]: 429 };

export function clientError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
  const status = HTTP_STATUS[code];
  return createGraphQLError(message, { extensions: { code, ...extensions, ...(status ? { http: { status } } : {}) } });
}

/** The value of a domain rule's answer, or its refusal thrown as a client error. */
export function orThrow<T>(checked: Checked<T>): T {
  if (checked.ok) return checked.value;
  throw clientError(checked.refusal.code, checked.refusal.message, checked.refusal.extensions);
}
