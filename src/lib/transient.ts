/**
 * Tells a failure that will pass (the database or Redis is unreachable, a connection dropped, a
 * serialization conflict) from one that will not (a bug, a constraint the data breaks). Retrying
 * the first kind never gives up; the second kind is retried a bounded number of times.
 */
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
/** Prisma: cannot reach / timed out / closed connection / pool timeout / transaction expired / write conflict. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2034']);
/** SQLSTATE classes and codes: connection exception, insufficient resources, operator intervention, serialization, deadlock. */
const SQLSTATE = /^(08|53|57P0)|^(40001|40P01)$/;
const MESSAGE =
  /connection (terminated|refused|closed|reset|timeout|error)|could not connect|can't reach|timeout exceeded when trying to connect|terminating connection|server closed the connection|server has closed the connection|socket hang up|Connection is closed|ECONNREFUSED|ECONNRESET|Transaction already closed|Transaction API error|Too many connections|connect ETIMEDOUT/i;

export function isTransient(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; originalCode?: unknown };
    for (const code of [e.code, e.originalCode]) {
      if (typeof code === 'string' && (NODE_CODES.has(code) || PRISMA_CODES.has(code) || SQLSTATE.test(code))) return true;
    }
    if (typeof e.message === 'string' && MESSAGE.test(e.message)) return true;
    if (e.name === 'PrismaClientInitializationError' || e.name === 'PublishError') return true;
    current = e.cause;
  }
  return false;
}
