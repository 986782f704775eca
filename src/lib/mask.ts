/** Masking for anything that may reach a log line: secrets, tokens, emails, phone numbers. */

const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
// International (E.164-style, with a leading +) phone numbers; bare digit runs are left alone so
// ids and timestamps stay readable. Fields named like phone numbers are masked by key instead.
const PHONE = /\+\d[\d\s-]{6,16}(\d{2})\b/g;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
const API_KEY = /(ppk_[a-z0-9]+_)[A-Za-z0-9_-]+/g;
// Standard Webhooks secrets and Paystack secret keys, should one end up in a message.
const WEBHOOK_SECRET = /\b(whsec_|sk_live_|sk_test_)[A-Za-z0-9+/=_-]+/g;

/** Returns `text` with emails, phone numbers, bearer tokens, JWTs and API key secrets masked. */
export function maskText(text: string): string {
  return text
    .replace(BEARER, '$1***')
    .replace(JWT, 'eyJ***')
    .replace(API_KEY, '$1***')
    .replace(WEBHOOK_SECRET, '$1***')
    .replace(EMAIL, '$1***@$2')
    .replace(PHONE, '***$1');
}

/** Masks a secret completely but keeps its length class visible for debugging. */
export function maskSecret(secret: string | undefined): string {
  if (!secret) return '';
  return secret.length <= 8 ? '***' : `${secret.slice(0, 4)}***`;
}

/** Keys whose string values are personal data, masked wherever they appear in a logged object. */
export const PERSONAL_KEYS = new Set(['phone', 'phoneNumber', 'msisdn', 'to', 'email', 'emailAddress']);

export function maskPersonal(key: string, value: string): string {
  if (!PERSONAL_KEYS.has(key)) return maskText(value);
  if (value.includes('@')) return maskText(value);
  return value.length <= 4 ? '***' : `***${value.slice(-2)}`;
}
