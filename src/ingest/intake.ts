/**
 * Where the ingest mutations hand their events. Without a broker the pipeline runs at once and the
 * caller learns INGESTED / DUPLICATE; with Kafka (or RabbitMQ, `INGEST_BROKER`) the events are
 * validated, published and reported ACCEPTED once the broker acknowledged (confirmed) them, and
 * the broker's consumers store them.
 */
import type { IngestOptions, IngestResult } from './batch.js';
import type { IngestPipeline } from './pipeline.js';

export interface EventIntake {
  readonly mode: 'direct' | 'kafka' | 'rabbitmq';
  /** The same verb as the pipeline's: every source ingests. */
  ingest(inputs: readonly unknown[], options: IngestOptions): Promise<IngestResult>;
}

export function createDirectIntake(pipeline: IngestPipeline): EventIntake {
  return { mode: 'direct', ingest: (inputs, options) => pipeline.ingest(inputs, options) };
}

/** The event log did not acknowledge the events: the caller may retry with the same event ids. */
export class IntakeUnavailableError extends Error {
  override name = 'IntakeUnavailableError';
}
