/**
 * The vocabulary of the edge (src/edge): the transports every subscription arrives over, and the
 * reasons the edge ends an open connection or stream. One code per reason on every transport:
 * graphql-ws closes the socket with 4403 and the code as close reason; SSE (both graphql-sse
 * modes) and multipart deliver a last GraphQL error whose `extensions.code` is the code, then end.
 */
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../lib/error-codes.js';

export const TRANSPORTS = ['ws', 'sse', 'multipart'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export const EdgeEndCode = {
  /** The token's `exp` passed while the stream was open. */
  TokenExpired: ErrorCode.TokenExpired,
  /** `revokeApiKey` (on any instance), or the key found revoked or expired on a later operation. */
  ApiKeyRevoked: ErrorCode.ApiKeyRevoked,
  /** `revokeSessions(userId)` (on any instance), or a token issued before the user's not-before. */
  SessionsRevoked: ErrorCode.SessionsRevoked,
} as const;
export type EdgeEndCode = (typeof EdgeEndCode)[keyof typeof EdgeEndCode];

const MESSAGES: Record<EdgeEndCode, string> = {
  [ErrorCode.TokenExpired]: 'token expired',
  [ErrorCode.ApiKeyRevoked]: 'API key revoked',
  [ErrorCode.SessionsRevoked]: 'sessions revoked: sign in again',
};

/** The last payload of an SSE or multipart stream the edge ends (no `data`: a fatal end). */
export function endedError(code: EdgeEndCode): GraphQLError {
  return new GraphQLError(MESSAGES[code], { extensions: { code } });
}

/** Code used when the edge refuses a stream over MAX_SOCKETS_PER_CREDENTIAL (graphql-ws closes 4430 instead). */
export const TOO_MANY_STREAMS = ErrorCode.TooManyStreams;

/** Something the edge can end: a graphql-ws socket, one HTTP stream, one graphql-sse reservation. */
export interface EdgeSession {
  end(code: EdgeEndCode): void;
}
