-- Wallets (docs/wallets.md): balances moved only through ledger entries, each caused by one
-- stored payment event, applied inside the ingest transaction.

CREATE TABLE "wallets" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "available_minor" BIGINT NOT NULL DEFAULT 0,
    "pending_minor" BIGINT NOT NULL DEFAULT 0,
    "version" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "wallets_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "wallets_owner_id_idx" ON "wallets"("owner_id");
CREATE INDEX "wallets_merchant_id_idx" ON "wallets"("merchant_id");

CREATE TABLE "ledger_entries" (
    "id" BIGSERIAL NOT NULL,
    "wallet_id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "payment_key" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "available_delta_minor" BIGINT NOT NULL,
    "pending_delta_minor" BIGINT NOT NULL,
    "available_minor" BIGINT NOT NULL,
    "pending_minor" BIGINT NOT NULL,
    "version" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_entries_pkey" PRIMARY KEY ("id")
);
-- A redelivered event can never apply twice to a wallet, and versions never repeat.
CREATE UNIQUE INDEX "ledger_entries_wallet_id_merchant_id_event_id_key" ON "ledger_entries"("wallet_id", "merchant_id", "event_id");
CREATE UNIQUE INDEX "ledger_entries_wallet_id_version_key" ON "ledger_entries"("wallet_id", "version");
CREATE INDEX "ledger_entries_wallet_id_payment_key_idx" ON "ledger_entries"("wallet_id", "payment_key");

ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_wallet_id_fkey" FOREIGN KEY ("wallet_id") REFERENCES "wallets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
