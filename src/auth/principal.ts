import { ErrorCode } from '../lib/error-codes.js';

export const ROLES = ['customer', 'vendor', 'merchant', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: a user with a JWT, or a merchant back end with an API key. */
export interface Principal {
  kind: 'user' | 'apiKey';
  /** JWT `sub`, or the API key id. */
  subject: string;
  role: Role;
  /** The tenant this principal belongs to; null for admins (and customers without one). */
  merchantId: string | null;
  /** Token expiry in epoch milliseconds, when there is one. */
  expiresAt: number | null;
  /** JWT `iat` in epoch milliseconds (compared with the user's not-before, auth/not-before.ts); null for API keys. */
  issuedAt?: number | null;
}

/** Auth failures that clients see, each with a stable code. */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    readonly code: typeof ErrorCode.Unauthenticated | typeof ErrorCode.Forbidden,
    message: string,
  ) {
    super(message);
  }
}

/** How a principal is recorded as the actor of a change: a user's `sub`, or `apiKey:<id>`. Events record `event:<eventId>`. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'apiKey' ? `apiKey:${principal.subject}` : principal.subject;
}
