/**
 * Which causes notify whom, and with what text: pure functions from events, wallet credits,
 * order changes and security actions to notification drafts. The table of causes, recipients
 * and priorities is in docs/notifications.md ("Who gets what"): change it with this file.
 */
import type { OrderRecord } from '../orders/types.js';
import type { PaymentEventRecord } from '../payments/types.js';
import { formatAmount } from './templates.js';
import type { NotificationDraft } from './types.js';

/** A ledger entry that raised a wallet's available balance. */
export interface WalletCredit {
  walletId: string;
  ownerId: string;
  merchantId: string;
  eventId: string;
  deltaMinor: bigint;
  availableMinor: bigint;
  currency: string;
  version: bigint;
}

const refOf = (e: PaymentEventRecord) => (e.reference ? ` (ref ${e.reference})` : '');
const forWhat = (e: PaymentEventRecord) => (e.productName ? ` for ${e.productName}` : '');

function eventData(e: PaymentEventRecord) {
  return {
    eventId: e.eventId,
    eventType: e.type,
    amountMinor: e.amountMinor.toString(),
    currency: e.currency,
    reference: e.reference,
    orderId: e.orderId,
    walletId: e.walletId,
    provider: e.provider,
  };
}

export function draftsForEvent(e: PaymentEventRecord, merchantName: string): NotificationDraft[] {
  const amount = formatAmount(e.amountMinor, e.currency);
  const key = (suffix: string) => `event:${e.merchantId}:${e.eventId}:${suffix}`;
  const common = { merchantId: e.merchantId, data: eventData(e) };
  const toCustomer = (draft: Omit<NotificationDraft, 'audience' | 'merchantId' | 'data' | 'dedupKey'>): NotificationDraft[] =>
    e.customerId ? [{ ...common, ...draft, audience: { kind: 'user', userId: e.customerId }, dedupKey: key('customer') }] : [];
  const toMerchants = (draft: Omit<NotificationDraft, 'audience' | 'merchantId' | 'data' | 'dedupKey'>): NotificationDraft =>
    ({ ...common, ...draft, audience: { kind: 'merchantRole', merchantId: e.merchantId, role: 'merchant' }, dedupKey: key('merchant') });

  switch (e.type) {
    case 'payment.completed':
      return [
        ...toCustomer({ type: 'payment.completed', priority: 'HIGH', title: 'Payment successful', body: `Your payment of ${amount} to ${merchantName}${forWhat(e)} was successful${refOf(e)}.` }),
        toMerchants({ type: 'payment.received', priority: 'LOW', title: 'Payment received', body: `${amount} received via ${e.provider}${forWhat(e)}${refOf(e)}.` }),
      ];
    case 'payment.failed':
      return [
        ...toCustomer({ type: 'payment.failed', priority: 'HIGH', title: 'Payment failed', body: `Your payment of ${amount} to ${merchantName}${forWhat(e)} failed${refOf(e)}. You have not been charged.` }),
        toMerchants({ type: 'payment.failed.merchant', priority: 'LOW', title: 'Payment failed', body: `A payment of ${amount} via ${e.provider} failed${refOf(e)}.` }),
      ];
    case 'refund.processed':
    case 'payment.refunded':
      return toCustomer({ type: 'refund.processed', priority: 'NORMAL', title: 'Refund processed', body: `${merchantName} refunded ${amount}${refOf(e)}.` });
    case 'transfer.success':
      return toCustomer({ type: 'transfer.success', priority: 'HIGH', title: 'Transfer successful', body: `Your transfer of ${amount} was successful${refOf(e)}.` });
    case 'transfer.failed':
      return toCustomer({ type: 'transfer.failed', priority: 'HIGH', title: 'Transfer failed', body: `Your transfer of ${amount} failed${refOf(e)}.` });
    default:
      return [];
  }
}

export function draftForCredit(c: WalletCredit): NotificationDraft {
  return {
    audience: { kind: 'user', userId: c.ownerId },
    merchantId: c.merchantId,
    type: 'wallet.credited',
    priority: 'NORMAL',
    title: 'Balance credited',
    body: `${formatAmount(c.deltaMinor, c.currency)} was added to your wallet. Available balance: ${formatAmount(c.availableMinor, c.currency)}.`,
    data: {
      walletId: c.walletId,
      merchantId: c.merchantId,
      eventId: c.eventId,
      amountMinor: c.deltaMinor.toString(),
      availableMinor: c.availableMinor.toString(),
      currency: c.currency,
      version: c.version.toString(),
    },
    // Wallet ids are per merchant: the merchant is part of what caused it.
    dedupKey: `wallet:${JSON.stringify([c.merchantId, c.walletId])}:v${c.version}`,
  };
}

/** Drafts for an order that was just created (version 1) or changed. */
export function draftsForOrder(order: OrderRecord): NotificationDraft[] {
  const data = { orderId: order.id, status: order.status, version: order.version.toString(), amountMinor: order.amountMinor.toString(), currency: order.currency };
  const base = { merchantId: order.merchantId, data, dedupKey: `order:${order.id}:v${order.version}` };
  const short = `...${order.id.slice(-6)}`;
  if (order.version === 1n) {
    // Plain characters keep SMS in GSM-7 (160 per message instead of 70).
    const items = order.items.map((i) => `${i.quantity} x ${i.name}`).join(', ');
    return [
      {
        ...base,
        audience: { kind: 'merchantRole', merchantId: order.merchantId, role: 'vendor', ...(order.vendorId ? { userId: order.vendorId } : {}) },
        type: 'order.created',
        priority: 'HIGH',
        title: 'New order',
        body: `Order ${short}: ${items} (${formatAmount(order.amountMinor, order.currency)}).`,
      },
    ];
  }
  const customer = { kind: 'user' as const, userId: order.customerId };
  if (order.status === 'READY') {
    return [{ ...base, audience: customer, type: 'order.ready', priority: 'HIGH', title: 'Your order is ready', body: `Order ${short} is ready for pickup.` }];
  }
  if (order.status === 'CANCELLED') {
    return [{ ...base, audience: customer, type: 'order.cancelled', priority: 'HIGH', title: 'Order cancelled', body: `Order ${short} was cancelled.` }];
  }
  return [];
}

export function draftForApiKey(args: { merchantId: string; keyId: string; keyName: string; actor: string; action: 'created' | 'revoked' }): NotificationDraft {
  const created = args.action === 'created';
  return {
    audience: { kind: 'merchantRole', merchantId: args.merchantId, role: 'merchant' },
    merchantId: args.merchantId,
    type: created ? 'security.api_key_created' : 'security.api_key_revoked',
    priority: created ? 'CRITICAL' : 'HIGH',
    title: created ? 'New API key created' : 'API key revoked',
    body: created
      ? `An API key named "${args.keyName}" was created for your account. If this was not you, revoke it now.`
      : `The API key named "${args.keyName}" was revoked.`,
    data: { keyId: args.keyId, actor: args.actor },
    dedupKey: `apiKey:${args.keyId}:${args.action}`,
  };
}

export function draftForSessionsRevoked(args: { userId: string; at: Date }): NotificationDraft {
  return {
    audience: { kind: 'user', userId: args.userId },
    merchantId: null,
    type: 'security.sessions_revoked',
    priority: 'CRITICAL',
    title: 'You were signed out everywhere',
    body: 'An administrator closed all of your sessions. If you did not ask for this, contact support.',
    data: { at: args.at.toISOString() },
    dedupKey: `sessions:${args.at.getTime()}`,
  };
}

export function draftForNewDevice(args: { userId: string; platform: string; tokenHash: string }): NotificationDraft {
  return {
    audience: { kind: 'user', userId: args.userId },
    merchantId: null,
    type: 'security.new_device',
    priority: 'HIGH',
    title: 'New device',
    body: `Notifications are now also sent to a new ${args.platform.toLowerCase()} device. If this was not you, change your password.`,
    data: { platform: args.platform },
    dedupKey: `device:${args.tokenHash}`,
  };
}
