/**
 * The outbox, inside the caller's transaction: notifications and their deliveries are written
 * with the change that caused them (an ingested event, an order change), so they exist exactly
 * when that change committed. A cause already notified (same user and dedup key) writes
 * nothing, which is why a redelivered event never creates a second delivery.
 */
import { randomUUID } from 'node:crypto';
import type { SqlTx } from '../db/sql-transaction.js';
import { Prisma } from '../generated/prisma/client.js';
import type { JsonObject } from '../payments/types.js';
import { NOT_REACHABLE, route, type Reach } from './routing.js';
import type { NotificationDraft, NotificationRecord, Priority, PreferenceRecord } from './types.js';

type Row = { id: string; seq: bigint; userId: string; merchantId: string | null; type: string; priority: string; title: string; body: string; data: unknown; readAt: Date | null; createdAt: Date };

export const toNotification = (r: Row): NotificationRecord => ({ ...r, priority: r.priority as Priority, data: (r.data ?? {}) as JsonObject });

/** Staff not seen using notifications for this long stop receiving their merchant's. */
export const STAFF_ENROLLMENT_DAYS = 30;

/** The users an audience means right now. */
async function expandAudiences(tx: SqlTx, drafts: readonly NotificationDraft[]): Promise<{ draft: NotificationDraft; userId: string }[]> {
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

type Preferences = Omit<PreferenceRecord, 'type'>;

/** Each user's reach and their preferences for the given types: one statement. */
async function recipientsOf(tx: SqlTx, userIds: string[], types: string[]): Promise<{ reach: Map<string, Recipient>; preferences: Map<string, Preferences> }> {
  const rows = await tx.$queryRawUnsafe<
    { user_id: string; merchant_id: string | null; verified_email: boolean; verified_phone: boolean; tokens: bigint; preferences: { type: string; push: boolean | null; email: boolean | null; sms: boolean | null }[] | null }[]
  >(
    `SELECT u.id AS user_id, r.merchant_id,
       coalesce(r.email IS NOT NULL AND r.email_verified_at IS NOT NULL, false) AS verified_email,
       coalesce(r.phone IS NOT NULL AND r.phone_verified_at IS NOT NULL, false) AS verified_phone,
       (SELECT count(*) FROM device_tokens t WHERE t.user_id = u.id) AS tokens,
       (SELECT json_agg(json_build_object('type', p.type, 'push', p.push, 'email', p.email, 'sms', p.sms))
          FROM notification_preferences p WHERE p.user_id = u.id AND p.type = ANY($2::text[])) AS preferences
     FROM unnest($1::text[]) AS u(id) LEFT JOIN notification_recipients r ON r.user_id = u.id`,
    userIds,
    types,
  );
  const reach = new Map<string, Recipient>();
  const preferences = new Map<string, Preferences>();
  for (const r of rows) {
    reach.set(r.user_id, { merchantId: r.merchant_id, pushTokens: Number(r.tokens), verifiedEmail: r.verified_email, verifiedPhone: r.verified_phone });
    for (const p of r.preferences ?? []) preferences.set(`${r.user_id}|${p.type}`, { push: p.push, email: p.email, sms: p.sms });
  }
  return { reach, preferences };
}

/**
 * The notifications and their deliveries in ONE statement: a cause already notified to a user
 * (same user and dedup key) inserts nothing, and only the notifications inserted now get their
 * deliveries (joined by the id made here). RETURNING gives the new ones.
 */
const INSERT_NOTIFICATIONS = `
WITH inserted AS (
  INSERT INTO notifications (id, user_id, merchant_id, type, priority, title, body, data, dedup_key)
  SELECT id, user_id, merchant_id, type, priority, title, body, data::jsonb, dedup_key
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
    WITH ORDINALITY AS u (id, user_id, merchant_id, type, priority, title, body, data, dedup_key, ord)
  ORDER BY ord
  ON CONFLICT (user_id, dedup_key) DO NOTHING
  RETURNING id, seq, user_id AS "userId", merchant_id AS "merchantId", type, priority, title, body, data, read_at AS "readAt", created_at AS "createdAt"
), deliveries AS (
  INSERT INTO notification_deliveries (notification_id, user_id, channel, status, last_error)
  SELECT d.notification_id, d.user_id, d.channel, d.status, d.last_error
  FROM unnest($10::text[], $11::text[], $12::text[], $13::text[], $14::text[]) WITH ORDINALITY AS d (notification_id, user_id, channel, status, last_error, ord)
  JOIN inserted ON inserted.id = d.notification_id
  ORDER BY d.ord
)
SELECT * FROM inserted`;

/**
 * Writes the drafts' notifications and deliveries in `tx` and returns the notifications that are
 * new (a cause already notified to a user is skipped, deliveries included). At most three
 * statements whatever the number of drafts: the merchant-wide audiences, the recipients with
 * their preferences, the writes.
 */
export async function stageNotifications(tx: SqlTx, drafts: readonly NotificationDraft[]): Promise<NotificationRecord[]> {
  if (drafts.length === 0) return [];
  const expanded = await expandAudiences(tx, drafts);
  if (expanded.length === 0) return [];
  const userIds = [...new Set(expanded.map((a) => a.userId))];
  const { reach, preferences } = await recipientsOf(tx, userIds, [...new Set(drafts.map((d) => d.type))]);
  // A user whose token belongs to one merchant hears only from that merchant (a customer id in
  // another merchant's event or order reaches nobody there).
  const addressed = expanded
    .filter(({ draft, userId }) => {
      const home = reach.get(userId)?.merchantId ?? null;
      return draft.merchantId === null || home === null || home === draft.merchantId;
    })
    .map((a) => ({ ...a, id: `ntf_${randomUUID()}` }));
  if (addressed.length === 0) return [];

  // Routed now for every notification; only those actually inserted keep their deliveries.
  const deliveries = addressed.flatMap(({ draft, userId, id }) =>
    route(draft.priority, preferences.get(`${userId}|${draft.type}`), reach.get(userId) ?? NOT_REACHABLE).map((r) => ({
      notificationId: id,
      userId,
      channel: r.channel,
      status: r.status,
      lastError: r.status === 'FAILED' ? r.error : null,
    })),
  );
  const col = <T>(f: (a: (typeof addressed)[number]) => T) => addressed.map(f);
  const rows = await tx.$queryRawUnsafe<Row[]>(
    INSERT_NOTIFICATIONS,
    col((a) => a.id),
    col((a) => a.userId),
    col((a) => a.draft.merchantId),
    col((a) => a.draft.type),
    col((a) => a.draft.priority),
    col((a) => a.draft.title),
    col((a) => a.draft.body),
    col((a) => JSON.stringify(a.draft.data)),
    col((a) => a.draft.dedupKey),
    deliveries.map((d) => d.notificationId),
    deliveries.map((d) => d.userId),
    deliveries.map((d) => d.channel),
    deliveries.map((d) => d.status),
    deliveries.map((d) => d.lastError),
  );
  return rows.map(toNotification).sort((a, b) => (a.seq < b.seq ? -1 : 1));
}
