/**
 * Notifications for resolvers and other domains: writing them (inside a caller's transaction or
 * on their own), reading and marking them, device tokens, preferences, verified addresses, and
 * the live `notificationAdded` feed.
 *
 * Guarantees: a notification is published only after its transaction committed; the unread
 * count is a count of the user's rows with no `read_at`, so it is exact whatever runs at once;
 * a user only ever reads, marks or follows their own notifications.
 */
import { createHash, createHmac, randomInt } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { PrismaClient, Tx } from '../db/client.js';
import type { SqlTx } from '../db/sql-transaction.js';
import type { AfterCommit } from '../ingest/pipeline.js';
import type { Logger } from '../lib/logger.js';
import type { Checked } from '../lib/refusal.js';
import { timingSafeEqualText } from '../lib/timing-safe.js';
import { liveFeed } from '../pubsub/feed.js';
import type { PubSub } from '../pubsub/index.js';
import { checkDeviceToken } from './addresses.js';
import type { ChannelSender } from './channels/types.js';
import { stageNotifications, toNotification } from './outbox.js';
import { draftForNewDevice } from './rules.js';
import {
  fromNotificationMessage,
  NOTIFICATION_TYPES,
  toNotificationMessage,
  type Channel,
  type DeliveryRecord,
  type DevicePlatform,
  type NotificationDraft,
  type NotificationRecord,
  type PreferenceRecord,
} from './types.js';

/** Device tokens kept per user; registering one more drops the least recently seen. */
export const MAX_DEVICES_PER_USER = 10;
const CODE_TTL_MS = 10 * 60_000;
const CODE_MAX_ATTEMPTS = 5;
/** A new code for the same channel is refused for this long after the last one... */
const CODE_RESEND_MS = 30_000;
/** ...and beyond this many a day. */
const CODES_PER_DAY = 10;

export interface Contact {
  email: string | null;
  emailVerified: boolean;
  phone: string | null;
  phoneVerified: boolean;
  devices: number;
}

export type VerifyResult = 'verified' | 'wrong-code' | 'expired' | 'no-pending-code' | 'too-many-attempts';

export type VerificationRequest =
  | { kind: 'sent'; expiresAt: Date; /** Only when nothing can send the code (no provider) outside production. */ devCode: string | null }
  | { kind: 'too-soon'; retryAfterMs: number }
  | { kind: 'daily-limit' }
  | { kind: 'send-failed'; error: string };

export interface NotificationService {
  /** Writes the drafts in `tx`; the returned work publishes them and wakes the worker after commit. */
  stage(tx: SqlTx, drafts: readonly NotificationDraft[]): Promise<AfterCommit | undefined>;
  /** Writes the drafts in a transaction of their own, then publishes them. */
  notify(drafts: readonly NotificationDraft[]): Promise<NotificationRecord[]>;
  /** Newest first, below `beforeSeq` when given. */
  list(args: { reader: Reader; unreadOnly: boolean; beforeSeq?: bigint | undefined; first: number }): Promise<{ notifications: NotificationRecord[]; hasNextPage: boolean }>;
  unreadCount(reader: Reader): Promise<number>;
  /** One of the reader's notifications (undefined for anyone else's). */
  byId(reader: Reader, id: string): Promise<NotificationRecord | undefined>;
  /** Marks the reader's unread notifications among `ids` (or all of them) read; returns how many changed. */
  markRead(reader: Reader, ids: readonly string[] | 'all'): Promise<number>;
  deliveries(notificationIds: readonly string[]): Promise<Map<string, DeliveryRecord[]>>;
  /**
   * Records the role and merchant a user's token names, so merchant-wide notifications reach them
   * (done whenever they configure notifications or open their notification list or feed).
   */
  enroll(principal: Principal): Promise<void>;
  /** The token, when it is one of the provider this deployment pushes through (a OneSignal subscription id, or an FCM registration token). */
  checkDeviceToken(token: string): Checked<string>;
  registerDevice(args: { principal: Principal; token: string; platform: DevicePlatform }): Promise<{ isNew: boolean }>;
  unregisterDevice(userId: string, token: string): Promise<boolean>;
  /** One entry per notification type. */
  preferences(userId: string): Promise<PreferenceRecord[]>;
  updatePreferences(principal: Principal, changes: readonly PreferenceRecord[]): Promise<PreferenceRecord[]>;
  contact(userId: string): Promise<Contact>;
  requestVerification(args: { principal: Principal; channel: Exclude<Channel, 'PUSH'>; address: string }): Promise<VerificationRequest>;
  verify(args: { userId: string; channel: Exclude<Channel, 'PUSH'>; code: string }): Promise<VerifyResult>;
  /** The user's new notifications; with `after`, first those after that cursor from the database. */
  follow(reader: Reader, after?: bigint): AsyncIterableIterator<NotificationRecord>;
}

/**
 * Whose notifications a request reads: the user (JWT `sub`), seen through the merchant their token
 * names. A token naming a merchant reads only that merchant's notifications and those of no
 * merchant: the same `sub` at another merchant is that merchant's customer, not this one's.
 */
export interface Reader {
  userId: string;
  merchantId: string | null;
}

export const readerOf = (principal: Pick<Principal, 'subject' | 'merchantId'>): Reader => ({ userId: principal.subject, merchantId: principal.merchantId });

const visibleTo = ({ userId, merchantId }: Reader) => ({ userId, ...(merchantId !== null ? { OR: [{ merchantId: null }, { merchantId }] } : {}) });
const readableBy = ({ merchantId }: Reader, n: NotificationRecord) => merchantId === null || n.merchantId === null || n.merchantId === merchantId;

export interface NotificationServiceDeps {
  prisma: PrismaClient;
  pubsub: PubSub;
  logger: Logger;
  /** Senders for verification codes (the worker has its own reference to the same ones). */
  channels: Readonly<Record<Channel, ChannelSender>>;
  /** Wakes the local delivery worker. */
  kick: () => void;
  production: boolean;
  /** Server secret keying the verification-code HMAC, so a stolen table cannot be brute-forced offline. */
  codeKey: string;
  /** The push provider device tokens must belong to (config `notifications.push`). */
  push: 'fcm' | 'onesignal' | undefined;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function createNotificationService({ prisma, pubsub, logger, channels, kick, production, codeKey, push }: NotificationServiceDeps): NotificationService {
  const codeHash = (userId: string, channel: string, code: string) => createHmac('sha256', codeKey).update(`${userId}:${channel}:${code}`).digest('hex');

  async function publish(notifications: readonly NotificationRecord[]): Promise<void> {
    // Issued together: one Redis connection keeps their order.
    const results = await Promise.allSettled(notifications.map((n) => pubsub.publish('notifications', n.userId, toNotificationMessage(n))));
    kick();
    const failed = results.find((r) => r.status === 'rejected');
    // Stored and delivered regardless; a live subscriber resuming with `after` reads it back.
    if (failed) throw failed.reason;
  }

  async function stage(tx: SqlTx, drafts: readonly NotificationDraft[]): Promise<AfterCommit | undefined> {
    const fresh = await stageNotifications(tx, drafts);
    // Never thrown: a redelivered cause is a duplicate and would not publish these again, so a
    // retry would not help; the feed's subscribers read them back with `after`.
    return fresh.length === 0 ? undefined : () => publish(fresh).catch((err: unknown) => logger.error({ err }, 'notification publish after commit failed'));
  }

  async function notify(drafts: readonly NotificationDraft[]): Promise<NotificationRecord[]> {
    const fresh = await prisma.$transaction((tx) => stageNotifications(tx, drafts));
    if (fresh.length > 0) await publish(fresh).catch((err: unknown) => logger.error({ err }, 'notification publish after commit failed'));
    return fresh;
  }

  async function preferences(userId: string): Promise<PreferenceRecord[]> {
    const rows = await prisma.notificationPreference.findMany({ where: { userId } });
    const stored = new Map(rows.map((r) => [r.type, r]));
    return NOTIFICATION_TYPES.map((type) => ({ type, push: stored.get(type)?.push ?? null, email: stored.get(type)?.email ?? null, sms: stored.get(type)?.sms ?? null }));
  }

  /** Writes only when the user is new, their token names another role or merchant, or an hour has passed. */
  async function enrollIn(db: Tx | PrismaClient, p: Principal) {
    await db.$executeRaw`
      INSERT INTO notification_recipients (user_id, role, merchant_id) VALUES (${p.subject}, ${p.role}, ${p.merchantId})
      ON CONFLICT (user_id) DO UPDATE SET role = excluded.role, merchant_id = excluded.merchant_id, seen_at = now(), updated_at = now()
      WHERE notification_recipients.role IS DISTINCT FROM excluded.role
         OR notification_recipients.merchant_id IS DISTINCT FROM excluded.merchant_id
         OR notification_recipients.seen_at < now() - interval '1 hour'`;
  }

  return {
    stage,

    notify,

    async list({ reader, unreadOnly, beforeSeq, first }) {
      const rows = await prisma.notification.findMany({
        where: { ...visibleTo(reader), ...(unreadOnly ? { readAt: null } : {}), ...(beforeSeq !== undefined ? { seq: { lt: beforeSeq } } : {}) },
        orderBy: { seq: 'desc' },
        take: first + 1,
      });
      return { notifications: rows.slice(0, first).map(toNotification), hasNextPage: rows.length > first };
    },

    unreadCount: (reader) => prisma.notification.count({ where: { ...visibleTo(reader), readAt: null } }),

    async byId(reader, id) {
      const row = await prisma.notification.findFirst({ where: { id, ...visibleTo(reader) } });
      return row ? toNotification(row) : undefined;
    },

    async markRead(reader, ids) {
      const { count } = await prisma.notification.updateMany({
        where: { ...visibleTo(reader), readAt: null, ...(ids === 'all' ? {} : { id: { in: [...ids] } }) },
        data: { readAt: new Date() },
      });
      return count;
    },

    async deliveries(notificationIds) {
      const rows = await prisma.notificationDelivery.findMany({ where: { notificationId: { in: [...notificationIds] } }, orderBy: { id: 'asc' } });
      const byNotification = new Map<string, DeliveryRecord[]>();
      for (const r of rows) {
        byNotification.set(r.notificationId, [...(byNotification.get(r.notificationId) ?? []), { ...r, channel: r.channel as Channel, status: r.status as DeliveryRecord['status'] }]);
      }
      return byNotification;
    },

    enroll: (principal) => enrollIn(prisma, principal),

    checkDeviceToken: (token) => checkDeviceToken(token, push),
    async registerDevice({ principal, token, platform }) {
      const userId = principal.subject;
      const { isNew, hadOthers } = await prisma.$transaction(async (tx) => {
        await enrollIn(tx, principal);
        const existing = await tx.deviceToken.findUnique({ where: { token } });
        const others = await tx.deviceToken.count({ where: { userId, NOT: { token } } });
        // A token that moves to another user is that device changing hands: it is theirs now.
        await tx.deviceToken.upsert({ where: { token }, create: { token, userId, platform }, update: { userId, platform, lastSeenAt: new Date() } });
        const stale = await tx.deviceToken.findMany({ where: { userId }, orderBy: { lastSeenAt: 'desc' }, skip: MAX_DEVICES_PER_USER, select: { token: true } });
        if (stale.length > 0) await tx.deviceToken.deleteMany({ where: { token: { in: stale.map((s) => s.token) } } });
        return { isNew: existing?.userId !== userId, hadOthers: others > 0 };
      });
      // Worth an alert only when the user already had a device: a first device is no surprise.
      if (isNew && hadOthers) await notify([draftForNewDevice({ userId, platform, tokenHash: sha256(token).slice(0, 32) })]);
      return { isNew };
    },

    async unregisterDevice(userId, token) {
      const { count } = await prisma.deviceToken.deleteMany({ where: { userId, token } });
      return count > 0;
    },

    preferences,

    async updatePreferences(principal, changes) {
      const userId = principal.subject;
      await prisma.$transaction(async (tx) => {
        await enrollIn(tx, principal);
        for (const c of changes) {
          const values = { push: c.push, email: c.email, sms: c.sms };
          await tx.notificationPreference.upsert({ where: { userId_type: { userId, type: c.type } }, create: { userId, type: c.type, ...values }, update: { ...values, updatedAt: new Date() } });
        }
      });
      return preferences(userId);
    },

    async contact(userId) {
      const [r, devices] = await Promise.all([prisma.notificationRecipient.findUnique({ where: { userId } }), prisma.deviceToken.count({ where: { userId } })]);
      return { email: r?.email ?? null, emailVerified: !!(r?.email && r.emailVerifiedAt), phone: r?.phone ?? null, phoneVerified: !!(r?.phone && r.phoneVerifiedAt), devices };
    },

    async requestVerification({ principal, channel, address }) {
      const userId = principal.subject;
      const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
      const expiresAt = new Date(Date.now() + CODE_TTL_MS);
      await enrollIn(prisma, principal);
      // One statement decides and records: parallel requests cannot all pass the resend check.
      const granted = await prisma.$queryRaw<{ granted: number }[]>`
        INSERT INTO contact_verifications (user_id, channel, address, code_hash, attempts, expires_at, sends, window_started_at, created_at)
        VALUES (${userId}, ${channel}, ${address}, ${codeHash(userId, channel, code)}, 0, ${expiresAt}, 1, now(), now())
        ON CONFLICT (user_id, channel) DO UPDATE SET
          address = excluded.address, code_hash = excluded.code_hash, attempts = 0, expires_at = excluded.expires_at, created_at = now(),
          sends = CASE WHEN contact_verifications.window_started_at < now() - interval '1 day' THEN 1 ELSE contact_verifications.sends + 1 END,
          window_started_at = CASE WHEN contact_verifications.window_started_at < now() - interval '1 day' THEN now() ELSE contact_verifications.window_started_at END
        WHERE contact_verifications.created_at < now() - make_interval(secs => ${CODE_RESEND_MS / 1000})
          AND (contact_verifications.sends < ${CODES_PER_DAY} OR contact_verifications.window_started_at < now() - interval '1 day')
        RETURNING 1 AS granted`;
      if (granted.length === 0) {
        const last = await prisma.contactVerification.findUnique({ where: { userId_channel: { userId, channel } } });
        const sinceLast = last ? Date.now() - last.createdAt.getTime() : 0;
        return sinceLast < CODE_RESEND_MS ? { kind: 'too-soon', retryAfterMs: CODE_RESEND_MS - sinceLast } : { kind: 'daily-limit' };
      }

      // Sent directly, not through the outbox: the code must never be stored readable, and an
      // in-app copy would let the user "prove" an address they do not control.
      const sender = channels[channel];
      const outcome = await sender.send({
        deliveryId: 0n,
        channel,
        attempt: 1,
        address,
        tokens: [],
        notification: {
          id: `verify_${sha256(`${userId}:${expiresAt.getTime()}`).slice(0, 16)}`,
          seq: 0n,
          userId,
          merchantId: principal.merchantId,
          type: 'contact.verification',
          priority: 'HIGH',
          title: 'Your paypulse verification code',
          body: `Your verification code is ${code}. It expires in 10 minutes. If you did not ask for it, ignore this message.`,
          data: {},
          readAt: null,
          createdAt: new Date(),
        },
      });
      if (outcome.kind === 'retry' || outcome.kind === 'failed') {
        // The code is void, but the send still counts against the resend and daily limits.
        await prisma.contactVerification.update({ where: { userId_channel: { userId, channel } }, data: { expiresAt: new Date() } }).catch(() => {});
        return { kind: 'send-failed', error: outcome.error };
      }
      return { kind: 'sent', expiresAt, devCode: !sender.live && !production ? code : null };
    },

    async verify({ userId, channel, code }) {
      return prisma.$transaction(async (tx): Promise<VerifyResult> => {
        const rows = await tx.$queryRaw<{ address: string; code_hash: string; attempts: number; expires_at: Date }[]>`
          SELECT address, code_hash, attempts, expires_at FROM contact_verifications WHERE user_id = ${userId} AND channel = ${channel} FOR UPDATE`;
        const pending = rows[0];
        if (!pending) return 'no-pending-code';
        if (pending.expires_at.getTime() <= Date.now()) return 'expired';
        if (pending.attempts >= CODE_MAX_ATTEMPTS) return 'too-many-attempts';
        if (!timingSafeEqualText(pending.code_hash, codeHash(userId, channel, code))) {
          await tx.$executeRaw`UPDATE contact_verifications SET attempts = attempts + 1 WHERE user_id = ${userId} AND channel = ${channel}`;
          return 'wrong-code';
        }
        const at = new Date();
        await tx.notificationRecipient.update({
          where: { userId },
          data: channel === 'EMAIL' ? { email: pending.address, emailVerifiedAt: at, updatedAt: at } : { phone: pending.address, phoneVerifiedAt: at, updatedAt: at },
        });
        await tx.contactVerification.delete({ where: { userId_channel: { userId, channel } } });
        return 'verified';
      });
    },

    follow(reader, after) {
      // Ids read back from the database: the live copies of those are dropped. Live messages
      // are never dropped by cursor, because `seq` is taken at insert and two transactions
      // (two merchants paying one customer) can commit out of `seq` order.
      const replayed = new Set<string>();
      return liveFeed(pubsub, {
        topic: 'notifications',
        key: reader.userId,
        async *before() {
          if (after === undefined) return;
          // Subscribed first: anything committed while this reads is in the channel too.
          let last = after;
          for (;;) {
            const page = await prisma.notification.findMany({ where: { ...visibleTo(reader), seq: { gt: last } }, orderBy: { seq: 'asc' }, take: 200 });
            for (const row of page) {
              last = row.seq;
              replayed.add(row.id);
              yield toNotification(row);
            }
            if (page.length < 200) break;
          }
        },
        map(message) {
          const n = fromNotificationMessage(message);
          return replayed.delete(n.id) || !readableBy(reader, n) ? undefined : n;
        },
      });
    },
  };
}
