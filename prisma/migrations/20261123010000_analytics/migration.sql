-- Merchant analytics (docs/analytics.md): one row per payment (its events grouped by provider
-- reference), and aggregates kept exact inside the ingest transaction.

-- The payment an event belongs to: its provider reference, or the event itself.
ALTER TABLE "payment_events" ADD COLUMN "payment_key" TEXT;
UPDATE "payment_events" SET "payment_key" = CASE WHEN "reference" IS NOT NULL THEN 'ref:' || "reference" ELSE 'evt:' || "event_id" END;
ALTER TABLE "payment_events" ALTER COLUMN "payment_key" SET NOT NULL;
CREATE INDEX "payment_events_merchant_id_payment_key_idx" ON "payment_events"("merchant_id", "payment_key");

CREATE TABLE "payments" (
    "merchant_id" TEXT NOT NULL,
    "payment_key" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "first_at" TIMESTAMPTZ(3) NOT NULL,
    "last_at" TIMESTAMPTZ(3) NOT NULL,
    "hour_utc" TIMESTAMPTZ(3) NOT NULL,
    "day_local" DATE NOT NULL,
    "customer_id" TEXT,
    "payment_method" TEXT,
    "product_id" TEXT,
    "product_name" TEXT,
    "succeeded" BOOLEAN NOT NULL,
    "failed" BOOLEAN NOT NULL,
    "refunded" BOOLEAN NOT NULL,
    "gross_minor" BIGINT NOT NULL,
    "fee_minor" BIGINT NOT NULL,
    "refunded_minor" BIGINT NOT NULL,
    "events" INTEGER NOT NULL,

    CONSTRAINT "payments_pkey" PRIMARY KEY ("merchant_id", "currency", "payment_key")
);
CREATE INDEX "payments_merchant_id_customer_id_idx" ON "payments"("merchant_id", "customer_id");

CREATE TABLE "agg_hourly" (
    "merchant_id" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "transactions" BIGINT NOT NULL DEFAULT 0,
    "succeeded" BIGINT NOT NULL DEFAULT 0,
    "failed" BIGINT NOT NULL DEFAULT 0,
    "refunded" BIGINT NOT NULL DEFAULT 0,
    "gross_minor" BIGINT NOT NULL DEFAULT 0,
    "fee_minor" BIGINT NOT NULL DEFAULT 0,
    "net_minor" BIGINT NOT NULL DEFAULT 0,
    "refunded_minor" BIGINT NOT NULL DEFAULT 0,
    "new_customers" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "agg_hourly_pkey" PRIMARY KEY ("merchant_id", "currency", "hour")
);

CREATE TABLE "agg_daily" (
    "merchant_id" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "day" DATE NOT NULL,
    "transactions" BIGINT NOT NULL DEFAULT 0,
    "succeeded" BIGINT NOT NULL DEFAULT 0,
    "failed" BIGINT NOT NULL DEFAULT 0,
    "refunded" BIGINT NOT NULL DEFAULT 0,
    "gross_minor" BIGINT NOT NULL DEFAULT 0,
    "fee_minor" BIGINT NOT NULL DEFAULT 0,
    "net_minor" BIGINT NOT NULL DEFAULT 0,
    "refunded_minor" BIGINT NOT NULL DEFAULT 0,
    "new_customers" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "agg_daily_pkey" PRIMARY KEY ("merchant_id", "currency", "day")
);

CREATE TABLE "agg_method_daily" (
    "merchant_id" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "payment_method" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "transactions" BIGINT NOT NULL DEFAULT 0,
    "succeeded" BIGINT NOT NULL DEFAULT 0,
    "gross_minor" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "agg_method_daily_pkey" PRIMARY KEY ("merchant_id", "currency", "payment_method", "day")
);

CREATE TABLE "agg_product_daily" (
    "merchant_id" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "product_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "product_name" TEXT,
    "sold" BIGINT NOT NULL DEFAULT 0,
    "gross_minor" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "agg_product_daily_pkey" PRIMARY KEY ("merchant_id", "currency", "product_id", "day")
);

CREATE TABLE "customer_stats" (
    "merchant_id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "transactions" BIGINT NOT NULL,
    "succeeded" BIGINT NOT NULL,
    "spent_minor" BIGINT NOT NULL,
    "first_seen" TIMESTAMPTZ(3) NOT NULL,
    "last_seen" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "customer_stats_pkey" PRIMARY KEY ("merchant_id", "customer_id", "currency")
);
CREATE INDEX "customer_stats_merchant_id_currency_spent_minor_customer_id_idx" ON "customer_stats"("merchant_id", "currency", "spent_minor" DESC, "customer_id");
