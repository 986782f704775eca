/** Wallet reads: the wallet, its owner's wallets, its ledger, and its balance at a version. */
import type { PrismaClient } from '../db/client.js';
import type { LedgerEntry, Wallet } from '../generated/prisma/client.js';
import type { PaymentEventType } from '../payments/types.js';
import { entryToChange, type BalanceChange, type LedgerEntryRecord, type WalletChangeReason, type WalletRecord } from './types.js';

export interface LedgerPage {
  entries: LedgerEntryRecord[];
  hasNextPage: boolean;
}

export interface WalletService {
  byId(id: string): Promise<WalletRecord | undefined>;
  byOwner(ownerId: string): Promise<WalletRecord[]>;
  /** Newest first: entries with a version below `beforeVersion` (all when undefined). */
  ledger(args: { walletId: string; beforeVersion?: bigint | undefined; first: number }): Promise<LedgerPage>;
  /** The balance now, with the entry that made it (version 0: none); undefined for an unknown wallet. */
  current(walletId: string): Promise<BalanceChange | undefined>;
  /** Balances at versions from..to (inclusive), oldest first, read from the ledger (gap filling). */
  changes(walletId: string, from: bigint, to: bigint): Promise<BalanceChange[]>;
}

const toWallet = (w: Wallet): WalletRecord => ({ ...w, currency: w.currency.trim() });
const toEntry = (e: LedgerEntry): LedgerEntryRecord => ({ ...e, eventType: e.eventType as PaymentEventType, reason: e.reason as WalletChangeReason });

export function createWalletService(prisma: PrismaClient): WalletService {
  return {
    async byId(id) {
      const w = await prisma.wallet.findUnique({ where: { id } });
      return w ? toWallet(w) : undefined;
    },
    async byOwner(ownerId) {
      const rows = await prisma.wallet.findMany({ where: { ownerId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      return rows.map(toWallet);
    },
    async ledger({ walletId, beforeVersion, first }) {
      const rows = await prisma.ledgerEntry.findMany({
        where: { walletId, ...(beforeVersion !== undefined ? { version: { lt: beforeVersion } } : {}) },
        orderBy: { version: 'desc' },
        take: first + 1,
      });
      return { entries: rows.slice(0, first).map(toEntry), hasNextPage: rows.length > first };
    },
    async current(walletId) {
      const w = await prisma.wallet.findUnique({ where: { id: walletId } });
      if (!w) return undefined;
      const wallet = toWallet(w);
      if (wallet.version === 0n) {
        return { walletId, currency: wallet.currency, availableMinor: 0n, pendingMinor: 0n, version: 0n, reason: null, eventId: null, at: wallet.createdAt };
      }
      // The wallet row always equals its last entry's result; the entry also says what caused it.
      const last = await prisma.ledgerEntry.findUniqueOrThrow({ where: { walletId_version: { walletId, version: wallet.version } } });
      return entryToChange(toEntry(last), wallet.currency);
    },
    async changes(walletId, from, to) {
      if (to < from) return [];
      const w = await prisma.wallet.findUnique({ where: { id: walletId }, select: { currency: true } });
      if (!w) return [];
      const rows = await prisma.ledgerEntry.findMany({ where: { walletId, version: { gte: from, lte: to } }, orderBy: { version: 'asc' } });
      return rows.map((e) => entryToChange(toEntry(e), w.currency.trim()));
    },
  };
}
