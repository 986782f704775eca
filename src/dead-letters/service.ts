/**
 * Dead letters: broker messages a consumer could not ingest. Each is written to its broker's
 * dead-letter destination (with the reason in its headers, for other tools) and to the
 * `dead_letters` table (for admins: list, then replay after a fix) BEFORE the original message is
 * committed (Kafka offset) or acknowledged (RabbitMQ), so none is lost; the table keeps one row
 * per broker/topic/partition/offset, so a redelivery records it once.
 *
 * Kafka letters are produced to the dead-letter topic here; the RabbitMQ consumer publishes its
 * own to the dead-letter queue (on its connection, with publisher confirms) before recording.
 */
import type { Producer } from 'kafkajs';
import type { PrismaClient } from '../db/client.js';
import type { IngestResult, ItemError } from '../ingest/batch.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { DeadLetter } from '../generated/prisma/client.js';
import { decodeMessage, sourceOf } from '../kafka/codec.js';

export type { DeadLetter };

export type DeadLetterBroker = 'kafka' | 'rabbitmq';

export interface NewDeadLetter {
  broker: DeadLetterBroker;
  /** Kafka: the topic. RabbitMQ: the shard queue. */
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  payload: string;
  headers: Record<string, string>;
  merchantId: string | undefined;
  errorCode: string;
  errorMessage: string;
  errors: ItemError[];
  attempts: number;
}

export type ReplayOutcome =
  | { kind: 'not-found' }
  | { kind: 'already-replayed'; deadLetter: DeadLetter }
  | { kind: 'replayed'; deadLetter: DeadLetter; result: IngestResult }
  | { kind: 'still-failing'; deadLetter: DeadLetter; result: IngestResult | undefined; errors: ItemError[] };

export interface DeadLetterService {
  /** Produces Kafka letters to the dead-letter topic and records every letter in the table; safe to repeat. */
  record(entries: readonly NewDeadLetter[]): Promise<void>;
  list(args: { merchantId?: string | undefined; pendingOnly: boolean; afterId?: bigint | undefined; first: number }): Promise<{ items: DeadLetter[]; hasNextPage: boolean }>;
  /** Runs the stored message through the pipeline again; marks it replayed when it is now stored (or already was). */
  replay(id: bigint, actor: string): Promise<ReplayOutcome>;
}

export function createDeadLetterService(deps: {
  prisma: PrismaClient;
  pipeline: IngestPipeline;
  /** Undefined without Kafka: nothing is dead-lettered then, but stored rows can still be listed and replayed. */
  producer: Producer | undefined;
  dlqTopic: string | undefined;
}): DeadLetterService {
  const { prisma } = deps;
  return {
    async record(entries) {
      if (entries.length === 0) return;
      const fromKafka = entries.filter((e) => e.broker === 'kafka');
      if (deps.producer && deps.dlqTopic && fromKafka.length > 0) {
        await deps.producer.send({
          topic: deps.dlqTopic,
          acks: -1,
          messages: fromKafka.map((e) => ({
            key: e.key,
            value: e.payload,
            headers: {
              ...e.headers,
              'x-error-code': e.errorCode,
              'x-error-message': e.errorMessage,
              'x-original-topic': e.topic,
              'x-original-partition': String(e.partition),
              'x-original-offset': e.offset,
              'x-attempts': String(e.attempts),
            },
          })),
        });
      }
      await prisma.deadLetter.createMany({
        data: entries.map((e) => ({
          broker: e.broker,
          topic: e.topic,
          partition: e.partition,
          offset: BigInt(e.offset),
          key: e.key,
          payload: e.payload,
          headers: e.headers,
          merchantId: e.merchantId ?? null,
          errorCode: e.errorCode,
          errorMessage: e.errorMessage,
          errors: e.errors.map((x) => ({ ...x })),
          attempts: e.attempts,
        })),
        skipDuplicates: true,
      });
    },

    async list({ merchantId, pendingOnly, afterId, first }) {
      const rows = await prisma.deadLetter.findMany({
        where: {
          ...(merchantId !== undefined ? { merchantId } : {}),
          ...(pendingOnly ? { replayedAt: null } : {}),
          ...(afterId !== undefined ? { id: { gt: afterId } } : {}),
        },
        orderBy: { id: 'asc' },
        take: first + 1,
      });
      return { items: rows.slice(0, first), hasNextPage: rows.length > first };
    },

    async replay(id, actor) {
      const row = await prisma.deadLetter.findUnique({ where: { id } });
      if (!row) return { kind: 'not-found' };
      if (row.replayedAt) return { kind: 'already-replayed', deadLetter: row };
      const decoded = decodeMessage(row.payload, row.key);
      if (!decoded.ok) {
        const errors = [{ field: '(message)', code: decoded.code, message: decoded.message }];
        return { kind: 'still-failing', deadLetter: await bump(row.id, errors), result: undefined, errors };
      }
      const result = await deps.pipeline.ingest([decoded.input], { source: sourceOf(row.headers as Record<string, string>, row.broker === 'rabbitmq' ? 'rabbitmq' : 'kafka') });
      const outcome = result.items[0]!;
      if (outcome.status === 'rejected') {
        return { kind: 'still-failing', deadLetter: await bump(row.id, outcome.errors), result, errors: outcome.errors };
      }
      const deadLetter = await prisma.deadLetter.update({ where: { id: row.id }, data: { replayedAt: new Date(), replayedBy: actor, attempts: { increment: 1 } } });
      return { kind: 'replayed', deadLetter, result };
    },
  };

  function bump(id: bigint, errors: ItemError[]) {
    return prisma.deadLetter.update({
      where: { id },
      data: { attempts: { increment: 1 }, errorCode: errors[0]!.code, errorMessage: errors.map((e) => e.message).join('; '), errors: errors.map((e) => ({ ...e })) },
    });
  }
}
