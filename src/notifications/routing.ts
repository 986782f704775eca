/**
 * Which channels a notification goes over, as a pure function of its priority, the user's
 * preference for its type and what the user can be reached at. The in-app notification (the
 * stored row, `notificationAdded`) is always kept; this decides push, email and SMS only.
 *
 * - LOW: in-app only; NORMAL: + push; HIGH: + push and email; a preference turns a channel on
 *   or off for its type.
 * - CRITICAL ignores preferences: every channel the user can be reached on, and SMS always. A
 *   CRITICAL notification for a user without a verified phone still gets an SMS delivery,
 *   recorded FAILED with the reason, so the gap is visible rather than silent.
 * - A channel the user cannot be reached on (no device token, no verified address) is skipped.
 */
import type { Channel, PreferenceRecord, Priority } from './types.js';

export const DEFAULT_CHANNELS: Readonly<Record<Priority, readonly Channel[]>> = {
  LOW: [],
  NORMAL: ['PUSH'],
  HIGH: ['PUSH', 'EMAIL'],
  CRITICAL: ['PUSH', 'EMAIL', 'SMS'],
};

/** What a user can be reached at, right now. */
export interface Reach {
  pushTokens: number;
  verifiedEmail: boolean;
  verifiedPhone: boolean;
}

export const NOT_REACHABLE: Reach = { pushTokens: 0, verifiedEmail: false, verifiedPhone: false };

export type Route = { channel: Channel; status: 'PENDING' } | { channel: Channel; status: 'FAILED'; error: string };

const UNREACHABLE_REASON: Record<Channel, string> = {
  PUSH: 'no device token registered',
  EMAIL: 'no verified email address',
  SMS: 'no verified phone number',
};

function reachable(channel: Channel, reach: Reach): boolean {
  if (channel === 'PUSH') return reach.pushTokens > 0;
  if (channel === 'EMAIL') return reach.verifiedEmail;
  return reach.verifiedPhone;
}

const PREFERENCE_KEY = { PUSH: 'push', EMAIL: 'email', SMS: 'sms' } as const;

export function route(priority: Priority, preference: Omit<PreferenceRecord, 'type'> | undefined, reach: Reach): Route[] {
  const routes: Route[] = [];
  for (const channel of DEFAULT_CHANNELS.CRITICAL) {
    const wanted = priority === 'CRITICAL' || (preference?.[PREFERENCE_KEY[channel]] ?? DEFAULT_CHANNELS[priority].includes(channel));
    if (!wanted) continue;
    if (reachable(channel, reach)) routes.push({ channel, status: 'PENDING' });
    else if (priority === 'CRITICAL' && channel === 'SMS') routes.push({ channel, status: 'FAILED', error: UNREACHABLE_REASON.SMS });
  }
  return routes;
}
