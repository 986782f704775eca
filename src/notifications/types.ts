/** Notifications: what they are, who gets them, over which channels (docs/notifications.md). */
import type { Role } from '../auth/principal.js';
import type { JsonObject } from '../payments/types.js';

export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'CRITICAL'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const CHANNELS = ['PUSH', 'EMAIL', 'SMS'] as const;
export type Channel = (typeof CHANNELS)[number];

export const DELIVERY_STATUSES = ['PENDING', 'SENDING', 'SENT', 'LOGGED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DEVICE_PLATFORMS = ['ANDROID', 'IOS', 'WEB'] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

/** Every notification type; docs/notifications.md has the table of what causes each and who gets it. */
export const NOTIFICATION_TYPES = [
  'payment.completed',
  'payment.failed',
  'payment.received',
  'payment.failed.merchant',
  'refund.processed',
  'transfer.success',
  'transfer.failed',
  'wallet.credited',
  'order.created',
  'order.ready',
  'order.cancelled',
  'security.api_key_created',
  'security.api_key_revoked',
  'security.sessions_revoked',
  'security.new_device',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Who a notification is for, before it is stored. */
export type Audience =
  /** One user (JWT `sub`), known or not: an in-app notification is always kept. */
  | { kind: 'user'; userId: string }
  /**
   * Every enrolled member with this role at this merchant; with `userId`, only that member when
   * they are one (and every member otherwise), so an id in an order can never reach outsiders.
   */
  | { kind: 'merchantRole'; merchantId: string; role: Extract<Role, 'merchant' | 'vendor'>; userId?: string };

/** A notification to be written, addressed to an audience; `dedupKey` names its cause. */
export interface NotificationDraft {
  audience: Audience;
  merchantId: string | null;
  type: NotificationType;
  priority: Priority;
  title: string;
  body: string;
  data: JsonObject;
  /** Unique per user: the same cause (an event, an order version) never notifies a user twice. */
  dedupKey: string;
}

export interface NotificationRecord {
  id: string;
  seq: bigint;
  userId: string;
  merchantId: string | null;
  type: string;
  priority: Priority;
  title: string;
  body: string;
  data: JsonObject;
  readAt: Date | null;
  createdAt: Date;
}

/** JSON-safe, as it crosses Redis. */
export type NotificationMessage = Omit<NotificationRecord, 'seq' | 'readAt' | 'createdAt'> & { seq: string; readAt: string | null; createdAt: string };

export function toNotificationMessage(n: NotificationRecord): NotificationMessage {
  return { ...n, seq: n.seq.toString(), readAt: n.readAt?.toISOString() ?? null, createdAt: n.createdAt.toISOString() };
}

export function fromNotificationMessage(m: NotificationMessage): NotificationRecord {
  return { ...m, seq: BigInt(m.seq), readAt: m.readAt ? new Date(m.readAt) : null, createdAt: new Date(m.createdAt) };
}

export interface DeliveryRecord {
  id: bigint;
  notificationId: string;
  channel: Channel;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  providerMessageId: string | null;
  sentAt: Date | null;
}

/** A user's channel choice for one type; null keeps the default of the notification's priority. */
export interface PreferenceRecord {
  type: NotificationType;
  push: boolean | null;
  email: boolean | null;
  sms: boolean | null;
}
