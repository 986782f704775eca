/**
 * What the notification mutations accept from a user (docs/notifications.md): contact addresses,
 * push device tokens, verification codes, preference lists and mark-read requests. Pure checks
 * returning the catalogue's BAD_USER_INPUT; the schema throws them.
 */
import { ErrorCode } from '../lib/error-codes.js';
import { accept, refuse, type Checked } from '../lib/refusal.js';
import { ONESIGNAL_SUBSCRIPTION_ID } from './channels/onesignal.js';
import { NOTIFICATION_TYPES } from './types.js';

export const MAX_MARK_IDS = 500;
const EMAIL = /^[^\s@<>()",;:]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const MAX_EMAIL_LENGTH = 254;
const E164 = /^\+[1-9]\d{7,14}$/;
/** FCM registration tokens (URL-safe characters, well under this length) and OneSignal subscription ids. */
const DEVICE_TOKEN = /^[A-Za-z0-9_:.-]{20,4096}$/;
const VERIFICATION_CODE = /^\d{6}$/;

/** The trimmed address, when it is an email (EMAIL) or an E.164 phone number (SMS). */
export function checkContactAddress(channel: 'EMAIL' | 'SMS', address: string): Checked<string> {
  const trimmed = address.trim();
  if (channel === 'EMAIL') return EMAIL.test(trimmed) && trimmed.length <= MAX_EMAIL_LENGTH ? accept(trimmed) : refuse(ErrorCode.BadUserInput, 'address is not an email address');
  return E164.test(trimmed) ? accept(trimmed) : refuse(ErrorCode.BadUserInput, 'address must be an E.164 phone number, e.g. +254712345678');
}

/** A push token of the provider this deployment pushes through: a OneSignal subscription id, or an FCM registration token. */
export function checkDeviceToken(token: string, push: 'fcm' | 'onesignal' | undefined): Checked<string> {
  if (push === 'onesignal') return ONESIGNAL_SUBSCRIPTION_ID.test(token) ? accept(token) : refuse(ErrorCode.BadUserInput, 'token is not a OneSignal subscription id (this server pushes through OneSignal)');
  return DEVICE_TOKEN.test(token) ? accept(token) : refuse(ErrorCode.BadUserInput, 'token is not an FCM registration token');
}

export function checkVerificationCode(code: string): Checked<string> {
  return VERIFICATION_CODE.test(code) ? accept(code) : refuse(ErrorCode.BadUserInput, 'the code has 6 digits');
}

/** 1 to one-per-type preferences, each type at most once. */
export function checkPreferenceTypes(types: readonly string[]): Checked<true> {
  if (types.length === 0 || types.length > NOTIFICATION_TYPES.length) return refuse(ErrorCode.BadUserInput, `give 1 to ${NOTIFICATION_TYPES.length} preferences`);
  if (new Set(types).size !== types.length) return refuse(ErrorCode.BadUserInput, 'each type at most once');
  return accept(true);
}

/** Either 1 to 500 ids or `all`, never both or neither. */
export function checkMarkRead(ids: readonly string[] | undefined, all: boolean): Checked<readonly string[] | 'all'> {
  if (all === (ids !== undefined)) return refuse(ErrorCode.BadUserInput, 'give either ids or all: true');
  if (ids && (ids.length === 0 || ids.length > MAX_MARK_IDS)) return refuse(ErrorCode.BadUserInput, `ids holds 1 to ${MAX_MARK_IDS} notification ids`);
  return accept(ids ?? 'all');
}
