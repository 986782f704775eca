/** Wallet balances and their changes, as stored, streamed and sent between instances. */
import type { PaymentEventType } from '../payments/types.js';

/** Why a ledger entry moved a wallet (docs/wallets.md has the rules). */
export const WALLET_CHANGE_REASONS = [
  'deposit_pending',
  'deposit_completed',
  'deposit_failed',
  'refund',
  'transfer_out',
  'transfer_reversed',
  'correction',
] as const;
export type WalletChangeReason = (typeof WALLET_CHANGE_REASONS)[number];

/** A wallet's identity: wallet ids are unique per merchant only (docs/wallets.md). */
export interface WalletKey {
  merchantId: string;
  walletId: string;
}

/** The PubSub key of a wallet's balance channel: unambiguous whatever characters the ids hold. */
export function walletChannelKey({ merchantId, walletId }: WalletKey): string {
  return JSON.stringify([merchantId, walletId]);
}

export interface WalletRecord {
  id: string;
  merchantId: string;
  ownerId: string;
  currency: string;
  availableMinor: bigint;
  pendingMinor: bigint;
  version: bigint;
  createdAt: Date;
  updatedAt: Date;
}

export interface LedgerEntryRecord {
  id: bigint;
  walletId: string;
  merchantId: string;
  eventId: string;
  eventType: PaymentEventType;
  paymentKey: string;
  reason: WalletChangeReason;
  actor: string;
  availableDeltaMinor: bigint;
  pendingDeltaMinor: bigint;
  /** The wallet right after this entry. */
  availableMinor: bigint;
  pendingMinor: bigint;
  version: bigint;
  createdAt: Date;
}

/**
 * A wallet's balance at one version, and what brought it there. Version 0 (a wallet no event has
 * moved yet) has no reason and no event.
 */
export interface BalanceChange {
  walletId: string;
  merchantId: string;
  currency: string;
  availableMinor: bigint;
  pendingMinor: bigint;
  version: bigint;
  reason: WalletChangeReason | null;
  eventId: string | null;
  at: Date;
}

/** JSON-safe form of a BalanceChange, as it travels through PubSub. */
export type BalanceMessage = {
  [K in keyof BalanceChange]: BalanceChange[K] extends bigint | Date ? string : BalanceChange[K];
};

export function entryToChange(entry: LedgerEntryRecord, currency: string): BalanceChange {
  return {
    walletId: entry.walletId,
    merchantId: entry.merchantId,
    currency,
    availableMinor: entry.availableMinor,
    pendingMinor: entry.pendingMinor,
    version: entry.version,
    reason: entry.reason,
    eventId: entry.eventId,
    at: entry.createdAt,
  };
}

export function toBalanceMessage(c: BalanceChange): BalanceMessage {
  return {
    ...c,
    availableMinor: c.availableMinor.toString(),
    pendingMinor: c.pendingMinor.toString(),
    version: c.version.toString(),
    at: c.at.toISOString(),
  };
}

export function fromBalanceMessage(m: BalanceMessage): BalanceChange {
  return {
    ...m,
    availableMinor: BigInt(m.availableMinor),
    pendingMinor: BigInt(m.pendingMinor),
    version: BigInt(m.version),
    at: new Date(m.at),
  };
}
