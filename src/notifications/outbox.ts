/**
 * The outbox, inside the caller's transaction: notifications and their deliveries are written
 * with the change that caused them (an ingested event, an order change), so they exist exactly
 * when that change committed. A cause already notified (same user and dedup key) writes
 * nothing, which is why a redelivered event never creates a second delivery.
 */
import { randomUUID } from 'node:crypto';
import type { SqlTx } from '../db/sql-transaction.js';
import type { JsonObject } from '../payments/types.js';
import { NOT_REACHABLE, route, type Reach } from './routing.js';
import type { NotificationDraft, NotificationRecord, Priority, PreferenceRecord } from './types.js';

type Row = { id: string; seq: bigint; userId: string; merchantId: string | null; type: string; priority: string; title: string; body: string; data: unknown; readAt: Date | null; createdAt: Date };

export const toNotification = (r: Row): NotificationRecord => ({ ...r, priority: r.priority as Priority, data: (r.data ?? {}) as JsonObject });

/** Staff not seen using notifications for this long stop receiving their merchant's. */
export const STAFF_ENROLLMENT_DAYS = 30;

interface Recipient extends Reach {
  /** The merchant the user's token named, if any: another merchant's notifications never reach them. */
  merchantId: string | null;
}

type Preferences = Omit<PreferenceRecord, 'type'>;

/**
 * The users the drafts' audiences mean right now (staff of a merchant role seen within
 * STAFF_ENROLLMENT_DAYS, in user id order), and every such user's reach and preferences for the
 * drafts' types: one statement. Its rows are the audience members (`member`), then one row per
 * user (`user`).
 */
const AUDIENCES_AND_RECIPIENTS = `
WITH members AS (
  SELECT user_id, merchant_id, role FROM notification_recipients
  WHERE (merchant_id, role) IN (SELECT * FROM unnest($3::text[], $4::text[]))
    AND seen_at > now() - make_interval(days => ${STAFF_ENROLLMENT_DAYS})
), users AS (
  SELECT id FROM unnest($1::text[]) AS u(id) UNION SELECT user_id FROM members
)
SELECT * FROM (
  SELECT 'member' AS kind, user_id, merchant_id, role, NULL::boolean AS verified_email, NULL::boolean AS verified_phone, NULL::int8 AS tokens, NULL::json AS preferences
  FROM members
  UNION ALL
  SELECT 'user', u.id, r.merchant_id, NULL,
    coalesce(r.email IS NOT NULL AND r.email_verified_at IS NOT NULL, false),
    coalesce(r.phone IS NOT NULL AND r.phone_verified_at IS NOT NULL, false),
    (SELECT count(*) FROM device_tokens t WHERE t.user_id = u.id),
    (SELECT json_agg(json_build_object('type', p.type, 'push', p.push, 'email', p.email, 'sms', p.sms))
       FROM notification_preferences p WHERE p.user_id = u.id AND p.type = ANY($2::text[]))
  FROM users u LEFT JOIN notification_recipients r ON r.user_id = u.id
) rows
ORDER BY kind, user_id`;

type AudienceRow = {
  kind: 'member' | 'user';
  user_id: string;
  merchant_id: string | null;
  role: string | null;
  verified_email: boolean | null;
  verified_phone: boolean | null;
  tokens: bigint | null;
  preferences: { type: string; push: boolean | null; email: boolean | null; sms: boolean | null }[] | null;
};

/** Who each draft reaches (one entry per draft and user), and those users' reach and preferences. */
async function audiencesOf(
  tx: SqlTx,
  drafts: readonly NotificationDraft[],
): Promise<{ expanded: { draft: NotificationDraft; userId: string }[]; reach: Map<string, Recipient>; preferences: Map<string, Preferences> }> {
  const groups = new Map<string, { merchantId: string; role: string }>();
  const direct = new Set<string>();
  for (const d of drafts) {
    if (d.audience.kind === 'merchantRole') groups.set(`${d.audience.merchantId}|${d.audience.role}`, d.audience);
    else direct.add(d.audience.userId);
  }
  const rows = await tx.$queryRawUnsafe<AudienceRow[]>(
    AUDIENCES_AND_RECIPIENTS,
    [...direct],
    [...new Set(drafts.map((d) => d.type))],
    [...groups.values()].map((g) => g.merchantId),
    [...groups.values()].map((g) => g.role),
  );
  const members = new Map<string, string[]>();
  const reach = new Map<string, Recipient>();
  const preferences = new Map<string, Preferences>();
  for (const r of rows) {
    if (r.kind === 'member') {
      const group = `${r.merchant_id}|${r.role}`;
      members.set(group, [...(members.get(group) ?? []), r.user_id]);
      continue;
    }
    reach.set(r.user_id, { merchantId: r.merchant_id, pushTokens: Number(r.tokens), verifiedEmail: r.verified_email!, verifiedPhone: r.verified_phone! });
    for (const p of r.preferences ?? []) preferences.set(`${r.user_id}|${p.type}`, { push: p.push, email: p.email, sms: p.sms });
  }
  const expanded = drafts.flatMap((draft) => {
    const a = draft.audience;
    if (a.kind === 'user') return [{ draft, userId: a.userId }];
    const all = members.get(`${a.merchantId}|${a.role}`) ?? [];
    const chosen = a.userId !== undefined && all.includes(a.userId) ? [a.userId] : all;
    return chosen.map((userId) => ({ draft, userId }));
  });
  return { expanded, reach, preferences };
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
 * new (a cause already notified to a user is skipped, deliveries included). At most two
 * statements whatever the number of drafts: the audiences with their recipients' reach and
 * preferences, the writes.
 */
export async function stageNotifications(tx: SqlTx, drafts: readonly NotificationDraft[]): Promise<NotificationRecord[]> {
  if (drafts.length === 0) return [];
  const { expanded, reach, preferences } = await audiencesOf(tx, drafts);
  if (expanded.length === 0) return [];
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
