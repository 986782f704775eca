/**
 * The RabbitMQ consumer that feeds the ingest pipeline: the same pipeline and guarantees as the
 * Kafka consumer group (kafka/consumer.ts), over the shard queues of topology.ts.
 *
 * Shards and instances. Each shard queue is consumed by at most one instance at a time: an
 * instance consumes shard n only while it holds the exclusive queue `<queue>.<n>.owner` (the
 * broker refuses a second holder with RESOURCE_LOCKED and deletes it when the holder's connection
 * ends), and the shard queue itself is single-active-consumer, so even a consumer that outlived
 * its lease could not be active beside the new one. Every `rebalanceMs` an instance counts the
 * consuming instances (consumers on the members queue) and holds its fair share, ceil(shards /
 * instances): it takes free shards up to it and hands back shards above it, so two instances share
 * the shards, and a dead instance's shards are taken by the others once the broker noticed it
 * (at once when its socket closes, within two heartbeats when it just goes silent).
 *
 * Per shard, in chunks of `batchSize` of at most `prefetch` unacknowledged deliveries:
 *   decode → pipeline (one transaction per merchant, publish required) → dead-letter what is
 *   invalid → acknowledge the chunk (`multiple`, up to its last delivery).
 * A message is acknowledged only after it is stored (and published) or dead-lettered, so a crash
 * or a dropped connection returns it to the head of its queue and the next owner gets it first,
 * in order; the pipeline turns the redelivery into a duplicate. Handing a shard back finishes the
 * chunk in hand, acknowledges it and closes the shard's channel (returning the rest, in order)
 * before releasing the lease.
 *
 * Failures, as on Kafka: transient ones (database or Redis unreachable) are retried with backoff
 * and jitter for as long as they last, blocking only their shard; invalid messages (not JSON,
 * failed validation, unknown schema version or merchant) are dead-lettered at once; anything else
 * is retried message by message and dead-lettered after `maxAttempts`; a message delivered
 * `maxDeliveries` times without ever being acknowledged (it keeps killing its consumer) is
 * dead-lettered unprocessed. Dead letters go to the dead-letter queue (original body and headers
 * plus the reason, publisher-confirmed) and to the `dead_letters` table, then the original is
 * acknowledged.
 */
import { createHash } from 'node:crypto';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { DeadLetterService, NewDeadLetter } from '../dead-letters/service.js';
import type { ItemError } from '../ingest/batch.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import { decodeMessage, sourceOf } from '../kafka/codec.js';
import { backoffDelay } from '../lib/backoff.js';
import type { Logger } from '../lib/logger.js';
import { isTransient } from '../lib/transient.js';
import type { EventSource } from '../payments/types.js';
import { describeHeaders, headerText, MERCHANT_HEADER, messageDigest, previousDeliveries } from './codec.js';
import { createRabbitLink, replyCode, ReplyCode } from './link.js';
import type { RabbitMetrics } from './metrics.js';
import { declareTopology, membersQueue, ownerQueue, shardOf, shardQueue, type RabbitConfig } from './topology.js';
import { ErrorCode } from '../lib/error-codes.js';

export interface RabbitConsumer {
  /** Connects, declares the topology and joins the members; shards are taken at the first rebalance. */
  start(): Promise<void>;
  /** Finishes every chunk in hand, acknowledges it, returns the rest to the queues and disconnects. */
  stop(): Promise<void>;
  /** Connected, topology declared, counted as a member (it may hold no shard: more instances than shards). */
  readiness(): boolean;
  /** The shards this instance consumes now, ascending. */
  shards(): number[];
}

/** Thrown to give up a chunk without acknowledging it (stop, hand-over, lost connection): it is redelivered. */
class Abandoned extends Error {
  override name = 'Abandoned';
}

/** Consumers idle on the members queue are counted; the queue goes away a minute after the last instance. */
const MEMBERS_EXPIRES_MS = 60_000;

interface Session {
  conn: ChannelModel;
  /** Confirm channel for dead letters (reopened when closed). */
  dlq: ConfirmChannel;
  dlqClosed: boolean;
  workers: Map<number, Worker>;
  lost: boolean;
}

/** A rebalance in progress and the session it started on. */
interface Rebalance {
  session: Session | undefined;
  done: Promise<void>;
}

interface Worker {
  shard: number;
  session: Session;
  channel: Channel;
  buffer: ConsumeMessage[];
  wake: (() => void) | undefined;
  /** Set to stop after the chunk in hand (hand-over, shutdown). */
  stopping: boolean;
  closed: boolean;
  done: Promise<void>;
}

interface Item {
  message: ConsumeMessage;
  input: Record<string, unknown>;
  merchantId: string | undefined;
}

/** A dead letter and the message it came from (the original bytes go to the dead-letter queue). */
interface Letter {
  entry: NewDeadLetter;
  message: ConsumeMessage;
}

export function createRabbitConsumer(deps: {
  config: RabbitConfig;
  pipeline: IngestPipeline;
  deadLetters: DeadLetterService;
  logger: Logger;
  metrics: RabbitMetrics;
  /** Names this instance in logs and spreads the first shard each instance tries. @default a random id */
  instanceId?: string;
}): RabbitConsumer {
  const { config, pipeline, deadLetters, metrics } = deps;
  const instanceId = deps.instanceId ?? createHash('sha256').update(`${process.pid}-${Date.now()}-${Math.random()}`).digest('hex').slice(0, 8);
  const logger = deps.logger.child({ component: 'rabbitmq-consumer', instance: instanceId });
  let session: Session | undefined;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  /** The rebalance running now and the session it started on: a new session never waits on a lost one's. */
  let rebalancing: Rebalance | undefined;

  const link = createRabbitLink({
    url: config.url,
    // Names the deployment's queues too, so an operator can tell the consumers apart in the broker's connection list.
    name: `paypulse-consumer:${config.queue}:${instanceId}`,
    logger,
    backoff: config.retry,
    async onOpen(conn) {
      const setup = await conn.createChannel();
      await declareTopology(setup, config);
      await setup.assertQueue(membersQueue(config), { durable: false, arguments: { 'x-expires': MEMBERS_EXPIRES_MS } });
      await setup.close();
      const members = await conn.createChannel();
      members.on('error', (err: Error) => logger.warn({ err }, 'members channel error'));
      await members.consume(membersQueue(config), () => {}, { noAck: true });
      const dlq = await conn.createConfirmChannel();
      dlq.on('error', (err: Error) => logger.warn({ err }, 'dead-letter channel error'));
      const s: Session = { conn, dlq, dlqClosed: false, workers: new Map(), lost: false };
      dlq.on('close', () => (s.dlqClosed = true));
      members.on('close', () => {
        // Not counted as an instance any more (its queue was deleted?): start over on a new connection, which declares it again.
        if (stopping || s.lost) return;
        logger.warn('members channel closed; reconnecting');
        void conn.close().catch(() => {});
      });
      session = s;
      metrics.connected.set(1);
      void rebalanceSoon();
    },
    onLost(conn) {
      const lost = session?.conn === conn ? session : undefined;
      if (!lost) return;
      lost.lost = true;
      session = undefined;
      metrics.connected.set(0);
      metrics.shardsOwned.set(0);
      // Their channels are gone with the connection: the broker returned their messages.
      for (const worker of lost.workers.values()) wake(worker);
      lost.workers.clear();
    },
    onReconnect: () => metrics.reconnects.inc({ connection: 'consumer' }),
  });

  const stale = (w: Worker) => stopping || w.stopping || w.closed || w.session.lost;

  function wake(w: Worker) {
    const resolve = w.wake;
    w.wake = undefined;
    resolve?.();
  }

  /** Runs `work` until it succeeds; transient failures forever, others `maxAttempts` times. */
  async function withRetry<T>(w: Worker, what: string, work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown; attempts: number }> {
    let attempts = 0;
    let transientRun = 0;
    for (;;) {
      if (stale(w)) throw new Abandoned(what);
      try {
        return { ok: true, value: await work() };
      } catch (error) {
        const transient = isTransient(error);
        if (transient) transientRun += 1;
        else attempts += 1;
        if (!transient && attempts >= config.retry.maxAttempts) return { ok: false, error, attempts };
        const delay = backoffDelay(transient ? transientRun : attempts, config.retry);
        logger.warn({ err: error, transient, attempts: attempts + transientRun, delayMs: delay, shard: w.shard }, `${what} failed; retrying`);
        await pause(w, delay);
      }
    }
  }

  /** Sleeps in slices, giving up as soon as the worker should stop. */
  async function pause(w: Worker, ms: number) {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (stale(w)) throw new Abandoned('stopping');
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, until - Date.now())));
    }
  }

  function letter(w: Worker, message: ConsumeMessage, merchantId: string | undefined, errors: ItemError[], attempts: number): Letter {
    return {
      message,
      entry: {
        broker: 'rabbitmq',
        topic: shardQueue(config, w.shard),
        partition: w.shard,
        offset: messageDigest(message),
        key: headerText(message, MERCHANT_HEADER) ?? null,
        payload: message.content.toString('utf8'),
        headers: describeHeaders(message),
        merchantId,
        errorCode: errors[0]!.code,
        errorMessage: errors.map((e) => e.message).join('; '),
        errors,
        attempts,
      },
    };
  }

  /**
   * The session's dead-letter channel, opened again if the broker closed it: that happens when the
   * dead-letter exchange is gone (404), so the topology is declared again first.
   */
  async function deadLetterChannel(s: Session): Promise<ConfirmChannel> {
    if (!s.dlqClosed) return s.dlq;
    const ch = await s.conn.createConfirmChannel();
    ch.on('error', (err: Error) => logger.warn({ err }, 'dead-letter channel error'));
    ch.on('close', () => (s.dlqClosed = true));
    await declareTopology(ch, config);
    s.dlq = ch;
    s.dlqClosed = false;
    return ch;
  }

  /** The original message with its reason to the dead-letter queue, confirmed by the broker. */
  async function publishDeadLetters(w: Worker, letters: Letter[]): Promise<void> {
    const ch = await deadLetterChannel(w.session);
    await Promise.all(
      letters.map(
        ({ entry, message }) =>
          new Promise<void>((resolve, reject) => {
            ch.publish(
              config.deadLetterExchange,
              config.deadLetterQueue,
              message.content,
              {
                persistent: true,
                contentType: message.properties.contentType as string | undefined,
                messageId: message.properties.messageId as string | undefined,
                timestamp: message.properties.timestamp as number | undefined,
                headers: {
                  ...message.properties.headers,
                  'x-error-code': entry.errorCode,
                  'x-error-message': entry.errorMessage.slice(0, 4_000),
                  'x-original-queue': entry.topic,
                  'x-original-shard': entry.partition,
                  'x-original-routing-key': message.fields.routingKey,
                  'x-attempts': entry.attempts,
                },
              },
              (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(`dead-letter queue refused the message: ${String(err)}`)) : resolve()),
            );
          }),
      ),
    );
  }

  async function ingest(w: Worker, items: Item[], source: EventSource): Promise<{ letters: Letter[]; ingested: number; duplicates: number }> {
    const result = await pipeline.ingest(
      items.map((i) => i.input),
      { source, requirePublish: true },
    );
    const letters = result.items.flatMap((o, i) => (o.status === 'rejected' ? [letter(w, items[i]!.message, items[i]!.merchantId, o.errors, 1)] : []));
    return { letters, ingested: result.ingested, duplicates: result.duplicates };
  }

  async function processChunk(w: Worker, messages: ConsumeMessage[]) {
    const letters: Letter[] = [];
    const bySource = new Map<EventSource, Item[]>();
    let ingested = 0;
    let duplicates = 0;
    for (const message of messages) {
      if (message.fields.redelivered) metrics.redelivered.inc();
      const before = previousDeliveries(message);
      const named = headerText(message, MERCHANT_HEADER);
      if (before >= config.maxDeliveries) {
        const error = { field: '(message)', code: ErrorCode.DeliveryLimit, message: `delivered ${before + 1} times without being acknowledged` };
        letters.push(letter(w, message, named, [error], before + 1));
        continue;
      }
      const decoded = decodeMessage(message.content, named ?? null);
      if (!decoded.ok) {
        letters.push(letter(w, message, named, [{ field: '(message)', code: decoded.code, message: decoded.message }], 1));
        continue;
      }
      if (decoded.merchantId !== undefined && shardOf(decoded.merchantId, config.shards) !== w.shard) {
        // Still stored, but this merchant's order across shards is not guaranteed: the producer must route by shardOf.
        metrics.misrouted.inc();
        logger.warn({ shard: w.shard, merchantId: decoded.merchantId, routingKey: message.fields.routingKey }, 'message on the wrong shard for its merchant');
      }
      const source = sourceOf(message.properties.headers, 'rabbitmq');
      const group = bySource.get(source) ?? [];
      group.push({ message, input: decoded.input, merchantId: decoded.merchantId });
      bySource.set(source, group);
    }

    for (const [source, items] of bySource) {
      // The whole chunk at once; transient failures are waited out inside.
      const whole = await withRetry(w, 'ingest', () => ingest(w, items, source));
      if (whole.ok) {
        letters.push(...whole.value.letters);
        ingested += whole.value.ingested;
        duplicates += whole.value.duplicates;
        continue;
      }
      // Something in the chunk keeps failing: isolate it, one message at a time.
      for (const item of items) {
        const single = await withRetry(w, 'ingest one message', () => ingest(w, [item], source));
        if (single.ok) {
          letters.push(...single.value.letters);
          ingested += single.value.ingested;
          duplicates += single.value.duplicates;
        } else {
          logger.error({ err: single.error, shard: w.shard, messageId: item.message.properties.messageId }, 'message failed after every retry; dead-lettering it');
          const reason = single.error instanceof Error ? single.error.message : String(single.error);
          letters.push(letter(w, item.message, item.merchantId, [{ field: '(message)', code: ErrorCode.ProcessingFailed, message: reason.slice(0, 1_000) }], single.attempts));
        }
      }
    }

    if (letters.length > 0) {
      const recorded = await withRetry(w, 'dead-letter', async () => {
        await publishDeadLetters(w, letters);
        await deadLetters.record(letters.map((l) => l.entry));
      });
      // Neither the queue nor the table takes it: do not acknowledge it.
      if (!recorded.ok) throw recorded.error;
      for (const l of letters) metrics.deadLettered.inc({ code: l.entry.errorCode });
      logger.warn({ shard: w.shard, count: letters.length, codes: [...new Set(letters.map((l) => l.entry.errorCode))] }, 'messages dead-lettered');
    }
    if (ingested) metrics.messages.inc({ outcome: 'ingested' }, ingested);
    if (duplicates) metrics.messages.inc({ outcome: 'duplicate' }, duplicates);
    if (letters.length) metrics.messages.inc({ outcome: 'dead_lettered' }, letters.length);
  }

  async function run(w: Worker): Promise<void> {
    try {
      for (;;) {
        if (stale(w)) return;
        if (w.buffer.length === 0) {
          await new Promise<void>((resolve) => (w.wake = resolve));
          continue;
        }
        const chunk = w.buffer.splice(0, config.batchSize);
        await processChunk(w, chunk);
        try {
          // Everything up to the chunk's last delivery on this channel is handled.
          w.channel.ack(chunk.at(-1)!, true);
        } catch (error) {
          // The channel closed under us: the broker redelivers, the pipeline sees duplicates.
          logger.warn({ err: error, shard: w.shard }, 'acknowledgement lost with its channel');
          return;
        }
      }
    } catch (error) {
      if (error instanceof Abandoned) return;
      // Not even dead-lettering works: give the shard back, so its messages are retried (here or elsewhere) later.
      logger.error({ err: error, shard: w.shard }, 'shard worker failed; handing the shard back');
    } finally {
      // Ended by anything but a hand-over or shutdown (its channel closed, a failure): a lease
      // without a worker would keep the shard from everyone, so it is given back and retaken.
      if (!w.stopping && !stopping && !w.session.lost) {
        w.stopping = true;
        void release(w, { running: false });
      }
    }
  }

  /** Tries to take shard `shard`'s lease; false when another instance holds it. */
  async function tryLease(s: Session, shard: number): Promise<boolean> {
    const ch = await s.conn.createChannel();
    // RESOURCE_LOCKED closes this throwaway channel; the connection stays.
    ch.on('error', () => {});
    try {
      await ch.assertQueue(ownerQueue(config, shard), { exclusive: true, durable: false, autoDelete: false });
      return true;
    } catch (error) {
      if (replyCode(error) === ReplyCode.ResourceLocked) return false;
      throw error;
    } finally {
      await ch.close().catch(() => {});
    }
  }

  async function startWorker(s: Session, shard: number): Promise<void> {
    const channel = await s.conn.createChannel();
    const w: Worker = { shard, session: s, channel, buffer: [], wake: undefined, stopping: false, closed: false, done: Promise.resolve() };
    channel.on('error', (err: Error) => logger.warn({ err, shard }, 'shard channel error'));
    channel.on('close', () => {
      if (!w.stopping && !s.lost) logger.warn({ shard }, 'shard channel closed by the broker');
      w.closed = true;
      wake(w);
    });
    await channel.prefetch(config.prefetch);
    s.workers.set(shard, w);
    await channel.consume(
      shardQueue(config, shard),
      (message) => {
        if (message === null) {
          // The broker cancelled us (the queue was deleted): reconnect, which declares it again.
          logger.error({ shard }, 'shard consumer cancelled by the broker; reconnecting');
          void s.conn.close().catch(() => {});
          return;
        }
        w.buffer.push(message);
        wake(w);
      },
      { noAck: false },
    );
    w.done = run(w);
    logger.info({ shard }, 'consuming shard');
  }

  /** Finishes the chunk in hand, returns the rest, then releases the lease. */
  async function release(w: Worker, options: { running: boolean } = { running: true }): Promise<void> {
    w.stopping = true;
    wake(w);
    // From inside the worker's own loop there is nothing left to wait for.
    if (options.running) await w.done;
    await w.channel.close().catch(() => {});
    if (w.session.workers.get(w.shard) === w) w.session.workers.delete(w.shard);
    await dropLease(w.session, w.shard);
    metrics.shardsOwned.set(session?.workers.size ?? 0);
    logger.info({ shard: w.shard }, 'handed shard back');
  }

  /** Deletes the lease queue (the connection's end would delete it too). */
  async function dropLease(s: Session, shard: number): Promise<void> {
    if (s.lost) return;
    const ch = await s.conn.createChannel().catch(() => undefined);
    if (!ch) return;
    ch.on('error', () => {});
    await ch.deleteQueue(ownerQueue(config, shard)).catch(() => {});
    await ch.close().catch(() => {});
  }

  /** Shards in the order this instance tries them: rotated by its id, so instances start apart. */
  function preference(): number[] {
    const offset = Number.parseInt(instanceId.slice(0, 8), 16) % config.shards || 0;
    return Array.from({ length: config.shards }, (_, i) => (i + offset) % config.shards);
  }

  async function rebalance(): Promise<void> {
    const s = session;
    if (!s || s.lost || stopping) return;
    const probe = await s.conn.createChannel();
    probe.on('error', () => {});
    let instances: number;
    try {
      instances = Math.max(1, (await probe.checkQueue(membersQueue(config))).consumerCount);
    } finally {
      await probe.close().catch(() => {});
    }
    metrics.instances.set(instances);
    const fair = Math.ceil(config.shards / instances);
    const held = [...s.workers.values()].filter((w) => !w.stopping);
    if (held.length > fair) {
      const surplus = held.sort((a, b) => b.shard - a.shard).slice(0, held.length - fair);
      logger.info({ instances, fair, handing: surplus.map((w) => w.shard) }, 'handing shards back to share them');
      await Promise.all(surplus.map((w) => release(w)));
    } else if (held.length < fair) {
      let count = held.length;
      for (const shard of preference()) {
        if (count >= fair || s.lost || stopping) break;
        if (s.workers.has(shard)) continue;
        if (!(await tryLease(s, shard))) continue;
        try {
          await startWorker(s, shard);
        } catch (error) {
          // A lease without a consumer would keep the shard from everyone: give it back.
          const worker = s.workers.get(shard);
          if (worker) await release(worker);
          else await dropLease(s, shard);
          throw error;
        }
        count += 1;
      }
    }
    metrics.shardsOwned.set(s.workers.size);
  }

  function rebalanceSoon(): Promise<void> {
    if (rebalancing && rebalancing.session === session) return rebalancing.done;
    // A rebalance still running on a lost session (its broker calls may take a while to fail)
    // ends on its own; it must not keep the new session from taking its shards.
    const entry: Rebalance = { session, done: Promise.resolve() };
    entry.done = rebalance()
      .catch((err: unknown) => logger.warn({ err }, 'rebalance failed; next round will retry'))
      .finally(() => {
        if (rebalancing === entry) rebalancing = undefined;
      });
    rebalancing = entry;
    return entry.done;
  }

  return {
    async start() {
      await link.start();
      timer = setInterval(() => void rebalanceSoon(), config.rebalanceMs);
      timer.unref();
      await rebalanceSoon();
    },
    async stop() {
      stopping = true;
      if (timer) clearInterval(timer);
      await rebalancing?.done;
      await link.stop(async () => {
        const s = session;
        if (!s) return;
        const workers = [...s.workers.values()];
        for (const w of workers) {
          w.stopping = true;
          wake(w);
        }
        await Promise.all(workers.map((w) => w.done));
        // Closing each channel after its last acknowledgement makes the broker process that ack first.
        await Promise.all(workers.map((w) => w.channel.close().catch(() => {})));
      });
      metrics.connected.set(0);
      metrics.shardsOwned.set(0);
    },
    readiness: () => !stopping && session !== undefined && !session.lost,
    shards: () => [...(session?.workers.keys() ?? [])].sort((a, b) => a - b),
  };
}

