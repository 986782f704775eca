/**
 * SMS through Africa's Talking's documented REST API ("Send SMS", `POST /version1/messaging`),
 * over fetch. Not through the official `africastalking` package: its SMS client posts to a URL
 * built once per process from a hard-coded domain (only a process-wide sandbox switch changes
 * it), through the global axios instance with no timeout, so it can be pointed neither at a
 * proxy or a local test server per sender, nor bounded by NOTIFY_SEND_TIMEOUT_MS.
 *
 * One delivery is one recipient. The answer carries a status per recipient; it is kept with the
 * delivery (`provider_status`: code, status, cost, parts) and decides the outcome: 100-102 sent,
 * a recipient that can never receive (invalid or unsupported number, blacklisted, do-not-disturb,
 * bad sender id, risk hold) failed at once, the rest (insufficient balance, could not route,
 * gateway errors) retried with backoff.
 */
import { renderSms } from '../templates.js';
import { describeError, retryableStatus, type ChannelSender, type SendOutcome } from './types.js';

export interface AfricasTalkingOptions {
  /** The app's username; `sandbox` is Africa's Talking's sandbox app. */
  username: string;
  apiKey: string;
  /** A registered alphanumeric sender id or short code; unset: the account's default sender. */
  from?: string;
  /** @default "https://api.africastalking.com" ("https://api.sandbox.africastalking.com" for the sandbox username) */
  apiUrl?: string;
  /** @default 10000 */
  timeoutMs?: number;
}

/** Per-recipient status codes of "Send SMS" (Africa's Talking's documentation). */
export const RECIPIENT_STATUS = {
  100: 'Processed',
  101: 'Sent',
  102: 'Queued',
  401: 'RiskHold',
  402: 'InvalidSenderId',
  403: 'InvalidPhoneNumber',
  404: 'UnsupportedNumberType',
  405: 'InsufficientBalance',
  406: 'UserInBlacklist',
  407: 'CouldNotRoute',
  409: 'DoNotDisturbRejection',
  500: 'InternalServerError',
  501: 'GatewayError',
  502: 'RejectedByGateway',
} as const;

/** Accepted for delivery. */
const ACCEPTED = new Set([100, 101, 102]);
/**
 * Worth another attempt: the account (balance) or the network, not the recipient, failed. Every
 * other code names the recipient or the sender configuration and fails at once.
 */
const RETRYABLE = new Set([405, 407, 500, 501, 502]);

interface Recipient {
  statusCode?: number;
  number?: string;
  status?: string;
  cost?: string;
  messageId?: string;
  messageParts?: number;
}

/** What a recipient's entry says, as kept with the delivery: `101 Success, KES 0.8000, 1 part`. */
function statusText(r: Recipient): string {
  const name = r.status ?? RECIPIENT_STATUS[r.statusCode as keyof typeof RECIPIENT_STATUS] ?? 'unknown';
  const parts = typeof r.messageParts === 'number' ? `, ${r.messageParts} part${r.messageParts === 1 ? '' : 's'}` : '';
  return `${r.statusCode ?? '?'} ${name}${r.cost ? `, ${r.cost}` : ''}${parts}`.slice(0, 200);
}

/** The outcome of one recipient's entry. */
export function recipientOutcome(r: Recipient): SendOutcome {
  const providerStatus = statusText(r);
  const code = r.statusCode ?? 0;
  if (ACCEPTED.has(code) && r.messageId && r.messageId !== 'None') return { kind: 'sent', providerMessageId: r.messageId, providerStatus };
  const error = `Africa's Talking refused the recipient: ${providerStatus}`;
  return { kind: RETRYABLE.has(code) ? 'retry' : 'failed', error, providerStatus };
}

export function createAfricasTalkingSender(options: AfricasTalkingOptions): ChannelSender {
  const origin = (options.apiUrl ?? (options.username === 'sandbox' ? 'https://api.sandbox.africastalking.com' : 'https://api.africastalking.com')).replace(/\/$/, '');
  const endpoint = `${origin}/version1/messaging`;
  const timeoutMs = options.timeoutMs ?? 10_000;

  return {
    channel: 'SMS',
    live: true,
    async send(job) {
      if (!job.address) return { kind: 'failed', error: 'no verified phone number' };
      const { text } = renderSms(job.notification);
      const form = new URLSearchParams({ username: options.username, to: job.address, message: text });
      if (options.from) form.set('from', options.from);
      let response: Response;
      let body: string;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: { apiKey: options.apiKey, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
          body: form,
          signal: AbortSignal.timeout(timeoutMs),
        });
        body = await response.text();
      } catch (error) {
        return { kind: 'retry', error: describeError(error) };
      }
      if (response.status !== 201 && response.status !== 200) {
        // Errors come back as plain text ("The supplied authentication is invalid") or JSON.
        const error = `Africa's Talking answered ${response.status}: ${body.slice(0, 300)}`;
        return { kind: retryableStatus(response.status) ? 'retry' : 'failed', error };
      }
      let data: { SMSMessageData?: { Message?: string; Recipients?: Recipient[] } };
      try {
        data = JSON.parse(body) as typeof data;
      } catch {
        // Accepted but unreadable: it most likely went out, and a retry would send it again.
        return { kind: 'sent', providerMessageId: `africastalking:${response.status}`, providerStatus: `unreadable answer: ${body.slice(0, 150)}` };
      }
      const recipients = data.SMSMessageData?.Recipients ?? [];
      const mine = recipients.find((r) => r.number === job.address) ?? (recipients.length === 1 ? recipients[0] : undefined);
      if (!mine) {
        // No entry for the number: the request as a whole was refused ("InvalidSenderId", …).
        return { kind: 'failed', error: `Africa's Talking sent nothing: ${(data.SMSMessageData?.Message ?? body).slice(0, 300)}` };
      }
      return recipientOutcome(mine);
    },
    async stop() {},
  };
}
