/**
 * The notification ingest effect: runs inside the ingest transaction, after the wallet and order
 * effects, for the events just stored (never for duplicates), and writes their notifications
 * and deliveries to the outbox (./rules.ts says which). Wallet credits are read from the ledger
 * entries those events caused in this same transaction (an entry's cause is always one of them).
 */
import type { IngestEffect } from '../ingest/pipeline.js';
import type { WalletCredit } from './rules.js';
import { draftForCredit, draftsForEvent } from './rules.js';
import type { NotificationService } from './service.js';

export function createNotificationEffect({ notifications }: { notifications: Pick<NotificationService, 'stage'> }): IngestEffect {
  return async (tx, inserted, context) => {
    const { id: merchantId, name } = context.merchant;
    const drafts = inserted.flatMap((e) => draftsForEvent(e, name));
    // The ledger is read only when the wallet effect wrote to it in this transaction.
    const credits = !context.ledgerWritten
      ? []
      : await tx.$queryRawUnsafe<(Omit<WalletCredit, 'deltaMinor' | 'availableMinor'> & { deltaMinor: string; availableMinor: string })[]>(
          `SELECT l.wallet_id AS "walletId", w.owner_id AS "ownerId", l.merchant_id AS "merchantId", l.event_id AS "eventId",
             l.available_delta_minor::text AS "deltaMinor", l.available_minor::text AS "availableMinor", trim(w.currency) AS currency, l.version
           FROM ledger_entries l JOIN wallets w ON w.merchant_id = l.merchant_id AND w.id = l.wallet_id
           WHERE l.merchant_id = $1 AND l.event_id = ANY($2::text[]) AND l.available_delta_minor > 0
           ORDER BY l.wallet_id COLLATE "C", l.version`,
          merchantId,
          inserted.map((e) => e.eventId),
        );
    drafts.push(...credits.map((c) => draftForCredit({ ...c, deltaMinor: BigInt(c.deltaMinor), availableMinor: BigInt(c.availableMinor) })));
    return notifications.stage(tx, drafts);
  };
}
