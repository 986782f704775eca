import { PG_BIGINT_MAX } from '../lib/money.js';
import { clientError, ErrorCode } from './errors.js';

/** Cursors are BIGINT sequence numbers (a PostgreSQL BIGINT) as decimal strings. */
export function parseSeqCursor(cursor: string | null | undefined): bigint | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const seq = /^\d{1,19}$/.test(cursor) ? BigInt(cursor) : undefined;
  if (seq === undefined || seq > PG_BIGINT_MAX) throw clientError(ErrorCode.BadUserInput, 'cursor must be a sequence number from a previous item');
  return seq;
}
