/**
 * Why a webhook was refused: a stable code (the GraphQL `extensions.code`, the `code` of the HTTP
 * JSON body and the `reason` label of `paypulse_refusals_total`) and the HTTP status that goes
 * with it. A refused webhook stores nothing.
 */
import { WebhookErrorCode, type ErrorCode } from '../lib/error-codes.js';

export const WebhookCode = WebhookErrorCode;
export type WebhookCode = WebhookErrorCode;

const STATUS: Record<WebhookCode, number> = {
  WEBHOOK_UNKNOWN_PROVIDER: 404,
  WEBHOOK_SIGNATURE_MISSING: 401,
  WEBHOOK_SIGNATURE_INVALID: 401,
  WEBHOOK_TIMESTAMP_OUT_OF_RANGE: 401,
  WEBHOOK_REPLAYED: 409,
  WEBHOOK_MALFORMED_PAYLOAD: 400,
  WEBHOOK_UNMAPPABLE: 400,
  WEBHOOK_METHOD_NOT_ALLOWED: 405,
  WEBHOOK_INVALID_SECRET: 400,
};

export class WebhookRefusal extends Error {
  override name = 'WebhookRefusal';
  readonly status: number;
  /** Set once the refusal was counted in the metrics, so an outer layer does not count it again. */
  counted = false;
  constructor(
    /** A WebhookCode, or an envelope / ingest code (INVALID_AMOUNT, FORBIDDEN, …) for an event the pipeline refused. */
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    status?: number,
    /** Extra HTTP response headers (Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = status ?? STATUS[code as WebhookCode] ?? 400;
  }
}

export const refuse = (code: ErrorCode, message: string, details?: Record<string, unknown>, status?: number, headers?: Record<string, string>) =>
  new WebhookRefusal(code, message, details, status, headers);
