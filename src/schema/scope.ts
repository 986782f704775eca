import type { GraphQLContext } from './builder.js';
import { clientError, ErrorCode } from './errors.js';

/**
 * The merchant a request may act on. Admins must name one; everyone else gets their own, and
 * naming another merchant is FORBIDDEN (a filter can never widen scope).
 */
export function merchantScope(ctx: GraphQLContext, requested?: string | null): string {
  const principal = ctx.principal;
  if (!principal) throw clientError(ErrorCode.Unauthenticated, 'authentication required');
  if (principal.role === 'admin') {
    if (!requested) throw clientError(ErrorCode.BadUserInput, 'merchantId is required for admins');
    return requested;
  }
  if (!principal.merchantId) throw clientError(ErrorCode.Forbidden, 'this identity belongs to no merchant');
  if (requested && requested !== principal.merchantId) {
    throw clientError(ErrorCode.Forbidden, "cannot access another merchant's data");
  }
  return principal.merchantId;
}
