-- Money is exact whatever the order, batching or size of the events (docs/analytics.md,
-- docs/wallets.md):
-- 1. sums are NUMERIC(38,0): with at most 10^15 minor units per event (AMOUNT_OUT_OF_RANGE
--    above), no number of events can overflow a column or a later query;
-- 2. empty buckets are not stored; a product's name is read from its latest payment;
-- 3. wallets are keyed by (merchant, wallet id), and what each deposit or transfer contributes
--    to a wallet is kept in wallet_payments, so the effect only ever writes differences.

ALTER TABLE "agg_hourly"
    ALTER COLUMN "gross_minor" TYPE NUMERIC(38,0), ALTER COLUMN "fee_minor" TYPE NUMERIC(38,0),
    ALTER COLUMN "net_minor" TYPE NUMERIC(38,0), ALTER COLUMN "refunded_minor" TYPE NUMERIC(38,0);
ALTER TABLE "agg_daily"
    ALTER COLUMN "gross_minor" TYPE NUMERIC(38,0), ALTER COLUMN "fee_minor" TYPE NUMERIC(38,0),
    ALTER COLUMN "net_minor" TYPE NUMERIC(38,0), ALTER COLUMN "refunded_minor" TYPE NUMERIC(38,0);
ALTER TABLE "agg_method_daily" ALTER COLUMN "gross_minor" TYPE NUMERIC(38,0);
ALTER TABLE "agg_product_daily" ALTER COLUMN "gross_minor" TYPE NUMERIC(38,0);
ALTER TABLE "agg_product_daily" DROP COLUMN "product_name";
ALTER TABLE "customer_stats" ALTER COLUMN "spent_minor" TYPE NUMERIC(38,0);

DELETE FROM "agg_hourly" WHERE "transactions" = 0 AND "new_customers" = 0 AND "gross_minor" = 0 AND "fee_minor" = 0 AND "net_minor" = 0 AND "refunded_minor" = 0;
DELETE FROM "agg_daily" WHERE "transactions" = 0 AND "new_customers" = 0 AND "gross_minor" = 0 AND "fee_minor" = 0 AND "net_minor" = 0 AND "refunded_minor" = 0;
DELETE FROM "agg_method_daily" WHERE "transactions" = 0 AND "succeeded" = 0 AND "gross_minor" = 0;
DELETE FROM "agg_product_daily" WHERE "sold" = 0 AND "gross_minor" = 0;

CREATE INDEX "payments_merchant_id_product_id_first_at_idx" ON "payments"("merchant_id", "product_id", "first_at");
CREATE INDEX "payment_events_merchant_id_wallet_id_idx" ON "payment_events"("merchant_id", "wallet_id");

-- Wallets per merchant.
ALTER TABLE "ledger_entries" DROP CONSTRAINT "ledger_entries_wallet_id_fkey";
ALTER TABLE "wallets" DROP CONSTRAINT "wallets_pkey";
ALTER TABLE "wallets" ADD CONSTRAINT "wallets_pkey" PRIMARY KEY ("merchant_id", "id");
DROP INDEX "wallets_merchant_id_idx";
ALTER TABLE "wallets"
    ALTER COLUMN "available_minor" TYPE NUMERIC(38,0), ALTER COLUMN "pending_minor" TYPE NUMERIC(38,0);
-- The event that opened the wallet (the earliest naming it with a customerId); null for
-- wallets opened before this migration until their next event.
ALTER TABLE "wallets" ADD COLUMN "opened_by" TEXT;

DROP INDEX "ledger_entries_wallet_id_merchant_id_event_id_key";
DROP INDEX "ledger_entries_wallet_id_version_key";
DROP INDEX "ledger_entries_wallet_id_payment_key_idx";
ALTER TABLE "ledger_entries"
    ALTER COLUMN "available_delta_minor" TYPE NUMERIC(38,0), ALTER COLUMN "pending_delta_minor" TYPE NUMERIC(38,0),
    ALTER COLUMN "available_minor" TYPE NUMERIC(38,0), ALTER COLUMN "pending_minor" TYPE NUMERIC(38,0);
CREATE UNIQUE INDEX "ledger_entries_merchant_id_wallet_id_version_key" ON "ledger_entries"("merchant_id", "wallet_id", "version");
CREATE INDEX "ledger_entries_merchant_id_event_id_idx" ON "ledger_entries"("merchant_id", "event_id");
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_merchant_id_wallet_id_fkey"
    FOREIGN KEY ("merchant_id", "wallet_id") REFERENCES "wallets"("merchant_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "wallet_payments" (
    "merchant_id" TEXT NOT NULL,
    "wallet_id" TEXT NOT NULL,
    "payment_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "available_minor" NUMERIC(38,0) NOT NULL,
    "pending_minor" NUMERIC(38,0) NOT NULL,

    CONSTRAINT "wallet_payments_pkey" PRIMARY KEY ("merchant_id", "wallet_id", "payment_key", "kind")
);
CREATE INDEX "wallet_payments_merchant_id_payment_key_idx" ON "wallet_payments"("merchant_id", "payment_key");

-- What the ledgers hold so far, per deposit and transfer: the next event of each re-derives it
-- under the new rules and writes only the difference.
INSERT INTO "wallet_payments" ("merchant_id", "wallet_id", "payment_key", "kind", "status", "available_minor", "pending_minor")
SELECT "merchant_id", "wallet_id", "payment_key", "kind",
       CASE
         WHEN "kind" = 'transfer' THEN CASE WHEN sum("available_delta_minor") < 0 THEN 'debited' ELSE 'reversed' END
         WHEN bool_or("reason" = 'deposit_completed') THEN 'completed'
         WHEN sum("pending_delta_minor") > 0 THEN 'held'
         ELSE 'failed'
       END,
       sum("available_delta_minor"), sum("pending_delta_minor")
FROM (
    SELECT *, CASE WHEN "reason" IN ('transfer_out', 'transfer_reversed') THEN 'transfer' ELSE 'deposit' END AS "kind"
    FROM "ledger_entries"
) AS e
GROUP BY "merchant_id", "wallet_id", "payment_key", "kind"
HAVING sum("available_delta_minor") <> 0 OR sum("pending_delta_minor") <> 0;
