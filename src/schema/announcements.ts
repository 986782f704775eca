/**
 * `broadcastAnnouncement` (admins) and the live `announcements` feed (anyone signed in, who
 * receives exactly what is addressed to them: everyone, their role, or their merchant).
 */
import { ANNOUNCEMENT_SEVERITIES, type Announcement, type Audience } from '../announcements/service.js';
import { builder } from './builder.js';
import { clientError, ErrorCode } from './errors.js';
import { RoleEnum } from './merchants.js';

const MAX_TITLE = 200;
const MAX_BODY = 4000;

const AudienceKindEnum = builder.enumType('AnnouncementAudience', {
  description: 'EVERYONE; ROLE (with `role`); MERCHANT (with `merchantId`: its vendors, merchants, API keys and customers whose token names it).',
  values: ['EVERYONE', 'ROLE', 'MERCHANT'] as const,
});
const SeverityEnum = builder.enumType('AnnouncementSeverity', { values: ANNOUNCEMENT_SEVERITIES });

const AnnouncementRef = builder.objectRef<Announcement>('Announcement').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    audience: t.field({ type: AudienceKindEnum, resolve: (a) => (a.audience.kind === 'everyone' ? 'EVERYONE' : a.audience.kind === 'role' ? 'ROLE' : 'MERCHANT') }),
    role: t.field({ type: RoleEnum, nullable: true, resolve: (a) => (a.audience.kind === 'role' ? a.audience.role : null) }),
    merchantId: t.id({ nullable: true, resolve: (a) => (a.audience.kind === 'merchant' ? a.audience.merchantId : null) }),
    severity: t.field({ type: SeverityEnum, resolve: (a) => a.severity }),
    title: t.exposeString('title'),
    body: t.exposeString('body'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('broadcastAnnouncement', (t) =>
  t.field({
    type: AnnouncementRef,
    description: 'Admins: store an announcement and send it live to its audience on every instance.',
    authScopes: { admin: true },
    args: {
      audience: t.arg({ type: AudienceKindEnum, required: true }),
      role: t.arg({ type: RoleEnum, required: false }),
      merchantId: t.arg.id({ required: false }),
      severity: t.arg({ type: SeverityEnum, required: false, defaultValue: 'INFO' }),
      title: t.arg.string({ required: true }),
      body: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const title = args.title.trim();
      const body = args.body.trim();
      if (title === '' || title.length > MAX_TITLE) throw clientError(ErrorCode.BadUserInput, `title must be 1-${MAX_TITLE} characters`, { field: 'title' });
      if (body === '' || body.length > MAX_BODY) throw clientError(ErrorCode.BadUserInput, `body must be 1-${MAX_BODY} characters`, { field: 'body' });
      let audience: Audience;
      if (args.audience === 'EVERYONE') {
        if (args.role || args.merchantId) throw clientError(ErrorCode.BadUserInput, 'EVERYONE takes neither role nor merchantId');
        audience = { kind: 'everyone' };
      } else if (args.audience === 'ROLE') {
        if (!args.role || args.merchantId) throw clientError(ErrorCode.BadUserInput, 'ROLE needs role (and no merchantId)', { field: 'role' });
        audience = { kind: 'role', role: args.role };
      } else {
        const merchantId = args.merchantId?.toString();
        if (!merchantId || args.role) throw clientError(ErrorCode.BadUserInput, 'MERCHANT needs merchantId (and no role)', { field: 'merchantId' });
        if (!(await ctx.domain.merchants.get(merchantId))) throw clientError(ErrorCode.MerchantNotFound, `merchant ${merchantId} does not exist`);
        audience = { kind: 'merchant', merchantId };
      }
      return ctx.domain.announcements.broadcast({ audience, severity: args.severity ?? 'INFO', title, body, createdBy: ctx.principal!.subject });
    },
  }),
);

builder.subscriptionField('announcements', (t) =>
  t.field({
    type: AnnouncementRef,
    description: 'Announcements addressed to you, from the moment you subscribe.',
    authScopes: { authenticated: true },
    subscribe: (_root, _args, ctx) => ctx.domain.announcements.follow(ctx.principal!),
    resolve: (a: Announcement) => a,
  }),
);
