/**
 * The audit trail of one merchant (docs/tracking.md): every balance change (wallet ledger
 * entries) and every order status change, newest first, each with its actor, cause and time.
 * Both sources are append-only; a page merges the next entries of each by (time, kind, id).
 */
import { bigintOf } from '../lib/bigint-of.js';
import type { PrismaClient } from '../db/client.js';

export type AuditKind = 'BALANCE' | 'ORDER';

export interface AuditEntry {
  kind: AuditKind;
  id: bigint;
  at: Date;
  /** A user id, `apiKey:<id>`, or `event:<eventId>`. */
  actor: string;
  /** The wallet change reason, or the order change's reason (free text or the event type). */
  cause: string | null;
  eventId: string | null;
  walletId: string | null;
  orderId: string | null;
  version: bigint;
  currency: string | null;
  availableDeltaMinor: bigint | null;
  pendingDeltaMinor: bigint | null;
  availableMinor: bigint | null;
  pendingMinor: bigint | null;
  fromStatus: string | null;
  toStatus: string | null;
}

export interface AuditFilter {
  walletId?: string | undefined;
  orderId?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

/** Position in the newest-first order: time, then kind, then id (all descending). */
export interface AuditCursor {
  at: Date;
  kind: AuditKind;
  id: bigint;
}

export interface AuditService {
  page(merchantId: string, filter: AuditFilter, first: number, after?: AuditCursor): Promise<{ entries: AuditEntry[]; hasNextPage: boolean }>;
}

const KIND_RANK: Record<AuditKind, number> = { BALANCE: 1, ORDER: 0 };

export function encodeAuditCursor(c: AuditCursor): string {
  return Buffer.from(`${c.at.getTime()}:${c.kind}:${c.id}`).toString('base64url');
}

export function decodeAuditCursor(raw: string): AuditCursor | undefined {
  const match = /^(\d{1,15}):(BALANCE|ORDER):(\d{1,19})$/.exec(Buffer.from(raw, 'base64url').toString());
  if (!match) return undefined;
  const id = BigInt(match[3]!);
  if (id > 9_223_372_036_854_775_807n) return undefined;
  return { at: new Date(Number(match[1])), kind: match[2] as AuditKind, id };
}

/** Rows of one source strictly after the cursor in newest-first order. */
function afterCursor(kind: AuditKind, after: AuditCursor | undefined) {
  if (!after) return {};
  const same = KIND_RANK[kind] === KIND_RANK[after.kind];
  const before = KIND_RANK[kind] < KIND_RANK[after.kind];
  if (before) return { createdAt: { lte: after.at } };
  if (!same) return { createdAt: { lt: after.at } };
  return { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] };
}

function newestFirst(a: AuditEntry, b: AuditEntry): number {
  return b.at.getTime() - a.at.getTime() || KIND_RANK[b.kind] - KIND_RANK[a.kind] || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export function createAuditService(prisma: PrismaClient): AuditService {
  return {
    async page(merchantId, filter, first, after) {
      const time = { ...(filter.since ? { gte: filter.since } : {}), ...(filter.until ? { lt: filter.until } : {}) };
      const take = first + 1;
      const [ledger, orders] = await Promise.all([
        filter.orderId
          ? []
          : prisma.ledgerEntry.findMany({
              where: { AND: [{ merchantId, ...(filter.walletId ? { walletId: filter.walletId } : {}), createdAt: time }, afterCursor('BALANCE', after)] },
              include: { wallet: { select: { currency: true } } },
              orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
              take,
            }),
        filter.walletId
          ? []
          : prisma.orderStatusChange.findMany({
              where: { AND: [{ order: { merchantId }, ...(filter.orderId ? { orderId: filter.orderId } : {}), createdAt: time }, afterCursor('ORDER', after)] },
              orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
              take,
            }),
      ]);
      const entries: AuditEntry[] = [
        ...ledger.map((e) => ({
          kind: 'BALANCE' as const,
          id: e.id,
          at: e.createdAt,
          actor: e.actor,
          cause: e.reason,
          eventId: e.eventId,
          walletId: e.walletId,
          orderId: null,
          version: e.version,
          currency: e.wallet.currency.trim(),
          availableDeltaMinor: bigintOf(e.availableDeltaMinor),
          pendingDeltaMinor: bigintOf(e.pendingDeltaMinor),
          availableMinor: bigintOf(e.availableMinor),
          pendingMinor: bigintOf(e.pendingMinor),
          fromStatus: null,
          toStatus: null,
        })),
        ...orders.map((c) => ({
          kind: 'ORDER' as const,
          id: c.id,
          at: c.createdAt,
          actor: c.actor,
          cause: c.reason,
          eventId: c.actor.startsWith('event:') ? c.actor.slice('event:'.length) : null,
          walletId: null,
          orderId: c.orderId,
          version: c.version,
          currency: null,
          availableDeltaMinor: null,
          pendingDeltaMinor: null,
          availableMinor: null,
          pendingMinor: null,
          fromStatus: c.fromStatus,
          toStatus: c.toStatus,
        })),
      ].sort(newestFirst);
      return { entries: entries.slice(0, first), hasNextPage: entries.length > first };
    },
  };
}
