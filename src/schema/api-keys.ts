import type { ApiKey } from '../auth/api-keys.js';
import { actorOf } from '../auth/principal.js';
import { builder } from './builder.js';
import { clientError, ErrorCode } from './errors.js';
import { merchantScope } from './scope.js';

const ApiKeyRef = builder.objectRef<ApiKey>('ApiKey').implement({
  description: 'A server-to-server credential (`x-api-key`). The secret is shown once, at creation.',
  fields: (t) => ({
    id: t.exposeID('id'),
    merchantId: t.exposeString('merchantId'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'Public part of the key, to recognise it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
  }),
});

const CreatedApiKey = builder.objectRef<{ apiKey: ApiKey; secret: string }>('CreatedApiKey').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, resolve: (c) => c.apiKey }),
    secret: t.exposeString('secret', { description: 'The full key. Store it now: only its SHA-256 is kept.' }),
  }),
});

builder.queryFields((t) => ({
  apiKeys: t.field({
    type: [ApiKeyRef],
    authScopes: { $all: { merchantStaff: true, user: true } },
    args: { merchantId: t.arg.id({ required: false }) },
    resolve: (_root, args, ctx) => ctx.domain.apiKeys.list(merchantScope(ctx, args.merchantId?.toString())),
  }),
}));

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKey,
    description: 'Merchants (signed in with a JWT) and admins only: an API key cannot mint keys.',
    authScopes: { $all: { merchantStaff: true, user: true } },
    args: {
      name: t.arg.string(),
      expiresAt: t.arg({ type: 'DateTime', required: false }),
      merchantId: t.arg.id({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const merchantId = merchantScope(ctx, args.merchantId?.toString());
      const name = args.name.trim();
      if (name.length === 0 || name.length > 100) throw clientError(ErrorCode.BadUserInput, 'name must be 1-100 characters');
      if (args.expiresAt && args.expiresAt.getTime() <= Date.now()) throw clientError(ErrorCode.BadUserInput, 'expiresAt must be in the future');
      if (!(await ctx.domain.merchants.get(merchantId))) throw clientError(ErrorCode.MerchantNotFound, `merchant ${merchantId} does not exist`);
      return ctx.domain.apiKeys.create({ merchantId, name, expiresAt: args.expiresAt, actor: actorOf(ctx.principal!) });
    },
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    authScopes: { $all: { merchantStaff: true, user: true } },
    args: { id: t.arg.id() },
    resolve: async (_root, args, ctx) => {
      const principal = ctx.principal!;
      const revoked = await ctx.domain.apiKeys.revoke({ id: args.id.toString(), merchantId: principal.role === 'admin' ? null : principal.merchantId, actor: actorOf(principal) });
      if (!revoked) throw clientError(ErrorCode.NotFound, 'no such API key');
      await ctx.domain.sessions.endApiKeySessions(revoked.id);
      return revoked;
    },
  }),
}));
