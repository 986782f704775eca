-- Foundation: merchants, payment events, API keys.

CREATE TABLE "merchants" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "default_currency" CHAR(3) NOT NULL DEFAULT 'KES',
    "last_event_seq" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "merchants_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "payment_events" (
    "seq" BIGSERIAL NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "merchant_seq" BIGINT NOT NULL,
    "event_id" TEXT NOT NULL,
    "schema_version" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "payment_method" TEXT,
    "amount_minor" BIGINT NOT NULL,
    "fee_minor" BIGINT NOT NULL DEFAULT 0,
    "currency" CHAR(3) NOT NULL,
    "customer_id" TEXT,
    "product_id" TEXT,
    "product_name" TEXT,
    "order_id" TEXT,
    "wallet_id" TEXT,
    "reference" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" TEXT NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "payment_events_pkey" PRIMARY KEY ("seq"),
    -- Money is never negative here; direction comes from the event type.
    CONSTRAINT "payment_events_amount_check" CHECK ("amount_minor" >= 0 AND "fee_minor" >= 0)
);

CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "payment_events_merchant_id_event_id_key" ON "payment_events"("merchant_id", "event_id");
CREATE UNIQUE INDEX "payment_events_merchant_id_merchant_seq_key" ON "payment_events"("merchant_id", "merchant_seq");
CREATE INDEX "payment_events_merchant_id_seq_idx" ON "payment_events"("merchant_id", "seq");
CREATE INDEX "payment_events_merchant_id_reference_idx" ON "payment_events"("merchant_id", "reference");
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys"("prefix");
CREATE INDEX "api_keys_merchant_id_idx" ON "api_keys"("merchant_id");

ALTER TABLE "payment_events" ADD CONSTRAINT "payment_events_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
