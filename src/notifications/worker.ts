/**
 * The delivery worker: claims due deliveries from the outbox and sends them through their
 * channel. Runs in every server process; several instances share one outbox safely.
 *
 * Guarantees:
 * - a claim is one UPDATE over rows picked `FOR UPDATE SKIP LOCKED`: two workers never claim the
 *   same delivery at once;
 * - a claim is a lease: a worker that dies after claiming (before or while sending) leaves the
 *   delivery SENDING until `lease_until`, after which any worker takes it again;
 * - a result is recorded only by the claim that holds the delivery (`claim_id`), so a worker
 *   whose lease ran out cannot overwrite its successor's result;
 * - every claim counts as an attempt (a crash included): after `maxAttempts` the delivery is
 *   FAILED, so a message that crashes the worker cannot loop forever;
 * - transient failures are retried with exponential backoff and jitter; permanent ones are FAILED
 *   at once, with the provider's error kept in `last_error`.
 *
 * The one window for a repeated send: the provider accepted the message and the worker died (or
 * lost the database) before recording it. The record is a single-row UPDATE issued right after
 * the provider answers; the lease (default 60 s) is longer than any channel's timeout (10 s), so
 * a slow send is not taken over while it is still running. Push payloads carry the notification
 * id so apps can drop a repeat (docs/notifications.md).
 */
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../db/client.js';
import { backoffDelay, type BackoffPolicy } from '../lib/backoff.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { ChannelSender, DeliveryJob, SendOutcome } from './channels/types.js';
import { toNotification } from './outbox.js';
import type { Channel } from './types.js';

export interface WorkerOptions {
  /** Time between polls when idle; `kick()` runs a pass at once. @default 1000 */
  pollMs: number;
  /** Deliveries claimed per pass. @default 50 */
  batchSize: number;
  /** How long a claim holds a delivery before another worker may take it over. @default 60000 */
  leaseMs: number;
  /** Claims before a delivery is FAILED. @default 8 */
  maxAttempts: number;
  backoff: BackoffPolicy;
}

export interface NotificationWorker {
  start(): void;
  /** Finishes the pass in progress (its results are recorded), then stops polling. */
  stop(): Promise<void>;
  /** Runs a pass soon (coalesced): new deliveries were committed. */
  kick(): void;
  /** One pass now; resolves with the number of deliveries it handled. */
  runOnce(): Promise<number>;
}

export interface WorkerDeps {
  prisma: PrismaClient;
  channels: Readonly<Record<Channel, ChannelSender>>;
  logger: Logger;
  metrics?: Metrics;
  options: WorkerOptions;
}

interface ClaimedRow {
  id: bigint;
  notification_id: string;
  user_id: string;
  channel: Channel;
  attempts: number;
}

export function createNotificationWorker({ prisma, channels, logger, metrics, options }: WorkerDeps): NotificationWorker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = true;

  async function claim(claimId: string): Promise<ClaimedRow[]> {
    // A claim whose worker died on its last allowed attempt is never taken again: it fails here,
    // so a delivery that kills its worker cannot be sent once per lease forever.
    const abandoned = await prisma.$executeRaw`
      UPDATE notification_deliveries
      SET status = 'FAILED', lease_until = NULL, updated_at = now(),
          last_error = ${`gave up after ${options.maxAttempts} attempts: the last claim's worker stopped before recording a result`}
      WHERE status = 'SENDING' AND lease_until <= now() AND attempts >= ${options.maxAttempts}`;
    if (abandoned > 0) {
      metrics?.notificationDeliveries.inc({ channel: 'any', outcome: 'failed' }, abandoned);
      logger.warn({ deliveries: abandoned }, 'notification deliveries failed: their last claim expired unrecorded');
    }
    return prisma.$queryRaw<ClaimedRow[]>`
      UPDATE notification_deliveries AS d
      SET status = 'SENDING', attempts = d.attempts + 1, claim_id = ${claimId},
          lease_until = now() + make_interval(secs => ${options.leaseMs / 1000}), updated_at = now()
      WHERE d.id IN (
        SELECT id FROM notification_deliveries
        WHERE (status = 'PENDING' AND next_attempt_at <= now())
           OR (status = 'SENDING' AND lease_until <= now() AND attempts < ${options.maxAttempts})
        ORDER BY next_attempt_at, id
        LIMIT ${options.batchSize}
        FOR UPDATE SKIP LOCKED)
      RETURNING d.id, d.notification_id, d.user_id, d.channel, d.attempts`;
  }

  /** What each claimed delivery needs: the notification, the address or device tokens now. */
  async function jobsFor(rows: ClaimedRow[]): Promise<DeliveryJob[]> {
    const userIds = [...new Set(rows.map((r) => r.user_id))];
    const [notifications, recipients, tokens] = await Promise.all([
      prisma.notification.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.notification_id))] } } }),
      prisma.notificationRecipient.findMany({ where: { userId: { in: userIds } } }),
      rows.some((r) => r.channel === 'PUSH') ? prisma.deviceToken.findMany({ where: { userId: { in: userIds } }, orderBy: { createdAt: 'asc' } }) : Promise.resolve([]),
    ]);
    const byId = new Map(notifications.map((n) => [n.id, toNotification(n)]));
    const people = new Map(recipients.map((r) => [r.userId, r]));
    return rows.map((r) => {
      const person = people.get(r.user_id);
      const address =
        r.channel === 'EMAIL' ? (person?.emailVerifiedAt ? person.email : null) : r.channel === 'SMS' ? (person?.phoneVerifiedAt ? person.phone : null) : null;
      return {
        deliveryId: r.id,
        channel: r.channel,
        attempt: r.attempts,
        notification: byId.get(r.notification_id)!,
        address,
        tokens: r.channel === 'PUSH' ? tokens.filter((t) => t.userId === r.user_id).map((t) => t.token) : [],
      };
    });
  }

  async function record(job: DeliveryJob, claimId: string, outcome: SendOutcome): Promise<void> {
    const id = job.deliveryId;
    // Kept from the attempt that had one: a later attempt without a word does not erase it.
    const providerStatus = 'providerStatus' in outcome ? (outcome.providerStatus ?? null) : null;
    if (outcome.kind === 'sent' || outcome.kind === 'logged') {
      await prisma.$executeRaw`
        UPDATE notification_deliveries SET status = ${outcome.kind === 'sent' ? 'SENT' : 'LOGGED'},
          provider_message_id = ${outcome.kind === 'sent' ? outcome.providerMessageId : null}, sent_at = now(),
          provider_status = coalesce(${providerStatus}, provider_status),
          lease_until = NULL, updated_at = now()
        WHERE id = ${id} AND claim_id = ${claimId} AND status = 'SENDING'`;
    } else if (outcome.kind === 'retry' && job.attempt < options.maxAttempts) {
      const delayMs = backoffDelay(job.attempt, options.backoff);
      await prisma.$executeRaw`
        UPDATE notification_deliveries SET status = 'PENDING', last_error = ${outcome.error}, lease_until = NULL,
          provider_status = coalesce(${providerStatus}, provider_status),
          next_attempt_at = now() + make_interval(secs => ${delayMs / 1000}), updated_at = now()
        WHERE id = ${id} AND claim_id = ${claimId} AND status = 'SENDING'`;
    } else {
      const error = outcome.kind === 'retry' ? `gave up after ${job.attempt} attempts: ${outcome.error}` : outcome.error;
      await prisma.$executeRaw`
        UPDATE notification_deliveries SET status = 'FAILED', last_error = ${error}, lease_until = NULL,
          provider_status = coalesce(${providerStatus}, provider_status), updated_at = now()
        WHERE id = ${id} AND claim_id = ${claimId} AND status = 'SENDING'`;
    }
    if ('invalidTokens' in outcome && outcome.invalidTokens?.length) {
      await prisma.deviceToken.deleteMany({ where: { userId: job.notification.userId, token: { in: outcome.invalidTokens } } });
      logger.info({ userId: job.notification.userId, pruned: outcome.invalidTokens.length }, 'device tokens the push provider reported unregistered were removed');
    }
    const label = outcome.kind === 'retry' && job.attempt >= options.maxAttempts ? 'failed' : outcome.kind;
    metrics?.notificationDeliveries.inc({ channel: job.channel, outcome: label });
    if (label === 'failed' || label === 'retry') {
      logger.warn({ deliveryId: id.toString(), channel: job.channel, attempt: job.attempt, error: 'error' in outcome ? outcome.error : undefined }, `notification delivery ${label === 'retry' ? 'will be retried' : 'failed'}`);
    }
  }

  async function pass(): Promise<number> {
    const claimId = randomUUID();
    const rows = await claim(claimId);
    if (rows.length === 0) return 0;
    const jobs = await jobsFor(rows);
    // allSettled: a failed record never leaves other sends of the pass running past stop().
    const results = await Promise.allSettled(
      jobs.map(async (job) => {
        const outcome = job.notification
          ? await channels[job.channel].send(job).catch((error: unknown): SendOutcome => ({ kind: 'retry', error: String(error) }))
          : ({ kind: 'failed', error: 'notification no longer exists' } as const);
        await record(job, claimId, outcome);
      }),
    );
    // An unrecorded result leaves the delivery SENDING until its lease expires: retried then.
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return rows.length;
  }

  /** Runs passes until one finds nothing due (a full batch means more may be waiting). */
  async function drain(): Promise<number> {
    let total = 0;
    do {
      again = false;
      const handled = await pass();
      total += handled;
      if (handled === options.batchSize) again = true;
    } while (again && !stopped);
    return total;
  }

  function runSoon() {
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error: unknown) => {
        logger.error({ err: error }, 'notification worker pass failed; retrying at the next poll');
        return 0;
      })
      .finally(() => {
        running = undefined;
        schedule();
      });
  }

  function schedule() {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(runSoon, options.pollMs);
    timer.unref?.();
  }

  return {
    start() {
      stopped = false;
      runSoon();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    kick() {
      if (!stopped) runSoon();
    },
    async runOnce() {
      // Shares a pass in progress rather than racing it.
      if (running) await running;
      return pass();
    },
  };
}
