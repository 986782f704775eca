/**
 * The channel without a provider (embedded mode, or credentials not configured): the delivery is
 * written to the log, masked, and recorded LOGGED. Nothing leaves the process.
 */
import type { Logger } from '../../lib/logger.js';
import type { Channel } from '../types.js';
import type { ChannelSender } from './types.js';

export function createLogSender(channel: Channel, logger: Logger): ChannelSender {
  return {
    channel,
    live: false,
    async send(job) {
      logger.info(
        { channel, deliveryId: job.deliveryId.toString(), notificationId: job.notification.id, userId: job.notification.userId, to: job.address ?? undefined, devices: job.tokens.length || undefined, title: job.notification.title },
        'notification delivery logged, not sent (no provider configured)',
      );
      return { kind: 'logged' };
    },
    async stop() {},
  };
}
