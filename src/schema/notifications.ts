/**
 * Notifications (docs/notifications.md): the caller's own notifications, unread count, marking
 * read, device tokens, preferences, verified addresses, and the live `notificationAdded`.
 * Everything here is about the signed-in user (a JWT): API keys have no notifications, and no
 * argument names another user, so nobody reads or changes someone else's.
 */
import type { Principal } from '../auth/principal.js';
import { CHANNELS, DELIVERY_STATUSES, DEVICE_PLATFORMS, NOTIFICATION_TYPES, PRIORITIES, type DeliveryRecord, type NotificationRecord, type PreferenceRecord } from '../notifications/types.js';
import { readerOf, type Contact, type VerifyResult } from '../notifications/service.js';
import { checkContactAddress, checkMarkRead, checkPreferenceTypes, checkVerificationCode } from '../notifications/addresses.js';
import { publicDeliveryError } from '../notifications/delivery-errors.js';
import { builder, type GraphQLContext } from './builder.js';
import { connectionOf, forwardPageSize, parseSeqCursor } from './cursor.js';
import { clientError, ErrorCode, orThrow } from './errors.js';
import { localKey, registerNode } from './relay.js';


const enumOf = <T extends string>(name: string, values: readonly T[], description: string) => builder.enumType(name, { values, description });
const PriorityEnum = enumOf('NotificationPriority', PRIORITIES, 'LOW: in-app only by default; NORMAL: + push; HIGH: + push and email; CRITICAL: every channel, SMS always, whatever the preferences.');
const ChannelEnum = enumOf('NotificationChannel', CHANNELS, 'Delivery channels besides in-app.');
const ContactChannelEnum = enumOf('ContactChannel', ['EMAIL', 'SMS'] as const, 'An address kind that is verified with a code.');
const DeliveryStatusEnum = enumOf('NotificationDeliveryStatus', DELIVERY_STATUSES, 'LOGGED: no provider is configured, so the delivery was written to the log instead of sent.');
const PlatformEnum = enumOf('DevicePlatform', DEVICE_PLATFORMS, 'The kind of device a push token belongs to.');
const TypeEnum = builder.enumType('NotificationType', {
  description: 'What a notification is about (docs/notifications.md has the table of causes and recipients).',
  values: Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t.replace(/\./g, '_').toUpperCase(), { value: t }])) as Record<string, { value: (typeof NOTIFICATION_TYPES)[number] }>,
});

const DeliveryRef = builder.objectRef<DeliveryRecord>('NotificationDelivery').implement({
  description: 'One channel of a notification, from the outbox.',
  fields: (t) => ({
    channel: t.field({ type: ChannelEnum, resolve: (d) => d.channel }),
    status: t.field({ type: DeliveryStatusEnum, resolve: (d) => d.status }),
    attempts: t.exposeInt('attempts'),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', description: 'When a PENDING delivery is tried (again).' }),
    lastError: t.string({ nullable: true, description: "Why it failed or was retried: paypulse's own reason, or the kind of provider failure.", resolve: publicDeliveryError }),
    providerMessageId: t.exposeString('providerMessageId', { nullable: true, description: "The provider's id (FCM message name, OneSignal notification id, SendGrid x-message-id, Twilio SID, Africa's Talking messageId)." }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true }),
  }),
});

const NotificationRef = builder.node(builder.objectRef<NotificationRecord>('Notification'), {
  id: { description: 'Opaque global id (Relay `Node`). `markNotificationsRead(ids)` accepts it or `notificationId`.', resolve: (n) => n.id },
  fields: (t) => ({
    notificationId: t.exposeID('id', { description: "The notification's own id." }),
    type: t.exposeString('type', { description: 'One of NotificationType, as its dotted name (e.g. "order.ready").' }),
    priority: t.field({ type: PriorityEnum, resolve: (n) => n.priority }),
    title: t.exposeString('title'),
    body: t.exposeString('body'),
    data: t.expose('data', { type: 'JSON', description: 'Ids and amounts behind it (eventId, orderId, walletId, amountMinor as a string, …).' }),
    merchantId: t.exposeID('merchantId', { nullable: true }),
    read: t.boolean({ resolve: (n) => n.readAt !== null }),
    readAt: t.expose('readAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    cursor: t.string({ description: 'Pass as `after` (to `notifications` or `notificationAdded`).', resolve: (n) => n.seq.toString() }),
    deliveries: t.field({ type: [DeliveryRef], description: 'Push, email and SMS deliveries, if any.', resolve: (n, _args, ctx) => ctx.loaders.notificationDeliveries.load(n.id) }),
  }),
});

const PreferenceRef = builder.objectRef<PreferenceRecord>('NotificationPreference').implement({
  description: "A channel choice per type; null keeps the default of the notification's priority. CRITICAL notifications ignore preferences.",
  fields: (t) => ({
    type: t.field({ type: TypeEnum, resolve: (p) => p.type }),
    push: t.exposeBoolean('push', { nullable: true }),
    email: t.exposeBoolean('email', { nullable: true }),
    sms: t.exposeBoolean('sms', { nullable: true }),
  }),
});

const ContactRef = builder.objectRef<Contact>('NotificationContact').implement({
  description: 'Where the caller can be reached. Only verified addresses receive email or SMS.',
  fields: (t) => ({
    email: t.exposeString('email', { nullable: true }),
    emailVerified: t.exposeBoolean('emailVerified'),
    phone: t.exposeString('phone', { nullable: true }),
    phoneVerified: t.exposeBoolean('phoneVerified'),
    devices: t.exposeInt('devices', { description: 'Registered push device tokens.' }),
  }),
});

const MarkReadResult = builder.objectRef<{ marked: number; unreadCount: number }>('MarkNotificationsReadResult').implement({
  fields: (t) => ({
    marked: t.exposeInt('marked', { description: 'Notifications that were unread and are read now (ids of others, or already read, count 0).' }),
    unreadCount: t.exposeInt('unreadCount'),
  }),
});

const VerificationRequested = builder.objectRef<{ expiresAt: Date; devCode: string | null }>('ContactVerificationRequested').implement({
  fields: (t) => ({
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    devCode: t.exposeString('devCode', { nullable: true, description: 'Outside production, when no provider can send it: the code itself, for development. Always null in production.' }),
  }),
});

const PreferenceInput = builder.inputType('NotificationPreferenceInput', {
  fields: (t) => ({
    type: t.field({ type: TypeEnum }),
    push: t.boolean({ required: false, description: 'Omitted or null: the default for the priority.' }),
    email: t.boolean({ required: false }),
    sms: t.boolean({ required: false }),
  }),
});

/** The signed-in user; API keys (back ends) have no notifications. */
function person(ctx: GraphQLContext): Principal {
  const p = ctx.principal;
  if (!p) throw clientError(ErrorCode.Unauthenticated, 'authentication required');
  if (p.kind !== 'user') throw clientError(ErrorCode.Forbidden, 'API keys have no notifications: sign in as a user');
  return p;
}

builder.queryFields((t) => ({
  notifications: t.connection({
    type: NotificationRef,
    description: "The caller's notifications, newest first. Only `first`/`after` paging.",
    authScopes: { authenticated: true },
    args: { unreadOnly: t.arg.boolean({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const principal = person(ctx);
      const first = forwardPageSize(args);
      await ctx.domain.notifications.enroll(principal);
      const page = await ctx.domain.notifications.list({ reader: readerOf(principal), unreadOnly: args.unreadOnly ?? false, beforeSeq: parseSeqCursor(args.after), first });
      return connectionOf(page.notifications, (n) => n.seq.toString(), page.hasNextPage, args.after);
    },
  }),
  unreadNotificationCount: t.int({
    description: "Exact: the caller's notifications not marked read.",
    authScopes: { authenticated: true },
    resolve: (_root, _args, ctx) => ctx.domain.notifications.unreadCount(readerOf(person(ctx))),
  }),
  notificationPreferences: t.field({
    type: [PreferenceRef],
    description: 'One entry per notification type.',
    authScopes: { authenticated: true },
    resolve: (_root, _args, ctx) => ctx.domain.notifications.preferences(person(ctx).subject),
  }),
  notificationContact: t.field({
    type: ContactRef,
    authScopes: { authenticated: true },
    resolve: (_root, _args, ctx) => ctx.domain.notifications.contact(person(ctx).subject),
  }),
}));

const VERIFY_ERRORS: Record<Exclude<VerifyResult, 'verified'>, [ErrorCode, string]> = {
  'wrong-code': [ErrorCode.InvalidCode, 'the code is wrong'],
  expired: [ErrorCode.CodeExpired, 'the code expired: request a new one'],
  'no-pending-code': [ErrorCode.NoPendingVerification, 'no code was requested for this channel'],
  'too-many-attempts': [ErrorCode.TooManyAttempts, 'too many wrong codes: request a new one'],
};

builder.mutationFields((t) => ({
  markNotificationsRead: t.field({
    type: MarkReadResult,
    description: "Marks the caller's notifications read: the given `ids`, or every one with `all: true`.",
    authScopes: { authenticated: true },
    args: { ids: t.arg.idList({ required: false }), all: t.arg.boolean({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const reader = readerOf(person(ctx));
      const ids = args.ids?.map((id) => localKey(String(id), 'Notification'));
      const marked = await ctx.domain.notifications.markRead(reader, orThrow(checkMarkRead(ids, !!args.all)));
      return { marked, unreadCount: await ctx.domain.notifications.unreadCount(reader) };
    },
  }),
  registerDeviceToken: t.field({
    type: ContactRef,
    description: "Adds a push device token to the caller: an FCM registration token, or a OneSignal subscription id (a UUID) where the deployment pushes through OneSignal. A token another user held moves to the caller. At most 10 per user: the one seen least recently is dropped. A new device besides existing ones raises a security notification.",
    authScopes: { authenticated: true },
    args: { token: t.arg.string({ required: true }), platform: t.arg({ type: PlatformEnum, required: true }) },
    resolve: async (_root, args, ctx) => {
      const principal = person(ctx);
      orThrow(ctx.domain.notifications.checkDeviceToken(args.token));
      await ctx.domain.notifications.registerDevice({ principal, token: args.token, platform: args.platform });
      return ctx.domain.notifications.contact(principal.subject);
    },
  }),
  unregisterDeviceToken: t.boolean({
    description: "Removes one of the caller's push tokens (sign-out on a device). False when the caller had no such token.",
    authScopes: { authenticated: true },
    args: { token: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => ctx.domain.notifications.unregisterDevice(person(ctx).subject, args.token),
  }),
  updateNotificationPreferences: t.field({
    type: [PreferenceRef],
    description: 'Sets channel choices per type (only the given types change). Returns every type.',
    authScopes: { authenticated: true },
    args: { preferences: t.arg({ type: [PreferenceInput], required: true }) },
    resolve: async (_root, args, ctx) => {
      const principal = person(ctx);
      orThrow(checkPreferenceTypes(args.preferences.map((p) => p.type)));
      return ctx.domain.notifications.updatePreferences(
        principal,
        args.preferences.map((p) => ({ type: p.type, push: p.push ?? null, email: p.email ?? null, sms: p.sms ?? null })),
      );
    },
  }),
  requestContactVerification: t.field({
    type: VerificationRequested,
    description:
      'Sends a 6-digit code to `address` (an email, or an E.164 phone number for SMS), valid 10 minutes; one per channel every 30 s and 10 a day (RATE_LIMITED). Confirm with verifyContact; until then the address receives nothing else.',
    authScopes: { authenticated: true },
    args: { channel: t.arg({ type: ContactChannelEnum, required: true }), address: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const principal = person(ctx);
      const address = orThrow(checkContactAddress(args.channel, args.address));
      const result = await ctx.domain.notifications.requestVerification({ principal, channel: args.channel, address });
      if (result.kind === 'too-soon') throw clientError(ErrorCode.RateLimited, 'a code was sent moments ago: wait before asking again', { retryAfterMs: result.retryAfterMs });
      if (result.kind === 'daily-limit') throw clientError(ErrorCode.RateLimited, 'too many codes today for this channel: try again tomorrow');
      if (result.kind === 'send-failed') throw clientError(ErrorCode.DeliveryFailed, 'the code could not be sent to that address', { retryable: true });
      return result;
    },
  }),
  verifyContact: t.field({
    type: ContactRef,
    description: 'Confirms the address a code was sent to; from then on it receives notifications. Five wrong codes end the attempt.',
    authScopes: { authenticated: true },
    args: { channel: t.arg({ type: ContactChannelEnum, required: true }), code: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const { subject } = person(ctx);
      orThrow(checkVerificationCode(args.code));
      const result = await ctx.domain.notifications.verify({ userId: subject, channel: args.channel, code: args.code });
      if (result !== 'verified') throw clientError(VERIFY_ERRORS[result][0], VERIFY_ERRORS[result][1]);
      return ctx.domain.notifications.contact(subject);
    },
  }),
}));

builder.subscriptionField('notificationAdded', (t) =>
  t.field({
    type: NotificationRef,
    description:
      "The caller's new notifications as they are committed (in-app, live), each once. With `after` (a cursor), those stored after it are read back first. Cursors follow insertion, and two notifications can commit out of that order within moments: after a reconnect, `notifications(first)` is the complete list.",
    authScopes: { authenticated: true },
    args: { after: t.arg.string({ required: false }) },
    subscribe: async (_root, args, ctx) => {
      const principal = person(ctx);
      const after = parseSeqCursor(args.after);
      await ctx.domain.notifications.enroll(principal);
      return ctx.domain.notifications.follow(readerOf(principal), after);
    },
    resolve: (n) => n,
  }),
);

// Relay: a notification is its user's alone.
registerNode('Notification', async (key, ctx) => {
  const p = ctx.principal;
  return p?.kind === 'user' ? ((await ctx.domain.notifications.byId(readerOf(p), key)) ?? null) : null;
});
