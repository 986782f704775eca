/**
 * Where a payment or a transfer is, by its provider reference, as a pure function of its stored
 * events — whatever order they arrived in (docs/tracking.md). A payment's event types map to
 * statuses with a rank and the status is that of the highest rank seen, so a late
 * `payment.pending` never moves a completed payment back; completed outranks failed (as in the
 * analytics) and refunded outranks completed. A transfer's status is that of its latest event
 * (as in the wallets: a failure after a success is a reversal). "Latest" is event order
 * (`occurredAt`, then event id), never arrival.
 */
import { compareCodePoints } from '../lib/code-points.js';
import { byEventOrder } from '../payments/event-order.js';
import type { PaymentEventRecord, PaymentEventType } from '../payments/types.js';

export const TRACKING_KINDS = ['payment', 'transfer'] as const;
export type TrackingKind = (typeof TRACKING_KINDS)[number];

export const TRACKING_STATUSES = ['INITIATED', 'PENDING', 'PROCESSING', 'FAILED', 'COMPLETED', 'REFUNDED'] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];

/** A stream completes once one of these is reached. */
export const FINAL_STATUSES: ReadonlySet<TrackingStatus> = new Set(['FAILED', 'COMPLETED', 'REFUNDED']);

const STATUS_OF: Record<PaymentEventType, { kind: TrackingKind; status: TrackingStatus }> = {
  'payment.initiated': { kind: 'payment', status: 'INITIATED' },
  'payment.pending': { kind: 'payment', status: 'PENDING' },
  'payment.processing': { kind: 'payment', status: 'PROCESSING' },
  'payment.failed': { kind: 'payment', status: 'FAILED' },
  'payment.completed': { kind: 'payment', status: 'COMPLETED' },
  'payment.refunded': { kind: 'payment', status: 'REFUNDED' },
  'refund.processed': { kind: 'payment', status: 'REFUNDED' },
  'transfer.failed': { kind: 'transfer', status: 'FAILED' },
  'transfer.success': { kind: 'transfer', status: 'COMPLETED' },
};

const rank = (status: TrackingStatus) => TRACKING_STATUSES.indexOf(status);

export function eventTypesOf(kind: TrackingKind): PaymentEventType[] {
  return (Object.keys(STATUS_OF) as PaymentEventType[]).filter((type) => STATUS_OF[type].kind === kind);
}

export function kindOf(type: PaymentEventType): TrackingKind {
  return STATUS_OF[type].kind;
}

export interface TrackingStep {
  status: TrackingStatus;
  event: PaymentEventRecord;
}

export interface TrackingState {
  kind: TrackingKind;
  merchantId: string;
  reference: string;
  status: TrackingStatus;
  final: boolean;
  /** The event that set the status. */
  latest: PaymentEventRecord;
  customerIds: string[];
  /** Every event of the reference in event order (occurredAt, then event id). */
  history: TrackingStep[];
}

/** The state of one reference's events of one kind; undefined when there are none. */
export function deriveTracking(kind: TrackingKind, events: readonly PaymentEventRecord[]): TrackingState | undefined {
  const own = events.filter((e) => STATUS_OF[e.type].kind === kind);
  const first = own[0];
  if (!first || first.reference === null) return undefined;
  const history = [...own].sort(byEventOrder).map((event) => ({ status: STATUS_OF[event.type].status, event }));
  let top = history[0]!;
  // Payments: the latest step of the highest rank. Transfers: the latest step.
  for (const step of history) if (kind === 'transfer' || rank(step.status) >= rank(top.status)) top = step;
  return {
    kind,
    merchantId: first.merchantId,
    reference: first.reference,
    status: top.status,
    final: FINAL_STATUSES.has(top.status),
    latest: top.event,
    customerIds: [...new Set(own.map((e) => e.customerId).filter((c): c is string => c !== null))].sort(compareCodePoints),
    history,
  };
}
