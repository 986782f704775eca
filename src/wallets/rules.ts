/**
 * What a deposit or a transfer contributes to the wallet it is applied to (the tables in
 * docs/wallets.md), as pure functions of its events — never of the order they arrived in, how
 * they were batched, or how often they were delivered. The effect (./ledger.ts) writes only the
 * difference between what a wallet held for it and what these functions say now, so nothing
 * can be credited, refunded or debited twice.
 */
import { countedCompletion } from '../analytics/payment-state.js';
import { latest } from '../payments/event-order.js';
import type { PaymentEventType } from '../payments/types.js';
import type { WalletChangeReason } from './types.js';

/** The two parts of one payment key in one currency: money coming in, and money going out. */
export type ContributionKind = 'deposit' | 'transfer';
export const DEPOSIT_STATUSES = ['held', 'completed', 'failed'] as const;
export const TRANSFER_STATUSES = ['debited', 'reversed', 'failed'] as const;
export type ContributionStatus = (typeof DEPOSIT_STATUSES)[number] | (typeof TRANSFER_STATUSES)[number];

export interface Contribution {
  kind: ContributionKind;
  status: ContributionStatus;
  availableMinor: bigint;
  pendingMinor: bigint;
}

export interface WalletEventFacts {
  eventId: string;
  type: PaymentEventType;
  amountMinor: bigint;
  occurredAt: Date;
}

export function kindOf(type: PaymentEventType): ContributionKind {
  return type.startsWith('transfer.') ? 'transfer' : 'deposit';
}

const REFUNDS: ReadonlySet<PaymentEventType> = new Set(['payment.refunded', 'refund.processed']);
const HOLDS: ReadonlySet<PaymentEventType> = new Set(['payment.pending', 'payment.processing']);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const largest = (events: readonly WalletEventFacts[]) => events.reduce((max, e) => (e.amountMinor > max ? e.amountMinor : max), 0n);

/**
 * A deposit (the `payment.*` and `refund.processed` events of one payment key and currency):
 * completed → + (completion that counts − refunds, capped); else failed → nothing; else held →
 * pending + the largest pending/processing amount; else (initiated, refunds only) → undefined.
 */
export function depositContribution(events: readonly WalletEventFacts[]): Contribution | undefined {
  const completion = countedCompletion(events);
  if (completion) {
    const refunds = events.filter((e) => REFUNDS.has(e.type)).reduce((sum, e) => sum + e.amountMinor, 0n);
    return { kind: 'deposit', status: 'completed', availableMinor: completion.amountMinor - min(refunds, completion.amountMinor), pendingMinor: 0n };
  }
  if (events.some((e) => e.type === 'payment.failed')) return { kind: 'deposit', status: 'failed', availableMinor: 0n, pendingMinor: 0n };
  const holds = events.filter((e) => HOLDS.has(e.type));
  if (holds.length > 0) return { kind: 'deposit', status: 'held', availableMinor: 0n, pendingMinor: largest(holds) };
  return undefined;
}

/**
 * A transfer (the `transfer.*` events of one payment key and currency), decided by its latest
 * event in event order: a success → − the largest success amount; a failure after a success →
 * reversed (nothing); failures only → nothing.
 */
export function transferContribution(events: readonly WalletEventFacts[]): Contribution | undefined {
  const last = latest(events);
  if (!last) return undefined;
  const successes = events.filter((e) => e.type === 'transfer.success');
  if (last.type === 'transfer.success') return { kind: 'transfer', status: 'debited', availableMinor: -largest(successes), pendingMinor: 0n };
  return { kind: 'transfer', status: successes.length > 0 ? 'reversed' : 'failed', availableMinor: 0n, pendingMinor: 0n };
}

export function contributionOf(kind: ContributionKind, events: readonly WalletEventFacts[]): Contribution | undefined {
  return kind === 'deposit' ? depositContribution(events) : transferContribution(events);
}

/** Whether the money differs (a status change that moves nothing writes no ledger entry). */
export function movesMoney(before: Contribution | undefined, after: Contribution | undefined): boolean {
  return (before?.availableMinor ?? 0n) !== (after?.availableMinor ?? 0n) || (before?.pendingMinor ?? 0n) !== (after?.pendingMinor ?? 0n);
}

/** The reason of the ledger entry for a change from `before` to `after` (docs/wallets.md's table). */
export function reasonFor(before: Contribution | undefined, after: Contribution | undefined): WalletChangeReason {
  switch (after?.status) {
    case 'completed':
      return before?.status === 'completed' && after.availableMinor < before.availableMinor ? 'refund' : 'deposit_completed';
    case 'held':
      return 'deposit_pending';
    case 'debited':
      return 'transfer_out';
    case 'reversed':
      return 'transfer_reversed';
    case 'failed':
      return after.kind === 'deposit' ? 'deposit_failed' : 'correction';
    default:
      return 'correction';
  }
}
