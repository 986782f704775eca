import type { DeadLetter } from '../dead-letters/service.js';
import { builder } from './builder.js';
import { connectionOf, forwardPageSize, parseSeqCursor } from './cursor.js';
import { clientError, ErrorCode } from './errors.js';
import { IngestPaymentEventsPayload } from './payments.js';
import type { IngestResult } from '../ingest/batch.js';

const DeadLetterBrokerEnum = builder.enumType('DeadLetterBroker', {
  values: { KAFKA: { value: 'kafka' as const }, RABBITMQ: { value: 'rabbitmq' as const } },
});

const DeadLetterRef = builder.objectRef<DeadLetter>('DeadLetter').implement({
  description: "A Kafka or RabbitMQ message a consumer could not ingest, with why. Also on that broker's dead-letter topic or queue.",
  fields: (t) => ({
    id: t.id({ resolve: (d) => d.id.toString() }),
    broker: t.field({ type: DeadLetterBrokerEnum, description: 'Where the message was consumed from.', resolve: (d) => (d.broker === 'rabbitmq' ? 'rabbitmq' : 'kafka') }),
    topic: t.exposeString('topic', { description: 'Kafka: the topic. RabbitMQ: the shard queue.' }),
    partition: t.exposeInt('partition', { description: 'Kafka: the partition. RabbitMQ: the shard number.' }),
    offset: t.expose('offset', { type: 'BigInt', description: "Kafka: the message's offset. RabbitMQ: a stable 63-bit digest of the message (docs/events.md#rabbitmq)." }),
    key: t.exposeString('key', { nullable: true }),
    payload: t.exposeString('payload', { description: 'The message value exactly as received.' }),
    headers: t.expose('headers', { type: 'JSON' }),
    merchantId: t.exposeString('merchantId', { nullable: true }),
    errorCode: t.exposeString('errorCode', { description: 'INVALID_JSON, INVALID_AMOUNT, UNSUPPORTED_SCHEMA_VERSION, MERCHANT_NOT_FOUND, PROCESSING_FAILED, …' }),
    errorMessage: t.exposeString('errorMessage'),
    errors: t.expose('errors', { type: 'JSON', description: 'Every field error: [{field, code, message}].' }),
    attempts: t.exposeInt('attempts'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    replayedAt: t.expose('replayedAt', { type: 'DateTime', nullable: true }),
    replayedBy: t.exposeString('replayedBy', { nullable: true }),
  }),
});

const ReplayDeadLetterPayload = builder
  .objectRef<{ deadLetter: DeadLetter; replayed: boolean; result: IngestResult | undefined }>('ReplayDeadLetterPayload')
  .implement({
    fields: (t) => ({
      replayed: t.exposeBoolean('replayed', { description: 'True when the event is now stored (or already was).' }),
      deadLetter: t.field({ type: DeadLetterRef, resolve: (p) => p.deadLetter }),
      result: t.field({ type: IngestPaymentEventsPayload, nullable: true, description: 'The pipeline outcome; null when the message is not even JSON.', resolve: (p) => p.result }),
    }),
  });

builder.queryFields((t) => ({
  deadLetters: t.connection({
    type: DeadLetterRef,
    description: 'Admins: dead-lettered Kafka and RabbitMQ messages, oldest first.',
    authScopes: { admin: true },
    args: {
      merchantId: t.arg.id({ required: false }),
      pendingOnly: t.arg.boolean({ required: false, defaultValue: true, description: 'Only those not replayed yet.' }),
    },
    resolve: async (_root, args, ctx) => {
      const first = forwardPageSize(args);
      const page = await ctx.domain.deadLetters.list({
        merchantId: args.merchantId?.toString(),
        pendingOnly: args.pendingOnly ?? true,
        afterId: parseSeqCursor(args.after),
        first,
      });
      return connectionOf(page.items, (d) => d.id.toString(), page.hasNextPage, args.after);
    },
  }),
}));

builder.mutationFields((t) => ({
  replayDeadLetter: t.field({
    type: ReplayDeadLetterPayload,
    description:
      'Admins: run a dead-lettered message through the pipeline again (after fixing its cause, e.g. creating the merchant). Replaying one that is stored already is harmless: it is reported as a duplicate.',
    authScopes: { admin: true },
    args: { id: t.arg.id() },
    resolve: async (_root, args, ctx) => {
      const id = parseSeqCursor(args.id.toString());
      const outcome = id === undefined ? { kind: 'not-found' as const } : await ctx.domain.deadLetters.replay(id, ctx.principal!.subject);
      switch (outcome.kind) {
        case 'not-found':
          throw clientError(ErrorCode.NotFound, 'no such dead letter');
        case 'already-replayed':
          throw clientError(ErrorCode.AlreadyReplayed, `dead letter ${outcome.deadLetter.id} was replayed at ${outcome.deadLetter.replayedAt!.toISOString()}`);
        case 'replayed':
          return { deadLetter: outcome.deadLetter, replayed: true, result: outcome.result };
        case 'still-failing':
          return { deadLetter: outcome.deadLetter, replayed: false, result: outcome.result };
      }
    },
  }),
}));
