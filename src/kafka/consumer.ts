/**
 * The Kafka consumer group that feeds the ingest pipeline.
 *
 * Per partition batch, in chunks of `batchSize` messages:
 *   decode → pipeline (one transaction per merchant) → dead-letter what is invalid → commit the
 *   offset after the last message of the chunk.
 * An offset is committed only after every message below it is stored or dead-lettered, so a
 * crash anywhere redelivers, and the pipeline turns a redelivery into a duplicate (no change,
 * published again for subscribers that missed it).
 *
 * Failures:
 * - transient (database or Redis unreachable, dropped connection, serialization conflict):
 *   retried with exponential backoff and jitter for as long as it lasts, never skipping a
 *   message, heartbeating meanwhile so the group does not rebalance;
 * - permanent for one message (invalid JSON or envelope, unknown schema version, unknown
 *   merchant): dead-lettered with its reason at once;
 * - anything else: the chunk is retried message by message, and a message still failing after
 *   `maxAttempts` is dead-lettered, so a poison message never blocks its partition.
 */
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { DeadLetterService, NewDeadLetter } from '../dead-letters/service.js';
import type { ItemError } from '../ingest/batch.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import { backoffDelay } from '../lib/backoff.js';
import type { Logger } from '../lib/logger.js';
import { isTransient } from '../lib/transient.js';
import type { EventSource } from '../payments/types.js';
import type { KafkaConfig } from './client.js';
import { decodeMessage, sourceOf } from './codec.js';
import { ErrorCode } from '../lib/error-codes.js';

export interface EventConsumer {
  start(): Promise<void>;
  /** Finishes the chunk in hand, commits it, and leaves the group. */
  stop(): Promise<void>;
  /** Joined the group and consuming. */
  readiness(): boolean;
}

/** Thrown to abandon a batch without committing (shutdown or rebalance): it is redelivered. */
class Abandoned extends Error {
  override name = 'Abandoned';
}

interface Item {
  message: KafkaMessage;
  source: EventSource;
  input: Record<string, unknown>;
  merchantId: string | undefined;
}

export function createEventConsumer(deps: {
  kafka: Kafka;
  config: KafkaConfig;
  pipeline: IngestPipeline;
  deadLetters: DeadLetterService;
  logger: Logger;
}): EventConsumer {
  const { config, pipeline, deadLetters } = deps;
  const logger = deps.logger.child({ component: 'kafka-consumer', group: config.groupId });
  const consumer: Consumer = deps.kafka.consumer({ groupId: config.groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
  let joined = false;
  let stopping = false;

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    joined = true;
    logger.info({ assignment: payload.memberAssignment }, 'joined consumer group');
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    joined = false;
    logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
  });
  consumer.on(consumer.events.STOP, () => {
    joined = false;
  });

  /** Runs `work` until it succeeds; transient failures forever, others `maxAttempts` times. */
  async function withRetry<T>(payload: EachBatchPayload, what: string, work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown; attempts: number }> {
    let attempts = 0;
    let transientRun = 0;
    for (;;) {
      if (stopping || !payload.isRunning() || payload.isStale()) throw new Abandoned(what);
      try {
        return { ok: true, value: await work() };
      } catch (error) {
        const transient = isTransient(error);
        if (transient) transientRun += 1;
        else attempts += 1;
        if (!transient && attempts >= config.retry.maxAttempts) return { ok: false, error, attempts };
        const delay = backoffDelay(transient ? transientRun : attempts, config.retry);
        logger.warn({ err: error, transient, attempts: attempts + transientRun, delayMs: delay, topic: payload.batch.topic, partition: payload.batch.partition }, `${what} failed; retrying`);
        await pause(payload, delay);
      }
    }
  }

  /** Sleeps in slices, heartbeating, and gives up the batch as soon as it should stop. */
  async function pause(payload: EachBatchPayload, ms: number) {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (stopping || !payload.isRunning() || payload.isStale()) throw new Abandoned('stopping');
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, until - Date.now())));
      await payload.heartbeat();
    }
  }

  function letter(payload: EachBatchPayload, message: KafkaMessage, merchantId: string | undefined, errors: ItemError[], attempts: number): NewDeadLetter {
    const headers = Object.fromEntries(
      Object.entries(message.headers ?? {}).map(([k, v]) => [k, (Array.isArray(v) ? v.map(String).join(',') : v?.toString()) ?? '']),
    );
    return {
      broker: 'kafka',
      topic: payload.batch.topic,
      partition: payload.batch.partition,
      offset: message.offset,
      key: message.key?.toString() ?? null,
      payload: message.value?.toString() ?? '',
      headers,
      merchantId,
      errorCode: errors[0]!.code,
      errorMessage: errors.map((e) => e.message).join('; '),
      errors,
      attempts,
    };
  }

  /** Ingests items of one source; returns the dead letters for those the pipeline rejected. */
  async function ingest(payload: EachBatchPayload, items: Item[], source: EventSource, attempts: number): Promise<NewDeadLetter[]> {
    const result = await pipeline.ingest(
      items.map((i) => i.input),
      { source, requirePublish: true },
    );
    return result.items.flatMap((o, i) => (o.status === 'rejected' ? [letter(payload, items[i]!.message, items[i]!.merchantId, o.errors, attempts)] : []));
  }

  async function processChunk(payload: EachBatchPayload, messages: KafkaMessage[]) {
    const letters: NewDeadLetter[] = [];
    const bySource = new Map<EventSource, Item[]>();
    for (const message of messages) {
      const decoded = decodeMessage(message.value, message.key);
      if (!decoded.ok) {
        letters.push(letter(payload, message, message.key?.toString(), [{ field: '(message)', code: decoded.code, message: decoded.message }], 1));
        continue;
      }
      const source = sourceOf(message.headers);
      const group = bySource.get(source) ?? [];
      group.push({ message, source, input: decoded.input, merchantId: decoded.merchantId });
      bySource.set(source, group);
    }

    for (const [source, items] of bySource) {
      // The whole chunk at once; transient failures are waited out inside.
      const whole = await withRetry(payload, 'ingest', () => ingest(payload, items, source, 1));
      if (whole.ok) {
        letters.push(...whole.value);
        continue;
      }
      // Something in the chunk keeps failing: isolate it, one message at a time.
      for (const item of items) {
        const single = await withRetry(payload, 'ingest one message', () => ingest(payload, [item], source, 1));
        if (single.ok) letters.push(...single.value);
        else {
          logger.error({ err: single.error, offset: item.message.offset }, 'message failed after every retry; dead-lettering it');
          const reason = single.error instanceof Error ? single.error.message : String(single.error);
          letters.push(letter(payload, item.message, item.merchantId, [{ field: '(message)', code: ErrorCode.ProcessingFailed, message: reason.slice(0, 1_000) }], single.attempts));
        }
      }
    }

    if (letters.length > 0) {
      const recorded = await withRetry(payload, 'dead-letter', () => deadLetters.record(letters));
      // Neither the topic nor the table takes it: do not commit past it.
      if (!recorded.ok) throw recorded.error;
      logger.warn({ count: letters.length, codes: [...new Set(letters.map((l) => l.errorCode))] }, 'messages dead-lettered');
    }
  }

  async function eachBatch(payload: EachBatchPayload) {
    const { batch } = payload;
    try {
      for (let i = 0; i < batch.messages.length; i += config.batchSize) {
        if (stopping || !payload.isRunning() || payload.isStale()) return;
        const chunk = batch.messages.slice(i, i + config.batchSize);
        await processChunk(payload, chunk);
        const last = chunk.at(-1)!.offset;
        payload.resolveOffset(last);
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        await payload.heartbeat();
      }
    } catch (error) {
      if (error instanceof Abandoned) return;
      throw error;
    }
  }

  return {
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topic: config.topic, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 2, eachBatch });
    },
    async stop() {
      stopping = true;
      await consumer.disconnect();
      joined = false;
    },
    readiness: () => joined && !stopping,
  };
}
