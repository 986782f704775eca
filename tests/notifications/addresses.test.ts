/** src/notifications/addresses.ts: what the notification mutations accept. */
import { describe, expect, it } from 'vitest';
import { checkContactAddress, checkDeviceToken, checkMarkRead, checkPreferenceTypes, checkVerificationCode, MAX_MARK_IDS } from '../../src/notifications/addresses.js';
import { NOTIFICATION_TYPES } from '../../src/notifications/types.js';

const verdict = (checked: { ok: boolean; value?: unknown; refusal?: { code: string; message: string } }) => (checked.ok ? checked.value : `${checked.refusal!.code}: ${checked.refusal!.message}`);

describe('notification input', () => {
  it('accepts trimmed emails and E.164 numbers, and nothing else', () => {
    expect(verdict(checkContactAddress('EMAIL', '  amina@example.co.ke '))).toBe('amina@example.co.ke');
    expect(verdict(checkContactAddress('EMAIL', 'amina@localhost'))).toBe('BAD_USER_INPUT: address is not an email address');
    expect(verdict(checkContactAddress('EMAIL', `${'a'.repeat(64)}@${'b'.repeat(200)}.com`))).toBe('BAD_USER_INPUT: address is not an email address');
    expect(verdict(checkContactAddress('SMS', '+254712345678'))).toBe('+254712345678');
    expect(verdict(checkContactAddress('SMS', '0712345678'))).toMatch(/E\.164/);
    expect(verdict(checkContactAddress('SMS', '+0712345678'))).toMatch(/E\.164/);
  });

  it('accepts the push token of the configured provider', () => {
    const fcm = 'dQw4w9WgXcQ:APA91bH-token_of.fcm';
    const oneSignal = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
    expect(verdict(checkDeviceToken(fcm, 'fcm'))).toBe(fcm);
    expect(verdict(checkDeviceToken(fcm, undefined))).toBe(fcm);
    expect(verdict(checkDeviceToken('short', 'fcm'))).toBe('BAD_USER_INPUT: token is not an FCM registration token');
    expect(verdict(checkDeviceToken(oneSignal, 'onesignal'))).toBe(oneSignal);
    expect(verdict(checkDeviceToken(fcm, 'onesignal'))).toMatch(/not a OneSignal subscription id/);
  });

  it('wants six-digit codes, distinct preference types, and either ids or all', () => {
    expect(checkVerificationCode('123456').ok).toBe(true);
    expect(verdict(checkVerificationCode('12345a'))).toBe('BAD_USER_INPUT: the code has 6 digits');
    expect(checkPreferenceTypes(['order.ready']).ok).toBe(true);
    expect(verdict(checkPreferenceTypes([]))).toBe(`BAD_USER_INPUT: give 1 to ${NOTIFICATION_TYPES.length} preferences`);
    expect(verdict(checkPreferenceTypes(['order.ready', 'order.ready']))).toBe('BAD_USER_INPUT: each type at most once');
    expect(verdict(checkMarkRead(undefined, true))).toBe('all');
    expect(verdict(checkMarkRead(['n1'], false))).toEqual(['n1']);
    expect(verdict(checkMarkRead(['n1'], true))).toBe('BAD_USER_INPUT: give either ids or all: true');
    expect(verdict(checkMarkRead(undefined, false))).toBe('BAD_USER_INPUT: give either ids or all: true');
    expect(verdict(checkMarkRead(Array.from({ length: MAX_MARK_IDS + 1 }, (_, i) => `n${i}`), false))).toMatch(/1 to 500/);
  });
});
