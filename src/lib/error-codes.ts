/**
 * The one catalogue of error codes paypulse sends: `extensions.code` of GraphQL errors (HTTP,
 * WebSocket, SSE), `code` of webhook and export refusals, and `code` of the per-field errors in
 * ingest outcomes and dead letters. Closed on purpose: a code a client can branch on is added
 * here (and to docs/errors.md, which a test keeps in step), never written as a string literal.
 *
 * The wire strings are stable; renaming a key is free, changing a value is a breaking change.
 */
export const ErrorCode = {
  // Authentication and authorisation
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',

  // Requests Yoga / graphql-ws refuse before a resolver runs
  BadRequest: 'BAD_REQUEST',
  GraphqlParseFailed: 'GRAPHQL_PARSE_FAILED',
  GraphqlValidationFailed: 'GRAPHQL_VALIDATION_FAILED',
  OperationResolutionFailure: 'OPERATION_RESOLUTION_FAILURE',
  IntrospectionDisabled: 'INTROSPECTION_DISABLED',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  QueryTooLarge: 'QUERY_TOO_LARGE',
  QueryTooDeep: 'QUERY_TOO_DEEP',
  QueryTooBroad: 'QUERY_TOO_BROAD',
  QueryTooComplex: 'QUERY_TOO_COMPLEX',
  BatchingNotSupported: 'BATCHING_NOT_SUPPORTED',
  PersistedQueryOnly: 'PERSISTED_QUERY_ONLY',
  PersistedQueryNotFound: 'PERSISTED_QUERY_NOT_FOUND',
  PersistedQueryMismatch: 'PERSISTED_QUERY_MISMATCH',

  // Rate limits, sockets and streams
  RateLimited: 'RATE_LIMITED',
  SlowConsumer: 'SLOW_CONSUMER',
  TooManySubscriptions: 'TOO_MANY_SUBSCRIPTIONS',
  TooManyStreams: 'TOO_MANY_STREAMS',
  /** The edge ended an open subscription (src/edge): the token's `exp` passed. */
  TokenExpired: 'TOKEN_EXPIRED',
  /** The edge ended an open subscription: its API key was revoked. */
  ApiKeyRevoked: 'API_KEY_REVOKED',
  /** The edge ended an open subscription: `revokeSessions` for its user. */
  SessionsRevoked: 'SESSIONS_REVOKED',
  StreamAlreadyOpen: 'STREAM_ALREADY_OPEN',
  OperationExists: 'OPERATION_EXISTS',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',

  // Client input
  BadUserInput: 'BAD_USER_INPUT',
  NotFound: 'NOT_FOUND',
  BatchTooLarge: 'BATCH_TOO_LARGE',
  RangeTooLarge: 'RANGE_TOO_LARGE',
  MerchantNotFound: 'MERCHANT_NOT_FOUND',
  IllegalTransition: 'ILLEGAL_TRANSITION',
  AlreadyReplayed: 'ALREADY_REPLAYED',

  // Ingest: per-field errors of an event envelope
  MissingField: 'MISSING_FIELD',
  InvalidField: 'INVALID_FIELD',
  InvalidCurrency: 'INVALID_CURRENCY',
  InvalidAmount: 'INVALID_AMOUNT',
  /** Above MAX_AMOUNT_MINOR (10^15 minor units): only this item is refused. */
  AmountOutOfRange: 'AMOUNT_OUT_OF_RANGE',
  InvalidEventType: 'INVALID_EVENT_TYPE',
  UnsupportedSchemaVersion: 'UNSUPPORTED_SCHEMA_VERSION',

  // Dead letters: why a broker message could not be ingested
  InvalidJson: 'INVALID_JSON',
  ProcessingFailed: 'PROCESSING_FAILED',
  DeliveryLimit: 'DELIVERY_LIMIT',

  // Contact verification (notifications)
  InvalidCode: 'INVALID_CODE',
  CodeExpired: 'CODE_EXPIRED',
  NoPendingVerification: 'NO_PENDING_VERIFICATION',
  TooManyAttempts: 'TOO_MANY_ATTEMPTS',
  DeliveryFailed: 'DELIVERY_FAILED',

  // Webhooks
  WebhookUnknownProvider: 'WEBHOOK_UNKNOWN_PROVIDER',
  WebhookSignatureMissing: 'WEBHOOK_SIGNATURE_MISSING',
  WebhookSignatureInvalid: 'WEBHOOK_SIGNATURE_INVALID',
  WebhookTimestampOutOfRange: 'WEBHOOK_TIMESTAMP_OUT_OF_RANGE',
  WebhookReplayed: 'WEBHOOK_REPLAYED',
  WebhookMalformedPayload: 'WEBHOOK_MALFORMED_PAYLOAD',
  WebhookUnmappable: 'WEBHOOK_UNMAPPABLE',
  WebhookMethodNotAllowed: 'WEBHOOK_METHOD_NOT_ALLOWED',
  WebhookInvalidSecret: 'WEBHOOK_INVALID_SECRET',

  // Everything else is masked with one of these
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  InternalServerError: 'INTERNAL_SERVER_ERROR',
  /** The webhook endpoint's masked 500 (`{ code, message }`, not a GraphQL error). */
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Every code, for tests and docs. */
export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

function subset<const K extends keyof typeof ErrorCode>(...keys: K[]): { readonly [P in K]: (typeof ErrorCode)[P] } {
  return Object.freeze(Object.fromEntries(keys.map((k) => [k, ErrorCode[k]]))) as { readonly [P in K]: (typeof ErrorCode)[P] };
}

/** Codes of one field of an event envelope that failed to parse. */
export const FieldErrorCode = subset('MissingField', 'InvalidField', 'InvalidCurrency', 'InvalidAmount', 'AmountOutOfRange', 'InvalidEventType', 'UnsupportedSchemaVersion');
export type FieldErrorCode = (typeof FieldErrorCode)[keyof typeof FieldErrorCode];

/** Codes of one refused item of an ingest batch: a field error, or the pipeline's own refusals. */
export const ItemErrorCode = subset(...(Object.keys(FieldErrorCode) as (keyof typeof FieldErrorCode)[]), 'Forbidden', 'MerchantNotFound');
export type ItemErrorCode = (typeof ItemErrorCode)[keyof typeof ItemErrorCode];

/** Codes of a dead letter's errors: an item's, or why the message never reached the pipeline. */
export const DeadLetterErrorCode = subset(...(Object.keys(ItemErrorCode) as (keyof typeof ItemErrorCode)[]), 'InvalidJson', 'ProcessingFailed', 'DeliveryLimit');
export type DeadLetterErrorCode = (typeof DeadLetterErrorCode)[keyof typeof DeadLetterErrorCode];

/** Codes of a webhook refusal (`{ code, message }` with an HTTP status), keyed without the prefix. */
export const WebhookErrorCode = Object.freeze({
  UnknownProvider: ErrorCode.WebhookUnknownProvider,
  SignatureMissing: ErrorCode.WebhookSignatureMissing,
  SignatureInvalid: ErrorCode.WebhookSignatureInvalid,
  TimestampOutOfRange: ErrorCode.WebhookTimestampOutOfRange,
  Replayed: ErrorCode.WebhookReplayed,
  MalformedPayload: ErrorCode.WebhookMalformedPayload,
  Unmappable: ErrorCode.WebhookUnmappable,
  MethodNotAllowed: ErrorCode.WebhookMethodNotAllowed,
  InvalidSecret: ErrorCode.WebhookInvalidSecret,
} as const);
export type WebhookErrorCode = (typeof WebhookErrorCode)[keyof typeof WebhookErrorCode];
