/**
 * The outbox, inside the caller's transaction: notifications and their deliveries are written
 * with the change that caused them (an ingested event, an order change), so they exist exactly
 * when that change committed. A cause already notified (same user and dedup key) writes
 * nothing, which is why a redelivered event never creates a second delivery.
 */
import { randomUUID } from 'node:crypto';
import type { Tx } from '../../../src/db/client.js';
import { Prisma } from '../../../src/generated/prisma/client.js';
import type { JsonObject } from '../../../src/payments/types.js';
import { NOT_REACHABLE, route, type Reach } from '../../../src/notifications/routing.js';
import type { NotificationDraft, NotificationRecord, Priority, PreferenceRecord } from '../../../src/notifications/types.js';

type Row = { id: string; seq: bigint; userId: string; merchantId: string | null; type: string; priority: string; title: string; body: string; data: unknown; readAt: Date | null; createdAt: Date };

export const toNotification = (r: Row): NotificationRecord => ({ ...r, priority: r.priority as Priority, data: (r.data ?? {}) as JsonObject });

/** Staff not seen using notifications for this long stop receiving their merchant's. */
export const STAFF_ENROLLMENT_DAYS = 30;

/** The users an audience means right now. */
async function expandAudiences(tx: Tx, drafts: readonly NotificationDraft[]): Promise<{ draft: NotificationDraft; userId: string }[]> {
  const groups = new Map<string, { merchantId: string; role: string }>();
  for (const d of drafts) if (d.audience.kind === 'merchantRole') groups.set(`${d.audience.merchantId}|${d.audience.role}`, d.audience);
  const members = new Map<string, string[]>();
  if (groups.size > 0) {
    const rows = await tx.$queryRaw<{ user_id: string; merchant_id: string; role: string }[]>`
      SELECT user_id, merchant_id, role FROM notification_recipients
      WHERE (merchant_id, role) IN (${Prisma.join([...groups.values()].map((g) => Prisma.sql`(${g.merchantId}, ${g.role})`))})
        AND seen_at > now() - make_interval(days => ${STAFF_ENROLLMENT_DAYS})
      ORDER BY user_id`;
    for (const r of rows) members.set(`${r.merchant_id}|${r.role}`, [...(members.get(`${r.merchant_id}|${r.role}`) ?? []), r.user_id]);
  }
  return drafts.flatMap((draft) => {
    const a = draft.audience;
    if (a.kind === 'user') return [{ draft, userId: a.userId }];
    const all = members.get(`${a.merchantId}|${a.role}`) ?? [];
    const chosen = a.userId !== undefined && all.includes(a.userId) ? [a.userId] : all;
    return chosen.map((userId) => ({ draft, userId }));
  });
}

interface Recipient extends Reach {
  /** The merchant the user's token named, if any: another merchant's notifications never reach them. */
  merchantId: string | null;
}

async function recipientsOf(tx: Tx, userIds: string[]): Promise<Map<string, Recipient>> {
  const rows = await tx.$queryRaw<{ user_id: string; merchant_id: string | null; verified_email: boolean; verified_phone: boolean; tokens: bigint }[]>`
    SELECT u.id AS user_id, r.merchant_id,
           coalesce(r.email IS NOT NULL AND r.email_verified_at IS NOT NULL, false) AS verified_email,
           coalesce(r.phone IS NOT NULL AND r.phone_verified_at IS NOT NULL, false) AS verified_phone,
           (SELECT count(*) FROM device_tokens t WHERE t.user_id = u.id) AS tokens
    FROM unnest(${userIds}::text[]) AS u(id) LEFT JOIN notification_recipients r ON r.user_id = u.id`;
  return new Map(
    rows.map((r) => [r.user_id, { merchantId: r.merchant_id, pushTokens: Number(r.tokens), verifiedEmail: r.verified_email, verifiedPhone: r.verified_phone }]),
  );
}

async function preferencesOf(tx: Tx, userIds: string[], types: string[]): Promise<Map<string, Omit<PreferenceRecord, 'type'>>> {
  const rows = await tx.notificationPreference.findMany({ where: { userId: { in: userIds }, type: { in: types } } });
  return new Map(rows.map((p) => [`${p.userId}|${p.type}`, { push: p.push, email: p.email, sms: p.sms }]));
}

/**
 * Writes the drafts' notifications and deliveries in `tx` and returns the notifications that are
 * new (a cause already notified to a user is skipped, deliveries included).
 */
export async function stageNotifications(tx: Tx, drafts: readonly NotificationDraft[]): Promise<NotificationRecord[]> {
  if (drafts.length === 0) return [];
  const expanded = await expandAudiences(tx, drafts);
  if (expanded.length === 0) return [];
  const userIds = [...new Set(expanded.map((a) => a.userId))];
  const [reach, preferences] = await Promise.all([recipientsOf(tx, userIds), preferencesOf(tx, userIds, [...new Set(drafts.map((d) => d.type))])]);
  // A user whose token belongs to one merchant hears only from that merchant (a customer id in
  // another merchant's event or order reaches nobody there).
  const addressed = expanded.filter(({ draft, userId }) => {
    const home = reach.get(userId)?.merchantId ?? null;
    return draft.merchantId === null || home === null || home === draft.merchantId;
  });
  if (addressed.length === 0) return [];

  const rows = (await tx.notification.createManyAndReturn({
    data: addressed.map(({ draft, userId }) => ({
      id: `ntf_${randomUUID()}`,
      userId,
      merchantId: draft.merchantId,
      type: draft.type,
      priority: draft.priority,
      title: draft.title,
      body: draft.body,
      data: draft.data,
      dedupKey: draft.dedupKey,
    })),
    skipDuplicates: true,
  })) as Row[];

  const deliveries = rows.flatMap((n) =>
    route(n.priority as Priority, preferences.get(`${n.userId}|${n.type}`), reach.get(n.userId) ?? NOT_REACHABLE).map((r) => ({
      notificationId: n.id,
      userId: n.userId,
      channel: r.channel,
      status: r.status,
      ...(r.status === 'FAILED' ? { lastError: r.error } : {}),
    })),
  );
  if (deliveries.length > 0) await tx.notificationDelivery.createMany({ data: deliveries });
  return rows.map(toNotification).sort((a, b) => (a.seq < b.seq ? -1 : 1));
}
