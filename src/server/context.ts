/**
 * One context factory for HTTP and WebSocket (Yoga's graphql-ws pattern): HTTP requests are
 * authenticated from their headers here; WebSocket operations carry the principal established
 * once at `connection_init`.
 */
import type { YogaInitialContext } from 'graphql-yoga';
import { issuedBeforeRevocation } from '../auth/not-before.js';
import { AuthError, type Principal } from '../auth/principal.js';
import type { GraphQLContext } from '../schema/builder.js';
import { clientError } from '../schema/errors.js';
import type { Services } from '../services.js';
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

type AuthServices = Pick<Services, 'tokens' | 'apiKeys' | 'notBefore'>;

/** Resolves credentials to a principal: null when there are none, AuthError when they are bad. */
export async function authenticate(services: AuthServices, credentials: Credentials): Promise<Principal | null> {
  const { authorization, apiKey } = credentials;
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match?.[1]) throw new AuthError(ErrorCode.Unauthenticated, 'Authorization must be "Bearer <token>"');
    const principal = await services.tokens.verify(match[1]);
    // After revokeSessions(user) the tokens issued before it are refused until they expire.
    if (await issuedBeforeRevocation(services.notBefore, principal)) throw new AuthError(ErrorCode.Unauthenticated, 'sessions revoked: sign in again');
    return principal;
  }
  if (apiKey) return services.apiKeys.verify(apiKey.trim());
  return null;
}

/** Authenticates each HTTP request once, for every part that needs to know its caller. */
export interface CallerResolver {
  /** The request's principal (null: no credentials); rejects with AuthError for bad ones. Shared by later calls. */
  resolve(request: Request): Promise<Principal | null>;
  /** The settled principal, or null when anonymous, refused or not resolved yet. */
  known(request: Request): Principal | null;
}

export function createCallerResolver(services: AuthServices): CallerResolver {
  const pending = new WeakMap<Request, Promise<Principal | null>>();
  const settled = new WeakMap<Request, Principal | null>();
  return {
    resolve(request) {
      let result = pending.get(request);
      if (!result) {
        result = authenticate(services, { authorization: request.headers.get('authorization'), apiKey: request.headers.get('x-api-key') });
        result.then((p) => settled.set(request, p), () => settled.set(request, null));
        pending.set(request, result);
      }
      return result;
    },
    known: (request) => settled.get(request) ?? null,
  };
}

export function createContextFactory(services: Services, callers: CallerResolver = createCallerResolver(services)) {
  return async (initial: YogaInitialContext & Partial<SocketInitialContext>): Promise<GraphQLContext> => {
    if (initial.socketPrincipal) return { principal: initial.socketPrincipal, services, loaders: createLoaders(services) };
    try {
      const principal = await callers.resolve(initial.request);
      return { principal, services, loaders: createLoaders(services) };
    } catch (error) {
      if (error instanceof AuthError) throw clientError(error.code, error.message);
      throw error;
    }
  };
}
