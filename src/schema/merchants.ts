import { MerchantInputError, type Merchant } from '../merchants/service.js';
import { ROLES } from '../auth/principal.js';
import { builder } from './builder.js';
import { clientError, ErrorCode } from './errors.js';
import { merchantScope } from './scope.js';

export const MerchantRef = builder.objectRef<Merchant>('Merchant').implement({
  description: 'A tenant. Every payment event, key and aggregate belongs to one.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    timezone: t.exposeString('timezone', { description: 'IANA time zone; daily figures are bucketed in it.' }),
    defaultCurrency: t.exposeString('defaultCurrency'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const RoleEnum = builder.enumType('Role', {
  values: Object.fromEntries(ROLES.map((r) => [r.toUpperCase(), { value: r }])) as Record<string, { value: (typeof ROLES)[number] }>,
});

const Viewer = builder.objectRef<NonNullable<import('../auth/principal.js').Principal>>('Viewer').implement({
  description: 'The caller, as the server sees it.',
  fields: (t) => ({
    subject: t.exposeString('subject', { description: 'JWT subject, or the API key id.' }),
    kind: t.string({ resolve: (p) => (p.kind === 'user' ? 'USER' : 'API_KEY') }),
    role: t.field({ type: RoleEnum, resolve: (p) => p.role }),
    merchantId: t.exposeString('merchantId', { nullable: true }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => (p.expiresAt === null ? null : new Date(p.expiresAt)) }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: Viewer,
    authScopes: { authenticated: true },
    resolve: (_root, _args, ctx) => ctx.principal!,
  }),
  merchant: t.field({
    type: MerchantRef,
    description: "The caller's merchant; an admin names one.",
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const id = merchantScope(ctx, args.id?.toString());
      const merchant = await ctx.domain.merchants.get(id);
      if (!merchant) throw clientError(ErrorCode.NotFound, `merchant ${id} does not exist`);
      return merchant;
    },
  }),
}));

builder.mutationFields((t) => ({
  createMerchant: t.field({
    type: MerchantRef,
    description: 'Admin: register a tenant.',
    authScopes: { admin: true },
    args: {
      id: t.arg.id({ required: false, description: 'Defaults to a generated m_… id.' }),
      name: t.arg.string(),
      timezone: t.arg.string({ required: false, description: 'IANA zone. @default UTC' }),
      defaultCurrency: t.arg.string({ required: false, description: '@default KES' }),
    },
    resolve: async (_root, args, ctx) => {
      try {
        return await ctx.domain.merchants.create({ ...args, id: args.id?.toString() });
      } catch (error) {
        if (error instanceof MerchantInputError) throw clientError(ErrorCode.BadUserInput, error.message, { field: error.field });
        throw error;
      }
    },
  }),
}));
