/**
 * Wallet reads: a wallet, its owner's wallets, its ledger, and its balance at a version. A wallet
 * is named by (merchant, wallet id): ids are unique per merchant only (docs/wallets.md).
 */
import type { PrismaClient } from '../db/client.js';
import type { LedgerEntry, Wallet } from '../generated/prisma/client.js';
import { bigintOf } from '../lib/bigint-of.js';
import type { PaymentEventType } from '../payments/types.js';
import { entryToChange, type BalanceChange, type LedgerEntryRecord, type WalletChangeReason, type WalletKey, type WalletRecord } from './types.js';

export interface LedgerPage {
  entries: LedgerEntryRecord[];
  hasNextPage: boolean;
}

export interface WalletService {
  byKey(key: WalletKey): Promise<WalletRecord | undefined>;
  /** Every wallet with this id, at any merchant (to resolve a wallet named without its merchant). */
  withId(walletId: string): Promise<WalletRecord[]>;
  /** The owner's wallets, oldest first; only at `merchantId` when given. */
  byOwner(ownerId: string, merchantId?: string | null): Promise<WalletRecord[]>;
  /** Newest first: entries with a version below `beforeVersion` (all when undefined). */
  ledger(args: WalletKey & { beforeVersion?: bigint | undefined; first: number }): Promise<LedgerPage>;
  /** The balance now, with the entry that made it (version 0: none); undefined for an unknown wallet. */
  current(key: WalletKey): Promise<BalanceChange | undefined>;
  /** Balances at versions from..to (inclusive), oldest first, read from the ledger (gap filling). */
  changes(key: WalletKey, from: bigint, to: bigint): Promise<BalanceChange[]>;
}

const toWallet = (w: Wallet): WalletRecord => ({
  id: w.id,
  merchantId: w.merchantId,
  ownerId: w.ownerId,
  currency: w.currency.trim(),
  availableMinor: bigintOf(w.availableMinor),
  pendingMinor: bigintOf(w.pendingMinor),
  version: w.version,
  createdAt: w.createdAt,
  updatedAt: w.updatedAt,
});

export const toLedgerEntry = (e: LedgerEntry): LedgerEntryRecord => ({
  ...e,
  eventType: e.eventType as PaymentEventType,
  reason: e.reason as WalletChangeReason,
  availableDeltaMinor: bigintOf(e.availableDeltaMinor),
  pendingDeltaMinor: bigintOf(e.pendingDeltaMinor),
  availableMinor: bigintOf(e.availableMinor),
  pendingMinor: bigintOf(e.pendingMinor),
});

const where = ({ merchantId, walletId }: WalletKey) => ({ merchantId, walletId });

export function createWalletService(prisma: PrismaClient): WalletService {
  async function byKey({ merchantId, walletId }: WalletKey) {
    const w = await prisma.wallet.findUnique({ where: { merchantId_id: { merchantId, id: walletId } } });
    return w ? toWallet(w) : undefined;
  }
  return {
    byKey,
    async withId(walletId) {
      const rows = await prisma.wallet.findMany({ where: { id: walletId }, orderBy: { merchantId: 'asc' } });
      return rows.map(toWallet);
    },
    async byOwner(ownerId, merchantId) {
      const rows = await prisma.wallet.findMany({
        where: { ownerId, ...(merchantId ? { merchantId } : {}) },
        orderBy: [{ createdAt: 'asc' }, { merchantId: 'asc' }, { id: 'asc' }],
      });
      return rows.map(toWallet);
    },
    async ledger({ beforeVersion, first, ...key }) {
      const rows = await prisma.ledgerEntry.findMany({
        where: { ...where(key), ...(beforeVersion !== undefined ? { version: { lt: beforeVersion } } : {}) },
        orderBy: { version: 'desc' },
        take: first + 1,
      });
      return { entries: rows.slice(0, first).map(toLedgerEntry), hasNextPage: rows.length > first };
    },
    async current(key) {
      const wallet = await byKey(key);
      if (!wallet) return undefined;
      if (wallet.version === 0n) {
        return { ...key, currency: wallet.currency, availableMinor: 0n, pendingMinor: 0n, version: 0n, reason: null, eventId: null, at: wallet.createdAt };
      }
      // The wallet row always equals its last entry's result; the entry also says what caused it.
      const last = await prisma.ledgerEntry.findUniqueOrThrow({
        where: { merchantId_walletId_version: { merchantId: key.merchantId, walletId: key.walletId, version: wallet.version } },
      });
      return entryToChange(toLedgerEntry(last), wallet.currency);
    },
    async changes(key, from, to) {
      if (to < from) return [];
      const wallet = await byKey(key);
      if (!wallet) return [];
      const rows = await prisma.ledgerEntry.findMany({ where: { ...where(key), version: { gte: from, lte: to } }, orderBy: { version: 'asc' } });
      return rows.map((e) => entryToChange(toLedgerEntry(e), wallet.currency));
    },
  };
}
