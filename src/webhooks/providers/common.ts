/** What every provider adapter shares: the request it sees, what it returns, and mapping helpers. */
import type { IncomingHttpHeaders } from 'node:http';
import { parseJsonKeepingNumbers } from '../../lib/exact-json.js';
import { isCurrency } from '../../lib/currency.js';
import { parseMajor } from '../../lib/money.js';
import type { PaymentEventType, PaymentMethod } from '../../payments/types.js';
import { refuse, WebhookCode } from '../refusal.js';
import { ErrorCode } from '../../lib/error-codes.js';

export interface WebhookRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received (UTF-8), which is what signatures cover. */
  rawBody: string;
  query: URLSearchParams;
  /** The path segment after the merchant id, when there is one (mpesa's token). */
  pathToken: string | undefined;
}

/** A version-2 envelope ready for the pipeline, or a verified event of a kind paypulse does not record. */
export type MappedWebhook = { kind: 'event'; envelope: Envelope } | { kind: 'ignored'; reason: string };

export interface Envelope {
  schemaVersion: 2;
  eventId: string;
  type: PaymentEventType;
  provider: string;
  paymentMethod?: PaymentMethod | null;
  /** Digits, as the envelope's validation expects; never a float. */
  amountMinor: string;
  feeMinor?: string | null;
  currency: string;
  customerId?: string | null;
  reference?: string | null;
  occurredAt?: string | null;
  metadata?: Record<string, unknown>;
}

export interface ProviderAdapter {
  /** HTTP methods the provider calls with. */
  readonly methods: readonly string[];
  /** Verifies the request with the merchant's secret, then maps it; throws a WebhookRefusal otherwise. */
  receive(request: WebhookRequest, secret: string): Promise<MappedWebhook>;
  /** The success body the provider expects, when it has a required shape. */
  acknowledge?(): unknown;
}

export function header(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Parses the body keeping numbers as their exact text (see lib/exact-json.ts). */
export function parseBody(raw: string): unknown {
  try {
    return parseJsonKeepingNumbers(raw);
  } catch {
    throw refuse(WebhookCode.MalformedPayload, 'body is not valid JSON');
  }
}

export const unmappable = (message: string) => refuse(WebhookCode.Unmappable, message);

export function object(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw unmappable(`${field} must be an object`);
  return value as Record<string, unknown>;
}

/** A required non-empty string (numbers arrive as their text, so numeric ids are strings too). */
export function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw unmappable(`${field} is required`);
  return value.trim();
}

export function optionalText(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

export function currency(value: unknown, field: string): string {
  const code = text(value, field).toUpperCase();
  if (!isCurrency(code)) throw refuse(ErrorCode.InvalidCurrency, `${field} ${code} is not an ISO 4217 currency`);
  return code;
}

/** Major units ("1500.50" or the JSON number's exact text) to minor-unit digits, exactly or not at all. */
export function majorToMinor(value: unknown, currencyCode: string, field: string): string {
  if (typeof value !== 'string') throw unmappable(`${field} is required`);
  const parsed = parseMajor(value, currencyCode);
  if (!parsed.ok) throw refuse(ErrorCode.InvalidAmount, `${field} ${value} cannot be represented exactly in ${currencyCode}: ${parsed.reason}`);
  if (parsed.minor < 0n) throw refuse(ErrorCode.InvalidAmount, `${field} must not be negative`);
  return parsed.minor.toString();
}

/** An amount already in minor units (Paystack's kobo): plain digits only. */
export function minorDigits(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^\d{1,19}$/.test(value)) throw refuse(ErrorCode.InvalidAmount, `${field} must be a whole number of minor units`);
  return value;
}

/** An ISO timestamp, or null (the envelope then uses the receipt time) when the provider's is unusable. */
export function isoTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The idempotency key: the provider's own id for this kind of event, so a provider retry is a duplicate. */
export function eventIdOf(provider: string, type: PaymentEventType, providerId: string): string {
  const id = `${provider}:${type}:${providerId}`;
  if (id.length > 128 || !/^[\x21-\x7e]+$/.test(id)) throw unmappable(`the ${provider} id ${JSON.stringify(providerId)} cannot form an event id (printable, ≤ 128 characters)`);
  return id;
}

/** Only the last four digits of a phone number are kept (personal data). */
export function phoneLast4(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const digits = value.replace(/\D/g, '');
  return digits.length >= 4 ? digits.slice(-4) : null;
}
