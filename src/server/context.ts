/**
 * One context factory for HTTP and WebSocket (Yoga's graphql-ws pattern): HTTP requests are
 * authenticated from their headers here; WebSocket operations carry the principal established
 * once at `connection_init`.
 */
import type { YogaInitialContext } from 'graphql-yoga';
import type { ApiKeyService } from '../auth/api-keys.js';
import type { TokenVerifier } from '../auth/jwt.js';
import { issuedBeforeRevocation, type NotBeforeStore } from '../auth/not-before.js';
import { AuthError, type Principal } from '../auth/principal.js';
import type { GraphQLContext } from '../schema/builder.js';
import { clientError } from '../schema/errors.js';
import type { Domain } from '../domain.js';
import { createLoaders } from './loaders.js';
import { ErrorCode } from '../lib/error-codes.js';

/** Set by the WebSocket adapter so the context factory does not look for HTTP headers. */
export interface SocketInitialContext {
  socketPrincipal: Principal;
}

export interface Credentials {
  authorization?: string | null | undefined;
  apiKey?: string | null | undefined;
}

/** What checking a credential needs: every adapter that authenticates takes these as `auth`. */
export interface AuthDeps {
  tokens: TokenVerifier;
  apiKeys: Pick<ApiKeyService, 'verify'>;
  notBefore: NotBeforeStore;
}

/** Resolves credentials to a principal: null when there are none, AuthError when they are bad. */
export async function authenticate(auth: AuthDeps, credentials: Credentials): Promise<Principal | null> {
  const { authorization, apiKey } = credentials;
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match?.[1]) throw new AuthError(ErrorCode.Unauthenticated, 'Authorization must be "Bearer <token>"');
    const principal = await auth.tokens.verify(match[1]);
    // After revokeSessions(user) the tokens issued before it are refused until they expire.
    if (await issuedBeforeRevocation(auth.notBefore, principal)) throw new AuthError(ErrorCode.Unauthenticated, 'sessions revoked: sign in again');
    return principal;
  }
  if (apiKey) return auth.apiKeys.verify(apiKey.trim());
  return null;
}

/** Authenticates each HTTP request once, for every part that needs to know its caller. */
export interface CallerResolver {
  /** The request's principal (null: no credentials); rejects with AuthError for bad ones. Shared by later calls. */
  resolve(request: Request): Promise<Principal | null>;
  /** The settled principal, or null when anonymous, refused or not resolved yet. */
  known(request: Request): Principal | null;
}

export function createCallerResolver(auth: AuthDeps): CallerResolver {
  const pending = new WeakMap<Request, Promise<Principal | null>>();
  const settled = new WeakMap<Request, Principal | null>();
  return {
    resolve(request) {
      let result = pending.get(request);
      if (!result) {
        result = authenticate(auth, { authorization: request.headers.get('authorization'), apiKey: request.headers.get('x-api-key') });
        result.then((p) => settled.set(request, p), () => settled.set(request, null));
        pending.set(request, result);
      }
      return result;
    },
    known: (request) => settled.get(request) ?? null,
  };
}

/** The context of every operation: its principal, the domain services, fresh loaders; nothing else. */
export function createContextFactory(domain: Domain, callers: CallerResolver) {
  return async (initial: YogaInitialContext & Partial<SocketInitialContext>): Promise<GraphQLContext> => {
    if (initial.socketPrincipal) return { principal: initial.socketPrincipal, domain, loaders: createLoaders(domain) };
    try {
      const principal = await callers.resolve(initial.request);
      return { principal, domain, loaders: createLoaders(domain) };
    } catch (error) {
      if (error instanceof AuthError) throw clientError(error.code, error.message);
      throw error;
    }
  };
}
