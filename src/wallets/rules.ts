/**
 * Which event moves which balance (the table in docs/wallets.md), as a pure function of the event
 * and what the wallet's ledger already holds for the event's payment. One payment (one payment
 * key) is credited at most once, refunded at most up to what was credited, and a transfer is
 * debited at most once, whatever the providers resend under new event ids.
 */
import type { PaymentEventType } from '../payments/types.js';
import type { WalletChangeReason } from './types.js';

/** What one wallet's ledger holds for one payment key, folded from its entries. */
export interface PaymentInWallet {
  /** Pending amount held for the payment (sum of its pending deltas). */
  held: bigint;
  /** A deposit_completed entry exists. */
  completed: boolean;
  /** Credited to available by completion. */
  credited: bigint;
  /** Debited from available by refunds. */
  refunded: bigint;
  /** Debited from available by a transfer out. */
  transferred: bigint;
  /** A transfer_reversed entry exists. */
  reversed: boolean;
}

export const NOTHING_YET: Readonly<PaymentInWallet> = { held: 0n, completed: false, credited: 0n, refunded: 0n, transferred: 0n, reversed: false };

export interface WalletChange {
  reason: WalletChangeReason;
  availableDelta: bigint;
  pendingDelta: bigint;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** The change an event makes, or undefined when it changes nothing (no ledger entry, no version). */
export function changeFor(type: PaymentEventType, amountMinor: bigint, p: Readonly<PaymentInWallet>): WalletChange | undefined {
  let change: WalletChange | undefined;
  switch (type) {
    case 'payment.initiated':
      break;
    case 'payment.pending':
    case 'payment.processing':
      // Held once per payment: processing after pending is the same money.
      if (!p.completed && p.held === 0n) change = { reason: 'deposit_pending', availableDelta: 0n, pendingDelta: amountMinor };
      break;
    case 'payment.completed':
      // The completed amount is what the provider settled; whatever was held is released.
      if (!p.completed) change = { reason: 'deposit_completed', availableDelta: amountMinor, pendingDelta: -p.held };
      break;
    case 'payment.failed':
      if (!p.completed && p.held > 0n) change = { reason: 'deposit_failed', availableDelta: 0n, pendingDelta: -p.held };
      break;
    case 'payment.refunded':
    case 'refund.processed': {
      const refundable = p.credited - p.refunded;
      if (refundable > 0n) change = { reason: 'refund', availableDelta: -min(amountMinor, refundable), pendingDelta: 0n };
      break;
    }
    case 'transfer.success':
      // A provider-reported debit is recorded even when it exceeds the balance (docs/wallets.md).
      if (p.transferred === 0n) change = { reason: 'transfer_out', availableDelta: -amountMinor, pendingDelta: 0n };
      break;
    case 'transfer.failed':
      if (p.transferred > 0n && !p.reversed) change = { reason: 'transfer_reversed', availableDelta: p.transferred, pendingDelta: 0n };
      break;
  }
  return change && (change.availableDelta !== 0n || change.pendingDelta !== 0n) ? change : undefined;
}

/** `p` after `change`. */
export function fold(p: Readonly<PaymentInWallet>, change: WalletChange): PaymentInWallet {
  const next = { ...p, held: p.held + change.pendingDelta };
  switch (change.reason) {
    case 'deposit_completed':
      return { ...next, completed: true, credited: p.credited + change.availableDelta };
    case 'refund':
      return { ...next, refunded: p.refunded - change.availableDelta };
    case 'transfer_out':
      return { ...next, transferred: p.transferred - change.availableDelta };
    case 'transfer_reversed':
      return { ...next, reversed: true };
    default:
      return next;
  }
}
