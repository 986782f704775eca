/**
 * Provider failures, classified for the user who owns the delivery (`NotificationDelivery.lastError`).
 * The raw provider text stays in the database and the logs.
 */
import type { DeliveryRecord } from './types.js';

/**
 * What a user may see of a delivery's error: paypulse's own reasons as they are, a provider's as a
 * category (its raw text, which can name accounts and endpoints, stays in the database and logs).
 */
export function publicDeliveryError(d: Pick<DeliveryRecord, 'status' | 'lastError'>): string | null {
  if (d.lastError === null) return null;
  if (/^no (verified phone number|verified email address|device token registered)$/.test(d.lastError)) return d.lastError;
  const gaveUp = /^gave up after (\d+) attempts/.exec(d.lastError);
  if (gaveUp) return `gave up after ${gaveUp[1]} attempts`;
  if (/registration-token-not-registered|invalid-registration-token|invalid_player_ids/.test(d.lastError)) return 'the device is no longer registered';
  if (/All included players are not subscribed/.test(d.lastError)) return 'the device has turned push notifications off';
  if (/^no OneSignal subscription id registered/.test(d.lastError)) return 'no device token registered';
  // Africa's Talking's per-recipient verdicts about the number itself.
  if (/\b(InvalidPhoneNumber|UnsupportedNumberType)\b/.test(d.lastError)) return 'the phone number cannot receive SMS';
  if (/\b(UserInBlacklist|DoNotDisturbRejection)\b/.test(d.lastError)) return 'the phone number has opted out of messages';
  if (d.status === 'FAILED') return 'the provider refused this delivery';
  if (d.status === 'SENT' || d.status === 'LOGGED') return 'delivered after the provider failed at first';
  return 'the provider could not take it yet: it will be retried';
}
