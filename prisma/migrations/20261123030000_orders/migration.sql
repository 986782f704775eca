-- Orders (docs/orders.md): a state machine per order, every change kept as history.

CREATE TABLE "orders" (
    "id" TEXT NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "vendor_id" TEXT,
    "customer_id" TEXT NOT NULL,
    "items" JSONB NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" TEXT NOT NULL,
    "estimated_ready_at" TIMESTAMPTZ(3),
    "version" BIGINT NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "orders_seq_key" ON "orders"("seq");
CREATE INDEX "orders_merchant_id_status_idx" ON "orders"("merchant_id", "status");
CREATE INDEX "orders_customer_id_idx" ON "orders"("customer_id");

CREATE TABLE "order_status_changes" (
    "id" BIGSERIAL NOT NULL,
    "order_id" TEXT NOT NULL,
    "from_status" TEXT,
    "to_status" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "reason" TEXT,
    "version" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_status_changes_pkey" PRIMARY KEY ("id")
);
-- Versions of one order never repeat: two writers of the same version cannot both commit.
CREATE UNIQUE INDEX "order_status_changes_order_id_version_key" ON "order_status_changes"("order_id", "version");

ALTER TABLE "order_status_changes" ADD CONSTRAINT "order_status_changes_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
