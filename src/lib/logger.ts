import { pino, type DestinationStream, type Logger } from 'pino';
import { maskPersonal, maskText } from './mask.js';

export type { Logger };

/** Keys whose values never reach a log line, wherever they appear in the logged object. */
const REDACT = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
  'signature',
  '*.signature',
  'headers["x-paystack-signature"]',
  'headers["verif-hash"]',
  'headers["webhook-signature"]',
  'connectionParams',
  '*.connectionParams',
];

/** Structured JSON logs with secrets redacted and emails / phone numbers masked in every string. */
export function createLogger(options: { level: string; name?: string; /** @default stdout */ destination?: DestinationStream }): Logger {
  return pino(
    {
      name: options.name ?? 'paypulse',
      level: options.level,
      redact: { paths: REDACT, censor: '***' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // Masking runs on the final log arguments so a message string cannot leak an email either.
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? maskText(a) : maskDeep(a))) as Parameters<typeof method>);
        },
      },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination,
  );
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return typeof value === 'string' ? maskText(value) : value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? maskPersonal(k, v) : maskDeep(v, depth + 1);
  }
  return out;
}
