-- Provider webhooks (docs/webhooks.md): per-(merchant, provider) verification secrets, and the
-- Standard Webhooks ids already ingested, so a replayed delivery is refused.

CREATE TABLE "webhook_secrets" (
    "merchant_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "secret_sealed" TEXT NOT NULL,
    "updated_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_secrets_pkey" PRIMARY KEY ("merchant_id","provider")
);
ALTER TABLE "webhook_secrets" ADD CONSTRAINT "webhook_secrets_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "webhook_deliveries" (
    "merchant_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "webhook_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("merchant_id","provider","webhook_id")
);
CREATE INDEX "webhook_deliveries_received_at_idx" ON "webhook_deliveries"("received_at");
