/**
 * Wallets (docs/wallets.md): `wallet`, `myWallets`, `walletLedger` and the live `balance`.
 * Who may see a wallet: its owner (a user whose `sub` is the wallet's owner id), a `merchant`
 * (JWT or API key) of the merchant that holds it, and admins. Anyone else gets FORBIDDEN — also
 * for a wallet that does not exist, so wallet ids cannot be probed; admins get NOT_FOUND.
 * Wallet ids are unique per merchant only: a wallet is (merchant, id), the merchant coming from
 * the caller's token or, for admins and customers without one, the `merchantId` argument.
 */
import type { Principal } from '../auth/principal.js';
import { WALLET_CHANGE_REASONS, type BalanceChange, type LedgerEntryRecord, type WalletKey, type WalletRecord } from '../wallets/types.js';
import { builder, type GraphQLContext } from './builder.js';
import { connectionOf, forwardPageSize, parseSeqCursor } from './cursor.js';
import { clientError, ErrorCode } from './errors.js';
import { Money } from './money.js';
import { PaymentEventTypeEnum } from './payments.js';
import { compoundKey, parseCompoundKey, parseGlobalId, registerNode } from './relay.js';

const WalletChangeReasonEnum = builder.enumType('WalletChangeReason', {
  description: 'Why a wallet changed (docs/wallets.md has the table of event types).',
  values: Object.fromEntries(WALLET_CHANGE_REASONS.map((r) => [r.toUpperCase(), { value: r }])) as Record<string, { value: (typeof WALLET_CHANGE_REASONS)[number] }>,
});

const WalletRef = builder.node(builder.objectRef<WalletRecord>('Wallet'), {
  description: 'A stored-value balance in one currency, held at one merchant, changed only through ledger entries.',
  // Both parts of the key: wallet ids are chosen by senders and only unique within a merchant.
  id: { description: 'Opaque global id (Relay `Node`) of (merchantId, walletId). Every argument taking a wallet id accepts it or `walletId`.', resolve: (w) => compoundKey(w.merchantId, w.id) },
  fields: (t) => ({
    walletId: t.exposeID('id', { description: "The wallet's own id (as events carry it)." }),
    ownerId: t.exposeString('ownerId', { description: "The owning user's id (JWT `sub`)." }),
    merchantId: t.exposeID('merchantId', { description: 'The merchant holding it: only its events move the balances.' }),
    currency: t.exposeString('currency'),
    available: t.field({ type: Money, description: 'Spendable now. Negative only after a provider-reported debit larger than it.', resolve: (w) => ({ amountMinor: w.availableMinor, currency: w.currency }) }),
    pending: t.field({ type: Money, description: 'Deposits pending or processing, not yet completed or failed.', resolve: (w) => ({ amountMinor: w.pendingMinor, currency: w.currency }) }),
    overdrawn: t.boolean({ description: 'Available is below zero (to be reconciled).', resolve: (w) => w.availableMinor < 0n }),
    version: t.expose('version', { type: 'BigInt', description: 'Ledger entries applied so far; +1 per change.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const BalanceRef = builder.objectRef<BalanceChange>('WalletBalance').implement({
  description: 'A wallet balance at one version, and the change that made it. Drop any message whose version is not above the last one you hold.',
  fields: (t) => ({
    walletId: t.exposeID('walletId'),
    merchantId: t.exposeID('merchantId', { description: 'The merchant holding the wallet.' }),
    available: t.field({ type: Money, resolve: (b) => ({ amountMinor: b.availableMinor, currency: b.currency }) }),
    pending: t.field({ type: Money, resolve: (b) => ({ amountMinor: b.pendingMinor, currency: b.currency }) }),
    currency: t.exposeString('currency'),
    version: t.expose('version', { type: 'BigInt' }),
    reason: t.field({ type: WalletChangeReasonEnum, nullable: true, description: 'Null at version 0 (nothing applied yet).', resolve: (b) => b.reason }),
    eventId: t.exposeString('eventId', { nullable: true, description: 'The payment event that caused this version.' }),
    at: t.expose('at', { type: 'DateTime', description: 'When the change was recorded (at version 0: when the wallet was created).' }),
  }),
});

const LedgerEntryRef = builder.objectRef<LedgerEntryRecord & { currency: string }>('LedgerEntry').implement({
  description: 'One change of a wallet: the audit trail. Append-only; one per change of one deposit or transfer (docs/wallets.md).',
  fields: (t) => ({
    id: t.id({ resolve: (e) => e.id.toString() }),
    version: t.expose('version', { type: 'BigInt', description: 'The wallet version this entry produced.' }),
    reason: t.field({ type: WalletChangeReasonEnum, resolve: (e) => e.reason }),
    actor: t.exposeString('actor', { description: 'Who caused it: "event:<eventId>" for changes made by ingested events.' }),
    merchantId: t.exposeID('merchantId', { description: 'The merchant whose event caused it.' }),
    eventId: t.exposeString('eventId', { description: 'The payment event that caused it.' }),
    eventType: t.field({ type: PaymentEventTypeEnum, resolve: (e) => e.eventType }),
    paymentKey: t.exposeString('paymentKey', { description: 'The payment it belongs to: "ref:<reference>", or "evt:<eventId>" without a reference.' }),
    availableDelta: t.field({ type: Money, description: 'Signed change of available.', resolve: (e) => ({ amountMinor: e.availableDeltaMinor, currency: e.currency }) }),
    pendingDelta: t.field({ type: Money, description: 'Signed change of pending.', resolve: (e) => ({ amountMinor: e.pendingDeltaMinor, currency: e.currency }) }),
    available: t.field({ type: Money, description: 'Available right after this entry.', resolve: (e) => ({ amountMinor: e.availableMinor, currency: e.currency }) }),
    pending: t.field({ type: Money, description: 'Pending right after this entry.', resolve: (e) => ({ amountMinor: e.pendingMinor, currency: e.currency }) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

function canSee(principal: Principal, wallet: WalletRecord): boolean {
  if (principal.role === 'admin') return true;
  if (principal.kind === 'user' && principal.subject === wallet.ownerId) return true;
  return principal.role === 'merchant' && principal.merchantId === wallet.merchantId;
}

/**
 * The wallet, when the caller may see it; otherwise the error (no data). Wallet ids are unique per
 * merchant: with `merchantId` the wallet is that merchant's; without, it is the caller's merchant's
 * (staff, API keys, customers whose token names a merchant) or, for a user, one they own
 * elsewhere, or for admins and customers without a merchant, the only one with that id they may see.
 */
async function visibleWallet(ctx: GraphQLContext, id: string, requestedMerchant: string | number | null | undefined): Promise<WalletRecord> {
  const principal = ctx.principal;
  if (!principal) throw clientError(ErrorCode.Unauthenticated, 'authentication required');
  const forbidden = () => clientError(ErrorCode.Forbidden, 'not your wallet (or no such wallet)');
  // A Relay global id carries both parts; a merchantId that contradicts it finds nothing.
  const parsed = parseGlobalId(id);
  const [globalMerchant, walletId] = (parsed?.typename === 'Wallet' && parseCompoundKey(parsed.key, 2)) || [undefined, id];
  if (globalMerchant !== undefined && requestedMerchant != null && requestedMerchant.toString() !== globalMerchant) throw forbidden();
  const requested = globalMerchant ?? requestedMerchant?.toString();
  const scopedCustomer = principal.role === 'customer' && principal.merchantId !== null;
  // A customer whose token names a merchant sees that merchant's wallets only (as in myWallets).
  if (scopedCustomer && requested !== undefined && requested !== principal.merchantId) throw forbidden();
  const merchantId = requested ?? (scopedCustomer ? principal.merchantId! : undefined);
  let candidates: WalletRecord[];
  if (merchantId !== undefined) {
    const wallet = await ctx.domain.wallets.byKey({ merchantId, walletId: walletId! });
    candidates = wallet ? [wallet] : [];
  } else {
    const all = await ctx.domain.wallets.withId(walletId!);
    const own = all.filter((w) => principal.merchantId !== null && w.merchantId === principal.merchantId);
    candidates = (own.length > 0 ? own : all).filter((w) => canSee(principal, w));
  }
  const visible = candidates.filter((w) => canSee(principal, w));
  if (visible.length > 1) {
    throw clientError(ErrorCode.BadUserInput, `wallet ${walletId} is held at several merchants: name one with merchantId`, { merchantIds: visible.map((w) => w.merchantId) });
  }
  if (visible[0]) return visible[0];
  if (candidates.length === 0 && principal.role === 'admin') throw clientError(ErrorCode.NotFound, `wallet ${walletId} does not exist`);
  throw forbidden();
}

const keyOf = (w: WalletRecord): WalletKey => ({ merchantId: w.merchantId, walletId: w.id });
const MERCHANT_ARG_DESCRIPTION = 'The merchant holding the wallet: required for admins, and for a customer token without a merchant whose wallet id exists at several; others use their own.';

builder.queryFields((t) => ({
  wallet: t.field({
    type: WalletRef,
    description: 'One wallet: its owner, a merchant of the merchant holding it, or an admin.',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true }), merchantId: t.arg.id({ required: false, description: MERCHANT_ARG_DESCRIPTION }) },
    resolve: (_root, args, ctx) => visibleWallet(ctx, args.id.toString(), args.merchantId),
  }),
  myWallets: t.field({
    type: [WalletRef],
    description: "The signed-in user's wallets (owner = the token's `sub`), oldest first; only at the token's merchant when it names one.",
    authScopes: { user: true },
    resolve: (_root, _args, ctx) => ctx.domain.wallets.byOwner(ctx.principal!.subject, ctx.principal!.merchantId),
  }),
  walletLedger: t.connection({
    type: LedgerEntryRef,
    description: "A wallet's ledger entries, newest first (cursor = version). Only `first`/`after` paging is supported.",
    authScopes: { authenticated: true },
    args: { walletId: t.arg.id({ required: true }), merchantId: t.arg.id({ required: false, description: MERCHANT_ARG_DESCRIPTION }) },
    resolve: async (_root, args, ctx) => {
      const first = forwardPageSize(args);
      const wallet = await visibleWallet(ctx, args.walletId.toString(), args.merchantId);
      const page = await ctx.domain.wallets.ledger({ ...keyOf(wallet), beforeVersion: parseSeqCursor(args.after), first });
      const nodes = page.entries.map((entry) => ({ ...entry, currency: wallet.currency }));
      return connectionOf(nodes, (e) => e.version.toString(), page.hasNextPage, args.after);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  balance: t.field({
    type: BalanceRef,
    description:
      "A wallet's live balance: first the current balance, then every change in version order (no gap, no repeat). Owner, a merchant of the merchant holding it, or an admin.",
    authScopes: { authenticated: true },
    args: { walletId: t.arg.id({ required: true }), merchantId: t.arg.id({ required: false, description: MERCHANT_ARG_DESCRIPTION }) },
    subscribe: async (_root, args, ctx) => {
      const wallet = await visibleWallet(ctx, args.walletId.toString(), args.merchantId);
      return ctx.domain.feeds.balance(keyOf(wallet));
    },
    resolve: (change) => change,
  }),
}));

// Relay: the owner, a merchant of the merchant holding it, or an admin; null for anyone else.
registerNode('Wallet', async (key, ctx) => {
  const [merchantId, walletId] = parseCompoundKey(key, 2) ?? [];
  if (!ctx.principal || merchantId === undefined || walletId === undefined) return null;
  const wallet = await ctx.domain.wallets.byKey({ merchantId, walletId });
  return wallet && canSee(ctx.principal, wallet) ? wallet : null;
});
