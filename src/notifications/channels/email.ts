/**
 * Email through SendGrid's own SDK (@sendgrid/mail on an @sendgrid/client whose base URL can be
 * moved, for a regional endpoint, a proxy or a local test server).
 */
import { Client as SendgridClient } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import { renderEmail } from '../templates.js';
import { describeError, retryableStatus, type ChannelSender } from './types.js';

export interface SendgridOptions {
  apiKey: string;
  from: string;
  /** @default "https://api.sendgrid.com/" */
  apiUrl?: string;
  /** @default 10000 */
  timeoutMs?: number;
}

export function createSendgridSender(options: SendgridOptions): ChannelSender {
  const client = new SendgridClient();
  client.setApiKey(options.apiKey);
  if (options.apiUrl) client.setDefaultRequest('baseUrl', options.apiUrl);
  client.setDefaultRequest('timeout' as 'baseUrl', (options.timeoutMs ?? 10_000) as unknown as string);
  const mail = new MailService();
  mail.setClient(client);

  return {
    channel: 'EMAIL',
    live: true,
    async send(job) {
      if (!job.address) return { kind: 'failed', error: 'no verified email address' };
      const rendered = renderEmail(job.notification);
      try {
        const [response] = await mail.send({
          to: job.address,
          from: options.from,
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          // Shows up in SendGrid's event webhook and activity feed: ties a message to our delivery.
          customArgs: { notificationId: job.notification.id, deliveryId: job.deliveryId.toString() },
        });
        const id = response.headers['x-message-id'];
        return { kind: 'sent', providerMessageId: typeof id === 'string' && id ? id : `sendgrid:${response.statusCode}` };
      } catch (error) {
        const status = (error as { code?: unknown }).code;
        const httpStatus = typeof status === 'number' ? status : undefined;
        const body = (error as { response?: { body?: unknown } }).response?.body;
        const detail = body ? ` ${JSON.stringify(body).slice(0, 300)}` : '';
        return { kind: retryableStatus(httpStatus) ? 'retry' : 'failed', error: `${describeError(error)}${detail}` };
      }
    },
    async stop() {},
  };
}
