/** What the worker hands a channel, and what the channel tells it back. */
import type { Channel, NotificationRecord } from '../types.js';

export interface DeliveryJob {
  deliveryId: bigint;
  channel: Channel;
  /** 1 on the first claim. */
  attempt: number;
  notification: NotificationRecord;
  /** The verified address at send time (EMAIL, SMS). */
  address: string | null;
  /** The user's device tokens at send time (PUSH): FCM registration tokens or OneSignal subscription ids. */
  tokens: string[];
}

/**
 * `invalidTokens`: device tokens the provider says will never work again (removed by the worker).
 * `providerStatus`: the provider's own word on the recipient (Africa's Talking's per-recipient
 * status and cost, a OneSignal replay), kept with the delivery.
 */
export type SendOutcome =
  /** The provider accepted it; its message id(s). */
  | { kind: 'sent'; providerMessageId: string; invalidTokens?: string[]; providerStatus?: string }
  /** No provider configured: written to the log (masked) instead. */
  | { kind: 'logged' }
  /** Worth another attempt later (network, 429, 5xx). */
  | { kind: 'retry'; error: string; invalidTokens?: string[]; providerStatus?: string }
  /** Never going to work (bad address, every token unregistered, 4xx). */
  | { kind: 'failed'; error: string; invalidTokens?: string[]; providerStatus?: string };

export interface ChannelSender {
  readonly channel: Channel;
  /** True when messages really leave (a provider is configured); false when they are only logged. */
  readonly live: boolean;
  /** Never throws: every failure is an outcome. */
  send(job: DeliveryJob): Promise<SendOutcome>;
  stop(): Promise<void>;
}

/** HTTP statuses worth retrying: throttling and server errors (and none at all: a network error). */
export function retryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

/** A short, log-safe description of an SDK error. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}
