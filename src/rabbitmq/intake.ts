/**
 * The RabbitMQ intake: ingest mutations and webhooks validate their events exactly as the
 * pipeline does, then publish the valid ones to the exchange (routing key = the merchant's
 * shard, persistent, mandatory) on a confirm channel, and report them ACCEPTED only once the
 * broker confirmed every one of them — that is, once they are in their quorum queue. A refusal
 * (nack), a message returned as unroutable, a dropped connection or no confirm within
 * `publishTimeoutMs` fails the whole call with IntakeUnavailableError (SERVICE_UNAVAILABLE,
 * retryable): the caller retries with the same event ids, and whatever did reach the queue is
 * dropped as a duplicate by the consumer. Invalid items are refused at once and never published.
 */
import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import { IntakeUnavailableError, type EventIntake } from '../ingest/intake.js';
import { prepareBatch, summarize, unknownMerchant } from '../ingest/batch.js';
import { encodeDraft, SOURCE_HEADER } from '../kafka/codec.js';
import type { Logger } from '../lib/logger.js';
import type { MerchantService } from '../merchants/service.js';
import { MERCHANT_HEADER } from './codec.js';
import { createRabbitLink } from './link.js';
import type { RabbitMetrics } from './metrics.js';
import { declareTopology, shardOf, type RabbitConfig } from './topology.js';

export interface RabbitIntake extends EventIntake {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Connected, with a confirm channel open. */
  readiness(): boolean;
}

interface Outgoing {
  routingKey: string;
  body: Buffer;
  messageId: string;
  headers: Record<string, string>;
}

export function createRabbitIntake(deps: { config: RabbitConfig; merchants: MerchantService; logger: Logger; metrics: RabbitMetrics }): RabbitIntake {
  const { config, metrics } = deps;
  const logger = deps.logger.child({ component: 'rabbitmq-intake' });
  let channel: ConfirmChannel | undefined;
  let opening: Promise<ConfirmChannel> | undefined;
  /** Message ids the broker returned as unroutable; their confirm follows the return on the same channel. */
  const returned = new Set<string>();

  async function openChannel(conn: ChannelModel): Promise<ConfirmChannel> {
    const ch = await conn.createConfirmChannel();
    ch.on('error', (err: Error) => logger.warn({ err }, 'publish channel error'));
    ch.on('return', (message: Message) => {
      if (typeof message.properties.messageId === 'string') returned.add(message.properties.messageId);
    });
    ch.on('close', () => {
      if (channel === ch) channel = undefined;
    });
    return ch;
  }

  const link = createRabbitLink({
    url: config.url,
    name: `paypulse-publisher:${config.exchange}`,
    logger,
    backoff: config.retry,
    async onOpen(conn) {
      const setup = await conn.createChannel();
      await declareTopology(setup, config);
      await setup.close();
      channel = await openChannel(conn);
    },
    onLost: () => {
      channel = undefined;
    },
    onReconnect: () => metrics.reconnects.inc({ connection: 'publisher' }),
  });

  /** The confirm channel, reopened on the live connection if the broker closed it (e.g. after a 404). */
  async function confirmChannel(): Promise<ConfirmChannel> {
    if (channel) return channel;
    const conn = link.current();
    if (!conn) throw new IntakeUnavailableError('RabbitMQ is not connected; retry with the same event ids');
    opening ??= openChannel(conn)
      .then((ch) => (channel = ch))
      .finally(() => (opening = undefined));
    return opening;
  }

  /** Publishes every message and resolves once the broker confirmed all of them; rejects on the first failure. */
  async function publishConfirmed(ch: ConfirmChannel, messages: Outgoing[]): Promise<void> {
    const confirms: Promise<void>[] = [];
    const timestamp = Math.floor(Date.now() / 1000);
    for (const m of messages) {
      let writable = true;
      confirms.push(
        new Promise<void>((resolve, reject) => {
          writable = ch.publish(
            config.exchange,
            m.routingKey,
            m.body,
            { persistent: true, mandatory: true, contentType: 'application/json', messageId: m.messageId, timestamp, headers: m.headers },
            (err: unknown) => {
              if (err) return reject(err instanceof Error ? err : new Error(`broker refused the message: ${String(err)}`));
              if (returned.delete(m.messageId)) return reject(new Error(`no queue is bound for routing key ${m.routingKey} (unroutable)`));
              resolve();
            },
          );
        }),
      );
      // Respect the socket's backpressure on large batches.
      if (!writable) await new Promise<void>((resolve) => {
        const done = () => {
          ch.off('drain', done);
          ch.off('close', done);
          resolve();
        };
        ch.once('drain', done);
        ch.once('close', done);
      });
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no publisher confirm within ${config.publishTimeoutMs} ms`)), config.publishTimeoutMs);
    });
    // Late confirms after a timeout settle nobody's promise: keep them from being unhandled.
    for (const c of confirms) c.catch(() => {});
    try {
      await Promise.race([Promise.all(confirms), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    mode: 'rabbitmq',
    start: () => link.start(),
    async stop() {
      await link.stop(async () => {
        await channel?.close();
      });
    },
    readiness: () => link.current() !== undefined && channel !== undefined,
    async ingest(inputs, options) {
      const { outcomes, byMerchant } = prepareBatch(inputs, options);
      const messages: Outgoing[] = [];
      for (const [merchantId, items] of byMerchant) {
        if (!(await deps.merchants.get(merchantId))) {
          for (const { index, draft } of items) outcomes[index] = { index, status: 'rejected', errors: unknownMerchant(draft) };
          continue;
        }
        const routingKey = String(shardOf(merchantId, config.shards));
        for (const { index, draft } of items) {
          messages.push({
            routingKey,
            body: Buffer.from(encodeDraft({ ...draft, merchantId })),
            // Unique per publish: a retried publish is a new message, and the consumer drops the repeat by event id.
            messageId: randomUUID(),
            headers: { [SOURCE_HEADER]: options.source, [MERCHANT_HEADER]: merchantId },
          });
          outcomes[index] = { index, status: 'accepted', eventId: draft.eventId, merchantId };
        }
      }
      if (messages.length > 0) {
        try {
          await publishConfirmed(await confirmChannel(), messages);
          metrics.published.inc({ outcome: 'confirmed' }, messages.length);
        } catch (error) {
          metrics.published.inc({ outcome: 'failed' }, messages.length);
          if (error instanceof IntakeUnavailableError) throw error;
          logger.warn({ err: error, count: messages.length }, 'RabbitMQ did not confirm every event');
          throw new IntakeUnavailableError('RabbitMQ did not confirm every event; retry with the same event ids (repeats are dropped as duplicates)', { cause: error });
        }
      }
      return summarize(outcomes);
    },
  };
}
