/**
 * The wallet ingest effect: runs inside the ingest transaction (the merchant row is locked) for
 * the events just stored. Balances are a function of the SET of the merchant's stored events
 * (docs/wallets.md), whatever order, batching or redelivery brought them:
 *
 *   1. open the wallets the new events name with a customerId (opening event = the earliest such
 *      event; a late earlier one re-opens the wallet with its owner and currency);
 *   2. re-derive every deposit and transfer the new events touch (all keys of a wallet that was
 *      just opened or re-opened in another currency) from ALL their stored events, and apply each
 *      to the wallet its earliest wallet-naming event names (./rules.ts);
 *   3. compare with what `wallet_payments` says each wallet held for it, and write one ledger
 *      entry per difference, moving the balances by exactly that difference.
 *
 * Guarantees: nothing is credited, refunded or debited twice (a re-derivation of the same set
 * writes a zero difference); every balance change is one ledger entry and the wallet row always
 * equals its last entry; a wallet's version rises by exactly 1 per entry (unique (merchant,
 * wallet, version)); wallet rows are locked in id order while changed; changes are published
 * only after commit, one message per version, in version order.
 */
import type { SqlTx } from '../db/sql-transaction.js';
import type { AfterCommit, IngestEffect } from '../ingest/pipeline.js';
import { bigintOf } from '../lib/bigint-of.js';
import { compareCodePoints } from '../lib/code-points.js';
import type { Logger } from '../lib/logger.js';
import { earliest } from '../payments/event-order.js';
import type { PaymentEventRecord, PaymentEventType } from '../payments/types.js';
import type { PubSub } from '../pubsub/index.js';
import { contributionOf, kindOf, movesMoney, reasonFor, type Contribution, type ContributionKind, type ContributionStatus } from './rules.js';
import { toBalanceMessage, walletChannelKey, type BalanceChange, type WalletChangeReason } from './types.js';

export interface WalletEffectDeps {
  pubsub: PubSub;
  logger: Logger;
}

interface StoredEvent {
  event_id: string;
  merchant_seq: bigint;
  type: PaymentEventType;
  amount_minor: bigint;
  currency: string;
  customer_id: string | null;
  wallet_id: string | null;
  payment_key: string;
  occurred_at: Date;
}

interface WalletRow {
  id: string;
  owner_id: string;
  currency: string;
  available_minor: string;
  pending_minor: string;
  version: bigint;
  opened_by: string | null;
}

interface HeldRow {
  wallet_id: string;
  payment_key: string;
  kind: ContributionKind;
  status: ContributionStatus;
  available_minor: string;
  pending_minor: string;
}

/** A wallet being changed in this transaction. */
interface Wallet {
  id: string;
  currency: string;
  available: bigint;
  pending: bigint;
  version: bigint;
  openedBy: string | null;
  /** Opened or re-opened in another currency now: every key naming it is re-derived. */
  reopened: boolean;
}

interface Entry {
  walletId: string;
  eventId: string;
  eventType: PaymentEventType;
  paymentKey: string;
  reason: WalletChangeReason;
  availableDelta: bigint;
  pendingDelta: bigint;
  available: bigint;
  pending: bigint;
  version: bigint;
}

const facts = (e: StoredEvent) => ({ eventId: e.event_id, type: e.type, amountMinor: e.amount_minor, occurredAt: e.occurred_at });
const cell = (walletId: string, key: string, kind: ContributionKind) => JSON.stringify([walletId, key, kind]);

/** Which wallets the events open now (owner, currency and opening event from the earliest event naming each with a customerId). */
async function openWallets(tx: SqlTx, merchantId: string, inserted: readonly PaymentEventRecord[], logger: Logger): Promise<Map<string, Wallet>> {
  const named = [...new Set(inserted.filter((e) => e.walletId !== null && e.customerId !== null).map((e) => e.walletId!))];
  const wallets = new Map<string, Wallet>();
  if (named.length === 0) return wallets;
  const openers = await tx.$queryRawUnsafe<StoredEvent[]>(
    `SELECT event_id, merchant_seq, type, amount_minor, trim(currency) AS currency, customer_id, wallet_id, payment_key, occurred_at
     FROM payment_events WHERE merchant_id = $1 AND wallet_id = ANY($2::text[]) AND customer_id IS NOT NULL`,
    merchantId,
    named,
  );
  const existing = await lockWallets(tx, merchantId, named);
  const byWallet = new Map<string, StoredEvent[]>();
  for (const e of openers) byWallet.set(e.wallet_id!, [...(byWallet.get(e.wallet_id!) ?? []), e]);
  /** [id, owner, currency, opening event] of the wallets opened now, and of those re-opened. */
  const created: [string, string, string, string][] = [];
  const reopened: [string, string, string, string][] = [];
  for (const walletId of named.sort(compareCodePoints)) {
    const opening = earliest((byWallet.get(walletId) ?? []).map((e) => ({ ...e, eventId: e.event_id, occurredAt: e.occurred_at })))!;
    const row = existing.get(walletId);
    if (!row) {
      created.push([walletId, opening.customer_id!, opening.currency, opening.event_id]);
      wallets.set(walletId, { id: walletId, currency: opening.currency, available: 0n, pending: 0n, version: 0n, openedBy: opening.event_id, reopened: true });
      continue;
    }
    const wallet = toWallet(row);
    if (row.opened_by !== opening.event_id || row.owner_id !== opening.customer_id || wallet.currency !== opening.currency) {
      if (wallet.currency !== opening.currency || row.owner_id !== opening.customer_id) {
        logger.warn({ merchantId, walletId, openingEventId: opening.event_id }, 'an earlier event re-opened the wallet with its owner and currency');
      }
      reopened.push([walletId, opening.customer_id!, opening.currency, opening.event_id]);
      wallet.reopened = wallet.currency !== opening.currency;
      wallet.currency = opening.currency;
      wallet.openedBy = opening.event_id;
    }
    wallets.set(walletId, wallet);
  }
  if (created.length + reopened.length > 0) {
    // One statement for every wallet opened or re-opened (disjoint rows: a CTE and the main part).
    await tx.$executeRawUnsafe(
      `WITH created AS (
         INSERT INTO wallets (merchant_id, id, owner_id, currency, opened_by)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
       )
       UPDATE wallets AS w SET owner_id = v.owner_id, currency = v.currency, opened_by = v.opened_by, updated_at = now()
       FROM unnest($6::text[], $7::text[], $8::text[], $9::text[]) AS v (id, owner_id, currency, opened_by)
       WHERE w.merchant_id = $1 AND w.id = v.id`,
      merchantId,
      ...[0, 1, 2, 3].map((i) => created.map((c) => c[i])),
      ...[0, 1, 2, 3].map((i) => reopened.map((c) => c[i])),
    );
  }
  return wallets;
}

async function lockWallets(tx: SqlTx, merchantId: string, ids: readonly string[]): Promise<Map<string, WalletRow>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.$queryRaw<WalletRow[]>`
    SELECT id, owner_id, trim(currency) AS currency, available_minor::text AS available_minor, pending_minor::text AS pending_minor, version, opened_by
    FROM wallets WHERE merchant_id = ${merchantId} AND id = ANY(${[...ids]}::text[]) ORDER BY id COLLATE "C" FOR UPDATE`;
  return new Map(rows.map((r) => [r.id, r]));
}

function toWallet(row: WalletRow): Wallet {
  return {
    id: row.id,
    currency: row.currency,
    available: bigintOf(row.available_minor),
    pending: bigintOf(row.pending_minor),
    version: row.version,
    openedBy: row.opened_by,
    reopened: false,
  };
}

export function createWalletEffect({ pubsub, logger }: WalletEffectDeps): IngestEffect {
  return async (tx, inserted, context): Promise<AfterCommit | undefined> => {
    const merchantId = context.merchant.id;
    const insertedKeys = [...new Set(inserted.map((e) => e.paymentKey))];

    // Keys that concern a wallet: one of their events names one (the new events need not).
    const keys = new Set((await context.eventsOfKeys(insertedKeys)).filter((e) => e.walletId !== null).map((e) => e.paymentKey));
    const opened = await openWallets(tx, merchantId, inserted, logger);
    const reopened = [...opened.values()].filter((w) => w.reopened).map((w) => w.id);
    if (reopened.length > 0) {
      const all = await tx.$queryRaw<{ payment_key: string }[]>`
        SELECT DISTINCT payment_key FROM payment_events WHERE merchant_id = ${merchantId} AND wallet_id = ANY(${reopened}::text[])`;
      for (const r of all) keys.add(r.payment_key);
      // What the re-opened wallets held under their former currency is re-derived too.
      const held = await tx.$queryRaw<{ payment_key: string }[]>`
        SELECT DISTINCT payment_key FROM wallet_payments WHERE merchant_id = ${merchantId} AND wallet_id = ANY(${reopened}::text[])`;
      for (const r of held) keys.add(r.payment_key);
    }
    if (keys.size === 0) return undefined;
    const keyList = [...keys];

    const events = (await context.eventsOfKeys(keyList)).map(
      (e): StoredEvent => ({
        event_id: e.eventId,
        merchant_seq: e.merchantSeq,
        type: e.type,
        amount_minor: e.amountMinor,
        currency: e.currency,
        customer_id: e.customerId,
        wallet_id: e.walletId,
        payment_key: e.paymentKey,
        occurred_at: e.occurredAt,
      }),
    );
    const heldRows = await tx.$queryRawUnsafe<HeldRow[]>(
      `SELECT wallet_id, payment_key, kind, status, available_minor::text AS available_minor, pending_minor::text AS pending_minor
       FROM wallet_payments WHERE merchant_id = $1 AND payment_key = ANY($2::text[])`,
      merchantId,
      keyList,
    );

    // Every deposit and transfer of those keys: (key, currency, kind) → its events.
    const parts = new Map<string, { key: string; currency: string; kind: ContributionKind; events: StoredEvent[] }>();
    for (const e of events) {
      const kind = kindOf(e.type);
      const id = JSON.stringify([e.payment_key, e.currency, kind]);
      const part = parts.get(id) ?? { key: e.payment_key, currency: e.currency, kind, events: [] };
      part.events.push(e);
      parts.set(id, part);
    }
    const assigned = [...parts.values()].map((part) => ({
      ...part,
      walletId: earliest(part.events.filter((e) => e.wallet_id !== null).map((e) => ({ ...e, eventId: e.event_id, occurredAt: e.occurred_at })))?.wallet_id ?? null,
    }));

    // Lock every wallet that holds or may now hold one of them.
    const involved = new Set<string>([...heldRows.map((r) => r.wallet_id), ...assigned.flatMap((p) => (p.walletId ? [p.walletId] : []))]);
    const locked = await lockWallets(tx, merchantId, [...involved].filter((id) => !opened.has(id)));
    const wallets = new Map<string, Wallet>([...opened, ...[...locked].map(([id, row]) => [id, toWallet(row)] as const)]);

    const before = new Map<string, Contribution>(
      heldRows.map((r) => [cell(r.wallet_id, r.payment_key, r.kind), { kind: r.kind, status: r.status, availableMinor: bigintOf(r.available_minor), pendingMinor: bigintOf(r.pending_minor) }]),
    );
    const after = new Map<string, Contribution>();
    const insertedIds = new Set(inserted.map((e) => e.eventId));
    /** The cause of a change: the latest new event of that key and kind. */
    const causes = new Map<string, StoredEvent>();
    for (const part of assigned) {
      for (const e of part.events) {
        if (!insertedIds.has(e.event_id)) continue;
        const id = JSON.stringify([part.key, part.kind]);
        const seen = causes.get(id);
        if (!seen || e.merchant_seq > seen.merchant_seq) causes.set(id, e);
      }
      if (!part.walletId) continue;
      const wallet = wallets.get(part.walletId);
      const skip = (why: string) => {
        if (part.events.some((e) => insertedIds.has(e.event_id))) logger.warn({ merchantId, walletId: part.walletId, paymentKey: part.key }, `wallet event not applied: ${why}`);
      };
      if (!wallet) skip('the wallet is not open (no event naming it has a customerId yet)');
      else if (wallet.currency !== part.currency) skip(`the wallet holds ${wallet.currency}, the events are in ${part.currency}`);
      else {
        const contribution = contributionOf(part.kind, part.events.map(facts));
        if (contribution) after.set(cell(wallet.id, part.key, part.kind), contribution);
      }
    }

    // One entry per changed (wallet, key, kind), in a fixed order per wallet.
    const cells = [...new Set([...before.keys(), ...after.keys()])].sort(compareCodePoints);
    const entries: Entry[] = [];
    const upserts: [string, string, ContributionKind, Contribution][] = [];
    const deletes: [string, string, ContributionKind][] = [];
    const firstInserted = inserted[0]!;
    for (const id of cells) {
      const [walletId, key, kind] = JSON.parse(id) as [string, string, ContributionKind];
      const was = before.get(id);
      const now = after.get(id);
      if (now && (!was || was.status !== now.status || movesMoney(was, now))) upserts.push([walletId, key, kind, now]);
      if (!now && was) deletes.push([walletId, key, kind]);
      if (!movesMoney(was, now)) continue;
      const wallet = wallets.get(walletId)!;
      const cause = causes.get(JSON.stringify([key, kind]));
      const availableDelta = (now?.availableMinor ?? 0n) - (was?.availableMinor ?? 0n);
      const pendingDelta = (now?.pendingMinor ?? 0n) - (was?.pendingMinor ?? 0n);
      wallet.available += availableDelta;
      wallet.pending += pendingDelta;
      wallet.version += 1n;
      const openingEvent = wallet.openedBy !== null && insertedIds.has(wallet.openedBy) ? inserted.find((e) => e.eventId === wallet.openedBy) : undefined;
      entries.push({
        walletId,
        eventId: cause?.event_id ?? openingEvent?.eventId ?? firstInserted.eventId,
        eventType: cause?.type ?? openingEvent?.type ?? firstInserted.type,
        paymentKey: key,
        reason: reasonFor(was, now),
        availableDelta,
        pendingDelta,
        available: wallet.available,
        pending: wallet.pending,
        version: wallet.version,
      });
      if (now?.status === 'debited' && wallet.available < 0n) logger.warn({ merchantId, walletId, paymentKey: key }, 'wallet overdrawn by a provider-reported debit');
    }

    if (entries.length === 0 && upserts.length + deletes.length === 0) return undefined;
    // Every write of the wallets in one statement: what each deposit or transfer holds (upserted
    // and deleted rows are disjoint), the wallet rows, and the ledger entries.
    const changed = [...new Set(entries.map((e) => e.walletId))].map((id) => wallets.get(id)!);
    const stored = await tx.$queryRawUnsafe<{ wallet_id: string; version: bigint; created_at: Date }[]>(
      `WITH held AS (
         INSERT INTO wallet_payments AS t (merchant_id, wallet_id, payment_key, kind, status, available_minor, pending_minor)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::numeric[])
         ON CONFLICT (merchant_id, wallet_id, payment_key, kind) DO UPDATE SET
           status = EXCLUDED.status, available_minor = EXCLUDED.available_minor, pending_minor = EXCLUDED.pending_minor
       ), released AS (
         DELETE FROM wallet_payments WHERE merchant_id = $1
           AND (wallet_id, payment_key, kind) IN (SELECT * FROM unnest($8::text[], $9::text[], $10::text[]))
       ), balances AS (
         UPDATE wallets AS w SET available_minor = v.available, pending_minor = v.pending, version = v.version, updated_at = now()
         FROM unnest($21::text[], $22::numeric[], $23::numeric[], $24::bigint[]) AS v (id, available, pending, version)
         WHERE w.merchant_id = $1 AND w.id = v.id
       )
       INSERT INTO ledger_entries (merchant_id, wallet_id, event_id, event_type, payment_key, reason, actor,
         available_delta_minor, pending_delta_minor, available_minor, pending_minor, version)
       SELECT $1, w, e, et, k, r, 'event:' || e, ad, pd, a, p, v
       FROM unnest($11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::numeric[], $17::numeric[], $18::numeric[], $19::numeric[],
         $20::bigint[]) WITH ORDINALITY AS u (w, e, et, k, r, ad, pd, a, p, v, ord)
       ORDER BY ord
       RETURNING wallet_id, version, created_at`,
      merchantId,
      upserts.map((u) => u[0]),
      upserts.map((u) => u[1]),
      upserts.map((u) => u[2]),
      upserts.map((u) => u[3].status),
      upserts.map((u) => u[3].availableMinor.toString()),
      upserts.map((u) => u[3].pendingMinor.toString()),
      deletes.map((d) => d[0]),
      deletes.map((d) => d[1]),
      deletes.map((d) => d[2]),
      entries.map((e) => e.walletId),
      entries.map((e) => e.eventId),
      entries.map((e) => e.eventType),
      entries.map((e) => e.paymentKey),
      entries.map((e) => e.reason),
      entries.map((e) => e.availableDelta.toString()),
      entries.map((e) => e.pendingDelta.toString()),
      entries.map((e) => e.available.toString()),
      entries.map((e) => e.pending.toString()),
      entries.map((e) => e.version),
      changed.map((w) => w.id),
      changed.map((w) => w.available.toString()),
      changed.map((w) => w.pending.toString()),
      changed.map((w) => w.version),
    );
    if (entries.length === 0) return undefined;
    context.ledgerWritten = true;

    const createdAt = new Map(stored.map((r) => [`${r.wallet_id}|${r.version}`, r.created_at]));
    const messages = entries.map((e): BalanceChange => ({
      walletId: e.walletId,
      merchantId,
      currency: wallets.get(e.walletId)!.currency,
      availableMinor: e.available,
      pendingMinor: e.pending,
      version: e.version,
      reason: e.reason,
      eventId: e.eventId,
      at: createdAt.get(`${e.walletId}|${e.version}`) ?? new Date(),
    }));
    return async () => {
      // Issued together, in version order per wallet: one Redis connection keeps their order.
      const results = await Promise.allSettled(
        messages.map((m) => pubsub.publish('walletBalance', walletChannelKey({ merchantId, walletId: m.walletId }), toBalanceMessage(m))),
      );
      const failed = results.find((r) => r.status === 'rejected');
      // Subscribers fill a version gap from the ledger at the wallet's next change.
      if (failed) throw failed.reason;
    };
  };
}
