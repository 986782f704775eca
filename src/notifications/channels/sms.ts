/**
 * SMS through Twilio's own SDK. Its request client is Twilio's, with the API origin replaceable
 * (a proxy or a local test server) through the SDK's `httpClient` option.
 */
import twilio from 'twilio';
import { renderSms } from '../templates.js';
import { describeError, retryableStatus, type ChannelSender } from './types.js';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** E.164 sender, or a Messaging Service SID ("MG…"). */
  from: string;
  /** @default "https://api.twilio.com" */
  apiUrl?: string;
  /** @default 10000 */
  timeoutMs?: number;
}

const TWILIO_ORIGIN = /^https:\/\/[a-z0-9.-]*twilio\.com/;

export function createTwilioSender(options: TwilioOptions): ChannelSender {
  const base = new twilio.RequestClient({ timeout: options.timeoutMs ?? 10_000 });
  const httpClient = options.apiUrl
    ? Object.assign(Object.create(base) as typeof base, {
        request: (opts: Parameters<typeof base.request>[0]) => base.request({ ...opts, uri: opts.uri.replace(TWILIO_ORIGIN, options.apiUrl!.replace(/\/$/, '')) }),
      })
    : base;
  const client = twilio(options.accountSid, options.authToken, { httpClient, autoRetry: false });
  const sender = options.from.startsWith('MG') ? { messagingServiceSid: options.from } : { from: options.from };

  return {
    channel: 'SMS',
    live: true,
    async send(job) {
      if (!job.address) return { kind: 'failed', error: 'no verified phone number' };
      const { text } = renderSms(job.notification);
      try {
        const message = await client.messages.create({ to: job.address, body: text, ...sender });
        return { kind: 'sent', providerMessageId: message.sid };
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        return { kind: retryableStatus(typeof status === 'number' ? status : undefined) ? 'retry' : 'failed', error: describeError(error) };
      }
    },
    async stop() {},
  };
}
