/**
 * Standard Webhooks (https://www.standardwebhooks.com) signing and verification: the ONE
 * implementation used by the `providerWebhook` mutation and by `POST /webhooks/<provider>/…`.
 *
 *   signature = base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<payload>"))
 *   header    = "v1,<signature>" (several, space-separated, while a sender rotates its secret)
 *   secret    = "whsec_<base64 key>"
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { refuse, WebhookCode } from './refusal.js';

export const STANDARD_SECRET_PREFIX = 'whsec_';
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
const WEBHOOK_ID = /^[\x21-\x7e]{1,256}$/;

export interface StandardWebhookInput {
  webhookId: string | undefined;
  webhookTimestamp: string | undefined;
  payload: string;
  signature: string | undefined;
}

/** The HMAC key of a `whsec_` secret, or undefined when it is not one. */
export function standardKey(secret: string): Buffer | undefined {
  if (!secret.startsWith(STANDARD_SECRET_PREFIX)) return undefined;
  const b64 = secret.slice(STANDARD_SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const key = Buffer.from(b64, 'base64');
  return key.length >= MIN_KEY_BYTES && key.length <= MAX_KEY_BYTES ? key : undefined;
}

export function generateStandardSecret(): string {
  return STANDARD_SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** "v1,<base64>" for the given id, timestamp and payload. */
export function signStandard(secret: string, webhookId: string, webhookTimestamp: string | number, payload: string): string {
  const key = standardKey(secret);
  if (!key) throw new Error('not a whsec_ secret');
  return `v1,${hmac(key, webhookId, String(webhookTimestamp), payload).toString('base64')}`;
}

/**
 * Throws a WebhookRefusal unless the headers are present and well-formed, one `v1` signature
 * matches (compared in constant time), and the timestamp is within `toleranceSeconds` of `now`.
 * The signature is checked before the clock so a forged request learns nothing about the window.
 */
export function verifyStandard(secret: string, input: StandardWebhookInput, options: { toleranceSeconds: number; nowSeconds?: number }): void {
  const { webhookId, webhookTimestamp, signature, payload } = input;
  if (!webhookId || !webhookTimestamp || !signature) {
    const missing = [!webhookId && 'webhook-id', !webhookTimestamp && 'webhook-timestamp', !signature && 'webhook-signature'].filter(Boolean);
    throw refuse(WebhookCode.SignatureMissing, `missing ${missing.join(', ')}`);
  }
  if (!WEBHOOK_ID.test(webhookId)) throw refuse(WebhookCode.SignatureInvalid, 'webhook-id must be 1-256 printable characters');
  if (!/^\d{1,12}$/.test(webhookTimestamp)) throw refuse(WebhookCode.SignatureInvalid, 'webhook-timestamp must be unix seconds');
  const key = standardKey(secret);
  // A stored secret that is not a whsec_ one can never verify a Standard Webhook.
  if (!key) throw refuse(WebhookCode.SignatureInvalid, 'signature does not match');
  const expected = hmac(key, webhookId, webhookTimestamp, payload);
  const matches = signature
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .some((part) => {
      const given = Buffer.from(part.slice(3), 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  if (!matches) throw refuse(WebhookCode.SignatureInvalid, 'signature does not match');
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const skew = Number(webhookTimestamp) - now;
  if (Math.abs(skew) > options.toleranceSeconds) {
    throw refuse(WebhookCode.TimestampOutOfRange, `webhook-timestamp is ${Math.abs(skew)} s in the ${skew < 0 ? 'past' : 'future'} (tolerance ${options.toleranceSeconds} s)`);
  }
}

function hmac(key: Buffer, id: string, timestamp: string, payload: string): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${payload}`, 'utf8').digest();
}
