/** The senders for this configuration: a provider's SDK where credentials are set, the log otherwise. */
import type { Config } from '../../config.js';
import type { Logger } from '../../lib/logger.js';
import type { Channel } from '../types.js';
import { createSendgridSender } from './email.js';
import { createLogSender } from './log.js';
import { createFcmSender } from './push.js';
import { createTwilioSender } from './sms.js';
import type { ChannelSender } from './types.js';

export type Channels = Readonly<Record<Channel, ChannelSender>>;

export function createChannels(config: Config['notifications'], logger: Logger): Channels {
  const { fcm, sendgrid, twilio } = config;
  return {
    PUSH: fcm ? createFcmSender({ serviceAccount: fcm.serviceAccount, apiUrl: fcm.apiUrl, timeoutMs: config.sendTimeoutMs }) : createLogSender('PUSH', logger),
    EMAIL: sendgrid ? createSendgridSender(sendgrid) : createLogSender('EMAIL', logger),
    SMS: twilio ? createTwilioSender(twilio) : createLogSender('SMS', logger),
  };
}

export async function closeChannels(channels: Channels): Promise<void> {
  await Promise.all(Object.values(channels).map((c) => c.close()));
}
