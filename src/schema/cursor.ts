import { PG_BIGINT_MAX } from '../lib/money.js';
import { clientError, ErrorCode } from './errors.js';

/** Cursors are BIGINT sequence numbers (a PostgreSQL BIGINT) as decimal strings. */
export function parseSeqCursor(cursor: string | null | undefined): bigint | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const seq = /^\d{1,19}$/.test(cursor) ? BigInt(cursor) : undefined;
  if (seq === undefined || seq > PG_BIGINT_MAX) throw clientError(ErrorCode.BadUserInput, 'cursor must be a sequence number from a previous item');
  return seq;
}

/** Forward paging only: the page size from `first` (default 50, at most 500). */
export function forwardPageSize(args: { first?: number | null; last?: number | null; before?: string | null }): number {
  if (args.last != null || args.before != null) throw clientError(ErrorCode.BadUserInput, 'use first/after to page');
  const first = args.first ?? 50;
  if (first < 1 || first > 500) throw clientError(ErrorCode.BadUserInput, 'first must be between 1 and 500');
  return first;
}

/** A Relay connection result from one page of nodes. */
export function connectionOf<T>(nodes: readonly T[], cursorOf: (node: T) => string, hasNextPage: boolean, after: string | null | undefined) {
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: { hasNextPage, hasPreviousPage: after != null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
