-- The provider's own word on a delivery's recipient (Africa's Talking's per-recipient status and
-- cost, a OneSignal idempotent replay), beside its message id and last error.
ALTER TABLE "notification_deliveries" ADD COLUMN "provider_status" TEXT;
