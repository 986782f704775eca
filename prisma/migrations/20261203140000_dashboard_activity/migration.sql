-- The dashboard reads events by time: paymentActivity (per minute / hour and provider) and the
-- CSV export of a date range, both scoped to one merchant.
CREATE INDEX "payment_events_merchant_id_occurred_at_idx" ON "payment_events"("merchant_id", "occurred_at");
