/**
 * The senders for this configuration: a provider's SDK or API where credentials are set, the log
 * otherwise. Push goes through the deployment's one push provider (FCM or OneSignal); SMS
 * through Twilio or Africa's Talking, chosen per number by country prefix (sms-routing.ts).
 */
import type { Config } from '../../config.js';
import type { Logger } from '../../lib/logger.js';
import type { Channel } from '../types.js';
import { createAfricasTalkingSender } from './africastalking.js';
import { createSendgridSender } from './email.js';
import { createLogSender } from './log.js';
import { createOneSignalSender } from './onesignal.js';
import { createFcmSender } from './push.js';
import { createTwilioSender } from './sms.js';
import { createSmsRouter } from './sms-routing.js';
import type { ChannelSender } from './types.js';

export type Channels = Readonly<Record<Channel, ChannelSender>>;

function pushSender(config: Config['notifications'], logger: Logger): ChannelSender {
  const { fcm, onesignal } = config;
  if (config.push === 'fcm' && fcm) return createFcmSender({ serviceAccount: fcm.serviceAccount, apiUrl: fcm.apiUrl, timeoutMs: config.sendTimeoutMs });
  if (config.push === 'onesignal' && onesignal) return createOneSignalSender(onesignal);
  return createLogSender('PUSH', logger);
}

function smsSender(config: Config['notifications'], logger: Logger): ChannelSender {
  const { sms, twilio, africastalking } = config;
  if (!sms) return createLogSender('SMS', logger);
  const senders = {
    ...(twilio ? { twilio: createTwilioSender(twilio) } : {}),
    ...(africastalking ? { africastalking: createAfricasTalkingSender(africastalking) } : {}),
  };
  // One provider and no route elsewhere: the router would only add a lookup.
  if (sms.routes.every((r) => r.provider === sms.fallback)) return senders[sms.fallback]!;
  return createSmsRouter({ senders, routes: sms.routes, fallback: sms.fallback });
}

export function createChannels(config: Config['notifications'], logger: Logger): Channels {
  return {
    PUSH: pushSender(config, logger),
    EMAIL: config.sendgrid ? createSendgridSender(config.sendgrid) : createLogSender('EMAIL', logger),
    SMS: smsSender(config, logger),
  };
}

export async function stopChannels(channels: Channels): Promise<void> {
  await Promise.all(Object.values(channels).map((c) => c.stop()));
}
