/**
 * SMS by country prefix: each number goes through the provider of the longest SMS_ROUTES prefix
 * it starts with (Twilio for +1 / +44, Africa's Talking for +254 / +256 / +234, …), and through
 * the fallback provider (SMS_PROVIDER) when none matches. Every provider named here is
 * configured: src/config.ts refuses a route to one that is not.
 */
import type { SmsProvider, SmsRoute } from '../../config.js';
import type { ChannelSender } from './types.js';

/** The provider for `number` (E.164): the longest matching prefix's, else `fallback`. */
export function smsProviderFor(number: string, routes: readonly SmsRoute[], fallback: SmsProvider): SmsProvider {
  let best: SmsRoute | undefined;
  for (const route of routes) if (number.startsWith(route.prefix) && (!best || route.prefix.length > best.prefix.length)) best = route;
  return best?.provider ?? fallback;
}

export interface SmsRouterOptions {
  senders: Partial<Record<SmsProvider, ChannelSender>>;
  routes: readonly SmsRoute[];
  fallback: SmsProvider;
}

export function createSmsRouter({ senders, routes, fallback }: SmsRouterOptions): ChannelSender {
  for (const provider of new Set([fallback, ...routes.map((r) => r.provider)])) {
    if (!senders[provider]) throw new Error(`SMS provider ${provider} is routed to but not configured`);
  }
  return {
    channel: 'SMS',
    live: true,
    send(job) {
      // No address: whichever provider would fail it the same way.
      const provider = job.address ? smsProviderFor(job.address, routes, fallback) : fallback;
      return senders[provider]!.send(job);
    },
    async stop() {
      await Promise.all(Object.values(senders).map((s) => s.stop()));
    },
  };
}
