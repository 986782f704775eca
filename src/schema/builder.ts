/** Pothos builder: setup only. Domain files register their types on it. */
import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { Principal } from '../auth/principal.js';
import type { Domain } from '../domain.js';
import type { Loaders } from '../server/loaders.js';
import { clientError, ErrorCode } from './errors.js';

export interface GraphQLContext {
  /** Null when the request carries no credentials; a bad credential never gets this far. */
  principal: Principal | null;
  /** The domain services (src/domain.ts): what resolvers may call. No database, pubsub or config. */
  domain: Domain;
  /** Per-request DataLoaders (server/loaders.ts), made with the context. */
  loaders: Loaders;
}

export interface AuthScopes {
  authenticated: boolean;
  admin: boolean;
  /** A merchant (JWT or API key) or an admin: may read and write merchant-wide data. */
  merchantStaff: boolean;
  /** A person signed in with a JWT (API keys cannot manage credentials). */
  user: boolean;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
  Scalars: {
    BigInt: { Input: bigint; Output: bigint };
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  plugins: [ScopeAuthPlugin, RelayPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    // Subscriptions are authorised when they start, not per message.
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      authenticated: ctx.principal !== null,
      admin: ctx.principal?.role === 'admin',
      merchantStaff: ctx.principal?.role === 'admin' || ctx.principal?.role === 'merchant',
      user: ctx.principal?.kind === 'user',
    }),
    unauthorizedError: (_parent, ctx, _info, result) =>
      ctx.principal === null
        ? clientError(ErrorCode.Unauthenticated, 'authentication required')
        : clientError(ErrorCode.Forbidden, result.message || 'not allowed'),
  },
  relay: {
    cursorType: 'String',
    clientMutationId: 'omit',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
