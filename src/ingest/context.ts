/**
 * What one ingest transaction knows and its effects share, so that no effect reads again what the
 * pipeline or an earlier effect already read: the locked merchant row, and every stored event of
 * the payment keys the new events touch (returned by the insert itself, src/payments/repository.ts).
 */
import type { SqlTx } from '../db/sql-transaction.js';
import { eventsOfKeys, type LockedMerchant, type StoredEvent } from '../payments/repository.js';

export interface IngestContext {
  /** The merchant row, locked for this transaction. */
  readonly merchant: Readonly<Omit<LockedMerchant, 'lastEventSeq'>>;
  /**
   * Every stored event (this transaction's included) of these payment keys. Keys of the new
   * events are answered from memory; others cost one read per call.
   */
  eventsOfKeys(keys: Iterable<string>): Promise<StoredEvent[]>;
  /** Set by the wallet effect when it wrote ledger entries (the outbox reads the credits only then). */
  ledgerWritten: boolean;
}

export function createContext(tx: SqlTx, merchant: LockedMerchant, inserted: readonly StoredEvent[], related: readonly StoredEvent[]): IngestContext {
  const byKey = new Map<string, StoredEvent[]>();
  for (const e of [...related, ...inserted]) {
    const list = byKey.get(e.paymentKey);
    if (list) list.push(e);
    else byKey.set(e.paymentKey, [e]);
  }
  return {
    merchant: { id: merchant.id, name: merchant.name, timezone: merchant.timezone },
    async eventsOfKeys(keys) {
      const wanted = [...new Set(keys)];
      const missing = wanted.filter((k) => !byKey.has(k));
      if (missing.length > 0) {
        const rows = await eventsOfKeys(tx, merchant.id, missing);
        for (const k of missing) byKey.set(k, []);
        for (const row of rows) byKey.get(row.paymentKey)!.push(row);
      }
      return wanted.flatMap((k) => byKey.get(k) ?? []);
    },
    ledgerWritten: false,
  };
}
