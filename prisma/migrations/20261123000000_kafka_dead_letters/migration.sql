-- Kafka messages that could not be ingested: invalid or unknown-version envelopes, unknown
-- merchants, and messages still failing after every retry. One row per topic/partition/offset,
-- so a redelivered poison message is recorded once.
CREATE TABLE "dead_letters" (
    "id" BIGSERIAL NOT NULL,
    "topic" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "offset" BIGINT NOT NULL,
    "key" TEXT,
    "payload" TEXT NOT NULL,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "merchant_id" TEXT,
    "error_code" TEXT NOT NULL,
    "error_message" TEXT NOT NULL,
    "errors" JSONB NOT NULL DEFAULT '[]',
    "attempts" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "replayed_at" TIMESTAMPTZ(3),
    "replayed_by" TEXT,

    CONSTRAINT "dead_letters_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "dead_letters_topic_partition_offset_key" ON "dead_letters"("topic", "partition", "offset");
CREATE INDEX "dead_letters_merchant_id_id_idx" ON "dead_letters"("merchant_id", "id");
