-- Announcements (docs/tracking.md): broadcast by admins to everyone, one role or one merchant.

CREATE TABLE "announcements" (
    "id" TEXT NOT NULL,
    "audience" TEXT NOT NULL,
    "role" TEXT,
    "merchant_id" TEXT,
    "severity" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "announcements_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "announcements_created_at_idx" ON "announcements"("created_at");
