/**
 * The notification ingest effect: runs inside the ingest transaction, after the wallet and order
 * effects, for the events just stored (never for duplicates), and writes their notifications
 * and deliveries to the outbox (./rules.ts says which). Wallet credits are read from the ledger
 * entries those events caused in this same transaction (an entry's cause is always one of them).
 */
import type { IngestEffect } from './pipeline.js';
import type { WalletCredit } from '../../../src/notifications/rules.js';
import { draftForCredit, draftsForEvent } from '../../../src/notifications/rules.js';
import type { NotificationService } from '../../../src/notifications/service.js';

export function createNotificationEffect({ notifications }: { notifications: Pick<NotificationService, 'stage'> }): IngestEffect {
  return async (tx, inserted) => {
    const merchantId = inserted[0]!.merchantId;
    const merchant = await tx.merchant.findUnique({ where: { id: merchantId }, select: { name: true } });
    const drafts = inserted.flatMap((e) => draftsForEvent(e, merchant?.name ?? merchantId));
    const credits = await tx.$queryRaw<(Omit<WalletCredit, 'deltaMinor' | 'availableMinor'> & { deltaMinor: string; availableMinor: string })[]>`
      SELECT l.wallet_id AS "walletId", w.owner_id AS "ownerId", l.merchant_id AS "merchantId", l.event_id AS "eventId",
             l.available_delta_minor::text AS "deltaMinor", l.available_minor::text AS "availableMinor", trim(w.currency) AS currency, l.version
      FROM ledger_entries l JOIN wallets w ON w.merchant_id = l.merchant_id AND w.id = l.wallet_id
      WHERE l.merchant_id = ${merchantId} AND l.event_id = ANY(${inserted.map((e) => e.eventId)}::text[]) AND l.available_delta_minor > 0
      ORDER BY l.wallet_id COLLATE "C", l.version`;
    drafts.push(...credits.map((c) => draftForCredit({ ...c, deltaMinor: BigInt(c.deltaMinor), availableMinor: BigInt(c.availableMinor) })));
    return notifications.stage(tx, drafts);
  };
}
