/**
 * The pipeline's after-commit hook the wallet effect publishes through: it runs only once the
 * transaction committed (what it publishes is visible to every other reader), never after a
 * rollback, and a failure in it is a publish failure (PublishError with `requirePublish`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createIngestPipeline, PublishError, type IngestEffect } from '../../src/ingest/pipeline.js';
import { createLogger } from '../../src/lib/logger.js';
import { createMerchantService } from '../../src/merchants/service.js';
import { createPubSub } from '../../src/pubsub/index.js';
import { walletEvent } from './helpers.js';

const logger = createLogger({ level: 'silent' });

describe('ingest effects: after-commit work', () => {
  let db: Database;
  const pubsub = createPubSub(undefined);
  const merchantId = 'm_after_commit';

  beforeAll(async () => {
    db = await createDatabase({ kind: 'pglite', dataDir: 'memory://' });
    await migrate(db, logger);
    await createMerchantService(db.prisma).ensure({ id: merchantId, name: 'After commit', timezone: 'UTC', defaultCurrency: 'KES' });
  });
  afterAll(async () => {
    await pubsub.stop();
    await db?.stop();
  });

  const event = () => walletEvent(merchantId, 'w_after', 'payment.completed', 1n);

  it('runs after the commit, in commit order, with the events visible to other readers', async () => {
    const seen: string[] = [];
    const effect: IngestEffect = async (_tx, events) => async () => {
      // Read outside the transaction: only committed rows are visible here.
      const stored = await db.prisma.paymentEvent.count({ where: { merchantId, eventId: { in: events.map((e) => e.eventId) } } });
      seen.push(`${events.length} events, ${stored} committed`);
    };
    const pipeline = createIngestPipeline({ prisma: db.prisma, pubsub, logger, effects: [effect] });
    await pipeline.ingest([event(), event()], { source: 'api' });
    expect(seen).toEqual(['2 events, 2 committed']);
  });

  it('never runs when the transaction rolls back', async () => {
    let ran = false;
    const publishes: IngestEffect = async () => async () => void (ran = true);
    const fails: IngestEffect = async () => {
      throw new Error('effect failed');
    };
    const pipeline = createIngestPipeline({ prisma: db.prisma, pubsub, logger, effects: [publishes, fails] });
    const e = event();
    await expect(pipeline.ingest([e], { source: 'api' })).rejects.toThrow('effect failed');
    expect(ran).toBe(false);
    expect(await db.prisma.paymentEvent.count({ where: { merchantId, eventId: e.eventId } })).toBe(0);
  });

  it('treats a failure as a failed publish: logged, or a PublishError when publishing is required', async () => {
    const broken: IngestEffect = async () => async () => {
      throw new Error('redis down');
    };
    const pipeline = createIngestPipeline({ prisma: db.prisma, pubsub, logger, effects: [broken] });
    const stored = await pipeline.ingest([event()], { source: 'api' });
    expect(stored.ingested).toBe(1);
    await expect(pipeline.ingest([event()], { source: 'kafka', requirePublish: true })).rejects.toBeInstanceOf(PublishError);
  });
});
