/**
 * The Kafka intake: ingest mutations validate their events exactly as the pipeline does, then
 * produce the valid ones (key = merchant id, so a merchant's events stay in order; idempotent
 * producer; acks from all in-sync replicas) and report them ACCEPTED once Kafka acknowledged.
 * The consumer group stores them. Invalid items are refused at once and never produced.
 */
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { IntakeUnavailableError, type EventIntake } from '../ingest/intake.js';
import { prepareBatch, summarize, unknownMerchant } from '../ingest/batch.js';
import type { MerchantService } from '../merchants/service.js';
import type { KafkaConfig } from './client.js';
import { encodeDraft, SOURCE_HEADER } from './codec.js';

/** One idempotent producer per process, shared by the intake and the dead-letter writer. */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    // kafkajs keeps idempotent delivery in order only with one request in flight.
    maxInFlightRequests: 1,
    // Java-compatible murmur2 on the key: the same merchant lands on the same partition as with other clients.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

export function createKafkaIntake(deps: { producer: Producer; config: KafkaConfig; merchants: MerchantService }): EventIntake {
  const { producer } = deps;
  return {
    mode: 'kafka',
    async ingest(inputs, options) {
      const { outcomes, byMerchant } = prepareBatch(inputs, options);
      const messages: Message[] = [];
      for (const [merchantId, items] of byMerchant) {
        if (!(await deps.merchants.get(merchantId))) {
          for (const { index, draft } of items) outcomes[index] = { index, status: 'rejected', errors: unknownMerchant(draft) };
          continue;
        }
        for (const { index, draft } of items) {
          messages.push({ key: merchantId, value: encodeDraft({ ...draft, merchantId }), headers: { [SOURCE_HEADER]: options.source } });
          outcomes[index] = { index, status: 'accepted', eventId: draft.eventId, merchantId };
        }
      }
      if (messages.length > 0) {
        try {
          await producer.send({ topic: deps.config.topic, acks: -1, messages });
        } catch (error) {
          throw new IntakeUnavailableError('Kafka did not acknowledge every event; retry with the same event ids (repeats are dropped as duplicates)', { cause: error });
        }
      }
      return summarize(outcomes);
    },
  };
}
