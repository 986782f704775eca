/**
 * RabbitMQ messages carry the same JSON envelopes as Kafka's (kafka/codec.ts decodes both). What
 * AMQP adds: the optional `merchant-id` header plays the Kafka key's part (names the merchant of
 * an envelope that does not), `paypulse-source` the same header as on Kafka, and a message has no
 * offset, so dead letters are keyed by a digest of the message instead.
 */
import { createHash } from 'node:crypto';
import type { Message } from 'amqplib';

export const MERCHANT_HEADER = 'merchant-id';

/** Headers the broker changes on redelivery or dead-lettering: never part of a message's identity. */
const BROKER_HEADERS = new Set(['x-delivery-count', 'x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason']);

/** A header as text (AMQP tables may hold strings, Buffers, numbers, booleans). */
export function headerText(message: Pick<Message, 'properties'>, name: string): string | undefined {
  const value: unknown = message.properties.headers?.[name];
  if (value === undefined || value === null) return undefined;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** How many times the broker delivered it before (quorum queues count returns in `x-delivery-count`). */
export function previousDeliveries(message: Pick<Message, 'properties'>): number {
  const value: unknown = message.properties.headers?.['x-delivery-count'];
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/**
 * A stable 63-bit id for a message, so a poison message redelivered after a crash is recorded once
 * (the `offset` of its dead-letter row): SHA-256 of its `message-id` when the publisher set one
 * (paypulse always does), otherwise of its body, timestamp and own headers. Two id-less messages
 * with identical bytes, timestamp and headers are therefore one dead-letter row (each still reaches
 * the dead-letter queue).
 */
export function messageDigest(message: Pick<Message, 'content' | 'properties'>): string {
  const hash = createHash('sha256');
  const id: unknown = message.properties.messageId;
  if (typeof id === 'string' && id.length > 0) hash.update('id\0').update(id, 'utf8');
  else {
    const own = Object.entries(message.properties.headers ?? {})
      .filter(([k]) => !BROKER_HEADERS.has(k))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    hash
      .update('body\0')
      .update(message.content)
      .update(`\0${String(message.properties.timestamp ?? '')}\0${JSON.stringify(own, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v))}`);
  }
  return (hash.digest().readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn).toString();
}

/** The message's headers and identifying properties as text, for the dead-letter row. */
export function describeHeaders(message: Pick<Message, 'fields' | 'properties'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(message.properties.headers ?? {})) {
    const text = headerText(message, name);
    if (text !== undefined) out[name] = text;
  }
  if (typeof message.properties.messageId === 'string') out['message-id'] = message.properties.messageId;
  if (typeof message.properties.contentType === 'string') out['content-type'] = message.properties.contentType;
  out['routing-key'] = message.fields.routingKey;
  return out;
}
