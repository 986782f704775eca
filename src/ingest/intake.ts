/**
 * Where the ingest mutations hand their events. Without Kafka the pipeline runs at once and the
 * caller learns INGESTED / DUPLICATE; with Kafka the events are validated, produced to the topic
 * and reported ACCEPTED once Kafka acknowledged them, and the consumer group stores them.
 */
import type { IngestOptions, IngestPipeline, IngestResult } from './pipeline.js';

export interface EventIntake {
  readonly mode: 'direct' | 'kafka';
  submit(inputs: readonly unknown[], options: IngestOptions): Promise<IngestResult>;
}

export function createDirectIntake(pipeline: IngestPipeline): EventIntake {
  return { mode: 'direct', submit: (inputs, options) => pipeline.ingest(inputs, options) };
}

/** The event log did not acknowledge the events: the caller may retry with the same event ids. */
export class IntakeUnavailableError extends Error {
  override name = 'IntakeUnavailableError';
}
