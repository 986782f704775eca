-- Dead letters from RabbitMQ beside Kafka's: the broker a row came from is part of its identity.
-- For RabbitMQ, "topic" is the shard queue, "partition" its shard number and "offset" a stable
-- 63-bit digest of the message (src/rabbitmq/codec.ts), so a redelivered poison message is still
-- recorded once.
ALTER TABLE "dead_letters" ADD COLUMN "broker" TEXT NOT NULL DEFAULT 'kafka';

DROP INDEX "dead_letters_topic_partition_offset_key";
CREATE UNIQUE INDEX "dead_letters_broker_topic_partition_offset_key" ON "dead_letters"("broker", "topic", "partition", "offset");
