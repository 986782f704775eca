/**
 * Presence and sessions (docs/presence.md): the `presence(userIds)` subscription, admin
 * `connectionStats`, and admin `revokeSessions(userId)`.
 * Who may watch whom: admins anyone; a merchant or vendor the people of its own merchant (the
 * merchant their token named when they connected); a customer only itself. Anyone else —
 * including users never seen — is FORBIDDEN, so presence cannot be used to probe user ids.
 */
import { PRESENCE_STATUSES, type PresenceUpdate } from '../presence/service.js';
import type { InstanceStats } from '../presence/store.js';
import { builder } from './builder.js';
import { clientError, ErrorCode } from './errors.js';

const MAX_WATCHED = 100;

const PresenceStatusEnum = builder.enumType('PresenceStatus', { values: PRESENCE_STATUSES });

const PresenceRef = builder.objectRef<PresenceUpdate>('Presence').implement({
  fields: (t) => ({
    userId: t.exposeID('userId'),
    status: t.field({ type: PresenceStatusEnum, resolve: (p) => p.status }),
    lastSeenAt: t.field({ type: 'DateTime', nullable: true, description: 'Last activity on any of their sockets.', resolve: (p) => p.lastSeenAt }),
  }),
});

const InstanceStatsRef = builder.objectRef<InstanceStats>('InstanceConnectionStats').implement({
  fields: (t) => ({
    instance: t.exposeString('instance'),
    sockets: t.exposeInt('sockets'),
    users: t.exposeInt('users', { description: 'Distinct users with a socket on this instance.' }),
    subscriptions: t.exposeInt('subscriptions', { description: 'Active WebSocket subscriptions.' }),
    at: t.field({ type: 'DateTime', description: 'When these numbers were taken (instances report on each presence heartbeat).', resolve: (s) => new Date(s.at) }),
  }),
});

const ConnectionStatsRef = builder.objectRef<{ instance: InstanceStats; instances: InstanceStats[] }>('ConnectionStats').implement({
  fields: (t) => ({
    instance: t.field({ type: InstanceStatsRef, description: 'The instance that answered, now.', resolve: (s) => s.instance }),
    instances: t.field({ type: [InstanceStatsRef], description: 'Every live instance (its last heartbeat), this one first.', resolve: (s) => s.instances }),
    sockets: t.int({ resolve: (s) => s.instances.reduce((n, i) => n + i.sockets, 0) }),
    subscriptions: t.int({ resolve: (s) => s.instances.reduce((n, i) => n + i.subscriptions, 0) }),
  }),
});

builder.subscriptionField('presence', (t) =>
  t.field({
    type: PresenceRef,
    description: `The current status of each user, then every change (ONLINE, AWAY, OFFLINE). At most ${MAX_WATCHED} users.`,
    authScopes: { authenticated: true },
    args: { userIds: t.arg.idList({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      const principal = ctx.principal!;
      const userIds = [...new Set(args.userIds.map(String))];
      if (userIds.length === 0 || userIds.length > MAX_WATCHED) throw clientError(ErrorCode.BadUserInput, `userIds must name 1-${MAX_WATCHED} users`);
      const presence = ctx.domain.presence;
      if (principal.role !== 'admin') {
        const forbidden = () => clientError(ErrorCode.Forbidden, 'you may only watch people of your own merchant');
        if (principal.role === 'customer') {
          if (userIds.some((id) => id !== principal.subject)) throw forbidden();
        } else {
          const records = await presence.records(userIds);
          if (!principal.merchantId || userIds.some((id) => records.get(id)?.merchantId !== principal.merchantId)) throw forbidden();
        }
      }
      return presence.watch(userIds);
    },
    resolve: (update: PresenceUpdate) => update,
  }),
);

builder.queryField('connectionStats', (t) =>
  t.field({
    type: ConnectionStatsRef,
    description: 'Admins: open sockets, users and subscriptions on this instance and on every live instance.',
    authScopes: { admin: true },
    resolve: (_root, _args, ctx) => ctx.domain.presence.stats(),
  }),
);

builder.mutationField('revokeSessions', (t) =>
  t.boolean({
    description:
      "Admins: end every session of this user on every instance and transport (WebSockets close with 4403 SESSIONS_REVOKED; SSE and multipart streams end with a SESSIONS_REVOKED error), and refuse every token of theirs issued until now (iat at or before this second) on every request until it expires. Tokens issued afterwards work.",
    authScopes: { admin: true },
    args: { userId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      await ctx.domain.sessions.revokeUser(args.userId.toString());
      return true;
    },
  }),
);
