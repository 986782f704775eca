/**
 * The RabbitMQ topology every instance declares (idempotently) before it publishes or consumes:
 *
 *   exchange `<exchange>` (direct, durable)
 *     ── routing key "<n>" ──▶ quorum queue `<queue>.<n>`, n in 0..shards-1
 *                               (x-single-active-consumer, dead-letter exchange `<dlx>`)
 *   exchange `<dlx>` (direct, durable) ── routing key `<dlq>` ──▶ quorum queue `<dlq>`
 *
 * A merchant's events all go to one shard, `shardOf(merchantId)`, so they sit in one queue in
 * publish order; single-active-consumer means one consumer at a time takes from it, and the
 * ownership leases (`<queue>.<n>.owner`, exclusive queues: see consumer.ts) spread the shards
 * over the instances. Plain AMQP 0-9-1 only: no broker plugin is needed (the consistent-hash
 * exchange would need one, and upstream producers can compute the shard themselves).
 */
import { createHash } from 'node:crypto';
import type { Channel } from 'amqplib';
import type { Config } from '../config.js';

export type RabbitConfig = NonNullable<Config['rabbitmq']>;

/**
 * The shard of a merchant: the first 4 bytes of SHA-256 over its UTF-8 id, read as an unsigned
 * big-endian integer, modulo the shard count. Documented for upstream producers
 * (docs/events.md#rabbitmq): they publish with routing key `String(shardOf(id, shards))`.
 */
export function shardOf(merchantId: string, shards: number): number {
  return createHash('sha256').update(merchantId, 'utf8').digest().readUInt32BE(0) % shards;
}

export function shardQueue(config: Pick<RabbitConfig, 'queue'>, shard: number): string {
  return `${config.queue}.${shard}`;
}

/** The exclusive queue whose holder owns a shard; the broker deletes it when its connection ends. */
export function ownerQueue(config: Pick<RabbitConfig, 'queue'>, shard: number): string {
  return `${config.queue}.${shard}.owner`;
}

/** Every consuming instance holds one consumer on it: its consumer count is the number of instances. */
export function membersQueue(config: Pick<RabbitConfig, 'queue'>): string {
  return `${config.queue}.members`;
}

/**
 * Arguments of a shard queue. They are part of the queue's identity: a redeclare with other
 * arguments is refused by the broker (PRECONDITION_FAILED), so nothing configurable beyond the
 * names goes here.
 */
function shardArguments(config: RabbitConfig): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-single-active-consumer': true,
    // What the broker itself dead-letters (an operator's policy: TTL, length limit, delivery
    // limit) lands in the same queue as what the consumer dead-letters with its reason.
    'x-dead-letter-exchange': config.deadLetterExchange,
    'x-dead-letter-routing-key': config.deadLetterQueue,
  };
}

/** Declares the exchanges, shard queues, bindings and dead-letter queue; safe to repeat from any instance. */
export async function declareTopology(channel: Channel, config: RabbitConfig): Promise<void> {
  await channel.assertExchange(config.exchange, 'direct', { durable: true });
  await channel.assertExchange(config.deadLetterExchange, 'direct', { durable: true });
  await channel.assertQueue(config.deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(config.deadLetterQueue, config.deadLetterExchange, config.deadLetterQueue);
  for (let shard = 0; shard < config.shards; shard++) {
    const queue = shardQueue(config, shard);
    await channel.assertQueue(queue, { durable: true, arguments: shardArguments(config) });
    await channel.bindQueue(queue, config.exchange, String(shard));
  }
}
