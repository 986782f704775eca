/**
 * The wallet ingest effect: runs inside the ingest transaction (the merchant row is locked) for
 * the events just stored, and applies those naming a `walletId` to that wallet's balances through
 * ledger entries (the rules are in ./rules.ts and docs/wallets.md).
 *
 * Guarantees:
 * - every balance change is one ledger entry referencing the event that caused it, and the
 *   wallet's balances always equal the last entry's result;
 * - an event applies to a wallet at most once: duplicates never reach effects, and the unique
 *   (wallet, merchant, event id) index would abort the transaction if one ever did;
 * - a wallet's version rises by exactly 1 per entry (unique (wallet, version)); wallet rows are
 *   locked (`FOR UPDATE`, in id order) while changed;
 * - changes are published only after the transaction committed, one message per version, in
 *   version order.
 */
import type { Tx } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
import type { AfterCommit, IngestEffect } from '../ingest/pipeline.js';
import type { Logger } from '../lib/logger.js';
import { paymentKeyOf, type PaymentEventRecord } from '../payments/types.js';
import type { PubSub } from '../pubsub/index.js';
import { changeFor, fold, NOTHING_YET, type PaymentInWallet } from './rules.js';
import { entryToChange, toBalanceMessage, type LedgerEntryRecord, type WalletChangeReason } from './types.js';

interface LockedWallet {
  id: string;
  merchant_id: string;
  currency: string;
  available_minor: bigint;
  pending_minor: bigint;
  version: bigint;
}

interface KeyTotals {
  wallet_id: string;
  payment_key: string;
  reason: WalletChangeReason;
  available: bigint;
  pending: bigint;
}

export interface WalletEffectDeps {
  pubsub: PubSub;
  logger: Logger;
}

/** Wallets named for the first time are created, owned by the `customerId` of the first event that names one. */
async function createNamedWallets(tx: Tx, merchantId: string, events: readonly PaymentEventRecord[]): Promise<void> {
  const fresh = new Map<string, { owner: string; currency: string }>();
  for (const e of events) {
    if (e.walletId !== null && e.customerId !== null && !fresh.has(e.walletId)) fresh.set(e.walletId, { owner: e.customerId, currency: e.currency });
  }
  if (fresh.size === 0) return;
  // ON CONFLICT: the wallet exists (maybe another merchant's, which the caller then refuses).
  await tx.$executeRaw`
    INSERT INTO wallets (id, merchant_id, owner_id, currency)
    VALUES ${Prisma.join([...fresh].map(([id, w]) => Prisma.sql`(${id}, ${merchantId}, ${w.owner}, ${w.currency})`))}
    ON CONFLICT (id) DO NOTHING`;
}

/** Per (wallet, payment key): what the ledger holds so far. */
async function paymentsInWallets(tx: Tx, walletIds: string[], keys: string[]): Promise<Map<string, PaymentInWallet>> {
  const rows = await tx.$queryRaw<KeyTotals[]>`
    SELECT wallet_id, payment_key, reason, sum(available_delta_minor)::bigint AS available, sum(pending_delta_minor)::bigint AS pending
    FROM ledger_entries WHERE wallet_id IN (${Prisma.join(walletIds)}) AND payment_key IN (${Prisma.join(keys)})
    GROUP BY wallet_id, payment_key, reason`;
  const states = new Map<string, PaymentInWallet>();
  for (const r of rows) {
    const id = `${r.wallet_id}|${r.payment_key}`;
    const p = { ...(states.get(id) ?? NOTHING_YET) };
    p.held += r.pending;
    if (r.reason === 'deposit_completed') {
      p.completed = true;
      p.credited += r.available;
    } else if (r.reason === 'refund') p.refunded -= r.available;
    else if (r.reason === 'transfer_out') p.transferred -= r.available;
    else if (r.reason === 'transfer_reversed') p.reversed = true;
    states.set(id, p);
  }
  return states;
}

export function createWalletEffect({ pubsub, logger }: WalletEffectDeps): IngestEffect {
  return async (tx, inserted): Promise<AfterCommit | undefined> => {
    const relevant = inserted.filter((e) => e.walletId !== null);
    if (relevant.length === 0) return undefined;
    const merchantId = relevant[0]!.merchantId;
    const walletIds = [...new Set(relevant.map((e) => e.walletId!))].sort();

    await createNamedWallets(tx, merchantId, relevant);
    const locked = await tx.$queryRaw<LockedWallet[]>`
      SELECT id, merchant_id, currency, available_minor, pending_minor, version
      FROM wallets WHERE id IN (${Prisma.join(walletIds)}) ORDER BY id FOR UPDATE`;
    const wallets = new Map(locked.map((w) => [w.id, w]));
    const states = await paymentsInWallets(tx, walletIds, [...new Set(relevant.map((e) => paymentKeyOf(e)))]);

    const entries: Omit<LedgerEntryRecord, 'id' | 'createdAt'>[] = [];
    const changed = new Set<LockedWallet>();
    // `inserted` is in merchant-sequence order: the order the events happened for this merchant.
    for (const event of relevant) {
      const wallet = wallets.get(event.walletId!);
      const skip = (why: string) => logger.warn({ merchantId, eventId: event.eventId, walletId: event.walletId }, `wallet event not applied: ${why}`);
      if (!wallet) {
        skip('no such wallet, and no customerId to create it for');
        continue;
      }
      if (wallet.merchant_id !== merchantId) {
        skip("the wallet belongs to another merchant");
        continue;
      }
      if (wallet.currency.trim() !== event.currency) {
        skip(`the wallet holds ${wallet.currency.trim()}, the event is in ${event.currency}`);
        continue;
      }
      const paymentKey = paymentKeyOf(event);
      const stateId = `${wallet.id}|${paymentKey}`;
      const state = states.get(stateId) ?? NOTHING_YET;
      const change = changeFor(event.type, event.amountMinor, state);
      if (!change) continue;
      states.set(stateId, fold(state, change));
      wallet.available_minor += change.availableDelta;
      wallet.pending_minor += change.pendingDelta;
      wallet.version += 1n;
      changed.add(wallet);
      if (wallet.available_minor < 0n) logger.warn({ merchantId, eventId: event.eventId, walletId: wallet.id }, 'wallet overdrawn by a provider-reported debit');
      entries.push({
        walletId: wallet.id,
        merchantId,
        eventId: event.eventId,
        eventType: event.type,
        paymentKey,
        reason: change.reason,
        actor: `event:${event.eventId}`,
        availableDeltaMinor: change.availableDelta,
        pendingDeltaMinor: change.pendingDelta,
        availableMinor: wallet.available_minor,
        pendingMinor: wallet.pending_minor,
        version: wallet.version,
      });
    }
    if (entries.length === 0) return undefined;

    const stored = (await tx.ledgerEntry.createManyAndReturn({ data: entries })) as LedgerEntryRecord[];
    await tx.$executeRaw`
      UPDATE wallets AS w SET available_minor = v.available, pending_minor = v.pending, version = v.version, updated_at = now()
      FROM (VALUES ${Prisma.join(
        [...changed].map((w) => Prisma.sql`(${w.id}, ${w.available_minor}::bigint, ${w.pending_minor}::bigint, ${w.version}::bigint)`),
      )}) AS v (id, available, pending, version)
      WHERE w.id = v.id`;

    const messages = stored
      .sort((a, b) => (a.walletId === b.walletId ? (a.version < b.version ? -1 : 1) : a.walletId < b.walletId ? -1 : 1))
      .map((entry) => toBalanceMessage(entryToChange(entry, wallets.get(entry.walletId)!.currency.trim())));
    return async () => {
      // Issued together: one Redis connection keeps their order.
      const results = await Promise.allSettled(messages.map((m) => pubsub.publish('walletBalance', m.walletId, m)));
      const failed = results.find((r) => r.status === 'rejected');
      // Subscribers fill a version gap from the ledger at the wallet's next change.
      if (failed) throw failed.reason;
    };
  };
}
