/**
 * The notification ingest effect: runs inside the ingest transaction, after the wallet and order
 * effects, for the events just stored (never for duplicates), and writes their notifications
 * and deliveries to the outbox (./rules.ts says which). Wallet credits are read from the ledger
 * entries those events made in this same transaction.
 */
import type { IngestEffect } from '../ingest/pipeline.js';
import type { WalletCredit } from './rules.js';
import { draftForCredit, draftsForEvent } from './rules.js';
import type { NotificationService } from './service.js';

export function createNotificationEffect({ notifications }: { notifications: Pick<NotificationService, 'stage'> }): IngestEffect {
  return async (tx, inserted) => {
    const merchantId = inserted[0]!.merchantId;
    const merchant = await tx.merchant.findUnique({ where: { id: merchantId }, select: { name: true } });
    const drafts = inserted.flatMap((e) => draftsForEvent(e, merchant?.name ?? merchantId));
    const withWallet = inserted.filter((e) => e.walletId !== null).map((e) => e.eventId);
    if (withWallet.length > 0) {
      const credits = await tx.$queryRaw<WalletCredit[]>`
        SELECT l.wallet_id AS "walletId", w.owner_id AS "ownerId", l.merchant_id AS "merchantId", l.event_id AS "eventId",
               l.available_delta_minor AS "deltaMinor", l.available_minor AS "availableMinor", trim(w.currency) AS currency, l.version
        FROM ledger_entries l JOIN wallets w ON w.id = l.wallet_id
        WHERE l.merchant_id = ${merchantId} AND l.event_id = ANY(${withWallet}::text[]) AND l.available_delta_minor > 0
        ORDER BY l.wallet_id, l.version`;
      drafts.push(...credits.map(draftForCredit));
    }
    return notifications.stage(tx, drafts);
  };
}
