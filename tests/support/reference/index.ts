/**
 * The ingest hot path as it was before issue 18 (set-based writes), frozen: the pipeline and
 * every effect's writes, copied verbatim from src/ (only the import paths changed). The
 * equivalence test (tests/ingest/equivalence.property.test.ts) feeds the same streams through
 * this and through the live pipeline and asserts every table ends up identical. Never edit these
 * files to follow src/: they are the yardstick.
 */
import type { Tx } from '../../../src/db/client.js';
import type { Infrastructure } from '../../../src/infrastructure.js';
import { createAnalyticsEffect } from './aggregates.js';
import { createWalletEffect } from './ledger.js';
import { createNotificationEffect } from './notification-effect.js';
import { createOrderEffect } from './order-effect.js';
import { stageNotifications } from './outbox.js';
import { createIngestPipeline, type IngestPipeline } from './pipeline.js';

/** The reference pipeline over an app's database, pubsub and logger (notifications staged, not published). */
export function createReferencePipeline(infra: Pick<Infrastructure, 'db' | 'pubsub' | 'logger' | 'config'>): IngestPipeline {
  const { db, pubsub, logger, config } = infra;
  return createIngestPipeline({
    prisma: db.prisma,
    pubsub,
    logger,
    maxConcurrentTransactions: config.database.kind === 'postgres' ? Math.max(1, config.database.poolSize - 2) : 1,
    effects: [
      createAnalyticsEffect(),
      createWalletEffect({ pubsub, logger }),
      createOrderEffect({ pubsub, logger }),
      // The reference pipeline runs its effects in Prisma's transaction; src types `stage`'s tx as its raw part.
      createNotificationEffect({ notifications: { stage: async (tx, drafts) => void (await stageNotifications(tx as Tx, drafts)) } }),
    ],
  });
}
