/** Helpers shared by the wallet tests (not a test file itself). */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from '../support/app.js';
import { WalletLedger, WalletQuery } from './operations.js';

export { subscriptionErrorCodes } from '../support/subscriptions.js';

export { errorCodes, WAIT_MS, QUIET_MS } from '../payments/helpers.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const newWalletId = () => `w_${randomUUID().slice(0, 12)}`;

/** A raw version-2 envelope naming a wallet, for the pipeline or `ingestEnvelopes`. */
export function walletEvent(merchantId: string, walletId: string, type: string, amountMinor: bigint | string, extra: Record<string, unknown> = {}) {
  return {
    eventId: `evt-${randomUUID()}`,
    merchantId,
    walletId,
    type,
    provider: 'mpesa',
    paymentMethod: 'mobile_money',
    amountMinor: amountMinor.toString(),
    currency: 'KES',
    customerId: 'owner-1',
    ...extra,
  };
}

/** Ingests through the app's pipeline (as every source does) and checks every item was stored. */
export async function ingest(t: TestApp, events: Record<string, unknown>[]): Promise<void> {
  const result = await t.pipeline.ingest(events, { source: 'api' });
  expect(result.items.filter((i) => i.status === 'rejected')).toEqual([]);
}

/** The wallet as an admin reads it over HTTP: [available, pending, version] as strings. */
export async function balanceOf(t: TestApp, walletId: string, merchantId?: string): Promise<[string, string, string]> {
  const res = await t.gql(WalletQuery, { id: walletId, merchantId }, { token: await t.adminToken() });
  expect(res.errors).toBeUndefined();
  const w = res.data!.wallet;
  return [w.available.amountMinor, w.pending.amountMinor, w.version];
}

/** Every ledger entry of a wallet, oldest first, read over HTTP as an admin. */
export async function ledgerOf(t: TestApp, walletId: string, merchantId?: string) {
  const res = await t.gql(WalletLedger, { walletId, merchantId, first: 500 }, { token: await t.adminToken() });
  expect(res.errors).toBeUndefined();
  return res.data!.walletLedger.edges.map((e) => e.node).reverse();
}

