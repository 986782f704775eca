-- The demo merchant's start-up API key, sealed with WEBHOOK_SECRETS_KEY (AES-256-GCM), so that a
-- restart shows the same key again instead of revoking it (README: "The demo merchant"). Only the
-- demo seeding reads it; every other API key exists in plain text only when it is created.
CREATE TABLE "demo_credentials" (
    "merchant_id" TEXT NOT NULL,
    "api_key_id" TEXT NOT NULL,
    "api_key_sealed" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "demo_credentials_pkey" PRIMARY KEY ("merchant_id")
);
