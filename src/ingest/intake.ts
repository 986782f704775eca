/**
 * Where the ingest mutations hand their events. Without a broker the pipeline runs at once and the
 * caller learns INGESTED / DUPLICATE; with Kafka (or RabbitMQ, `INGEST_BROKER`) the events are
 * validated, published and reported ACCEPTED once the broker acknowledged (confirmed) them, and
 * the broker's consumers store them.
 */
import { ErrorCode } from '../lib/error-codes.js';
import { accept, refuse, type Checked } from '../lib/refusal.js';
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

/** What the ingest mutations call: an intake that also knows the largest batch it takes. */
export interface Intake extends EventIntake {
  /** The batch itself, or BATCH_TOO_LARGE (with `max`) above the configured maximum: then nothing may be stored. */
  checkBatch<T>(inputs: readonly T[]): Checked<readonly T[]>;
}

/** `intake`, refusing a batch above `maxBatchSize` (config `limits.maxBatchSize`) as a whole. */
export function withBatchLimit(intake: EventIntake, maxBatchSize: number): Intake {
  return {
    mode: intake.mode,
    ingest: (inputs, options) => intake.ingest(inputs, options),
    checkBatch: (inputs) =>
      inputs.length > maxBatchSize
        ? refuse(ErrorCode.BatchTooLarge, `a batch holds at most ${maxBatchSize} events; got ${inputs.length}`, { max: maxBatchSize })
        : accept(inputs),
  };
}

/** The event log did not acknowledge the events: the caller may retry with the same event ids. */
export class IntakeUnavailableError extends Error {
  override name = 'IntakeUnavailableError';
}
