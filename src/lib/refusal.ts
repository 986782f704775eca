/**
 * What a domain rule answers when a request breaks it: the catalogue code and the message the
 * client sees. Domain modules return these (they know nothing of GraphQL); the schema turns one
 * into a client error with `orThrow` (src/schema/errors.ts).
 */
import type { ErrorCode } from './error-codes.js';

export interface Refusal {
  code: ErrorCode;
  message: string;
  /** More `extensions` for the client (`max`, `from`/`to`, …). */
  extensions?: Record<string, unknown>;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export const accept = <T>(value: T): Checked<T> => ({ ok: true, value });
export const refuse = <T = never>(code: ErrorCode, message: string, extensions?: Record<string, unknown>): Checked<T> => ({
  ok: false,
  refusal: extensions ? { code, message, extensions } : { code, message },
});
