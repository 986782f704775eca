/** Shared pieces of the notification suites: an app wired to the fake providers, verified users. */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Channel } from '../../src/notifications/types.js';
import type { Logger } from '../../src/lib/logger.js';
import { startTestApp, type Mode, type TestApp } from '../support/app.js';
import { providerEnv, type FakeProviders } from '../support/providers.js';
import { waitUntil } from '../support/subscriptions.js';
import { RegisterDevice, RequestVerification, VerifyContact } from './operations.js';

/** A worker that polls often and retries fast, so tests wait milliseconds, not minutes. */
export const FAST_WORKER: Record<string, string> = {
  NOTIFY_POLL_MS: '100',
  NOTIFY_RETRY_BASE_MS: '50',
  NOTIFY_RETRY_MAX_MS: '200',
  NOTIFY_SEND_TIMEOUT_MS: '1000',
  NOTIFY_LEASE_MS: '3000',
  NOTIFY_MAX_ATTEMPTS: '4',
};

const keys = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

/** A service account whose key the fake's token endpoint can check. */
export const SERVICE_ACCOUNT = JSON.stringify({
  type: 'service_account',
  project_id: 'paypulse-test',
  client_email: 'fcm@paypulse-test.iam.gserviceaccount.com',
  private_key: keys.privateKey,
});
export const SERVICE_ACCOUNT_PUBLIC_KEY = keys.publicKey;

export function startWithProviders(mode: Mode, fake: FakeProviders, env: Record<string, string> = {}, databaseUrl?: string, logger?: Logger): Promise<TestApp> {
  return startTestApp({ mode, databaseUrl, logger, env: { ...providerEnv(fake, SERVICE_ACCOUNT), ...FAST_WORKER, ...env } });
}

export interface TestUser {
  id: string;
  token: string;
  email?: string;
  phone?: string;
  tokens: string[];
}

export const deviceToken = () => `fcm-${randomUUID()}-${randomUUID()}`.replace(/-/g, '_');

/** A random 12-digit E.164 number starting with `prefix`. */
export const randomPhone = (prefix: string) => `${prefix}${Array.from({ length: 13 - prefix.length }, () => Math.floor(Math.random() * 10)).join('')}`;

/** The 6-digit code in the last message the fake received for `address`. */
function codeSentTo(fake: FakeProviders | undefined, channel: 'EMAIL' | 'SMS', address: string): string | undefined {
  if (!fake) return undefined;
  const sent = [...fake.requests]
    .reverse()
    .find((r) =>
      channel === 'EMAIL'
        ? r.provider === 'sendgrid' && r.json?.personalizations?.[0]?.to?.[0]?.email === address
        : (r.provider === 'twilio' && r.json?.To === address) || (r.provider === 'africastalking' && r.json?.to === address),
    );
  const text = channel === 'EMAIL' ? (sent?.json?.content?.[0]?.value as string | undefined) : ((sent?.json?.Body ?? sent?.json?.message) as string | undefined);
  return /code is (\d{6})/.exec(text ?? '')?.[1];
}

/**
 * A user who proved their address(es) through the real verification flow (the code is read from
 * the request the fake provider received, or from `devCode` when no provider is configured)
 * and registered device tokens.
 */
export async function verifiedUser(
  t: TestApp,
  fake: FakeProviders | undefined,
  options: {
    role?: 'customer' | 'merchant' | 'vendor';
    merchantId?: string;
    email?: boolean;
    phone?: boolean;
    /** The phone number's country prefix. @default "+2547" */
    phonePrefix?: string;
    devices?: number;
    /** Makes each device token. @default an FCM-like registration token */
    deviceToken?: () => string;
    id?: string;
  } = {},
): Promise<TestUser> {
  const id = options.id ?? `u-${randomUUID().slice(0, 8)}`;
  const token = await t.token({ sub: id, role: options.role ?? 'customer', ...(options.merchantId ? { merchantId: options.merchantId } : {}) });
  const user: TestUser = { id, token, tokens: [] };
  const verify = async (channel: 'EMAIL' | 'SMS', address: string) => {
    const requested = await t.gql(RequestVerification, { channel, address }, { token });
    expect(requested.errors).toBeUndefined();
    const code = requested.data!.requestContactVerification.devCode ?? codeSentTo(fake, channel, address);
    expect(code, `a code reached ${channel}`).toMatch(/^\d{6}$/);
    const verified = await t.gql(VerifyContact, { channel, code: code! }, { token });
    expect(verified.errors).toBeUndefined();
  };
  if (options.email ?? true) await verify('EMAIL', (user.email = `${id}@example.test`));
  if (options.phone ?? true) await verify('SMS', (user.phone = randomPhone(options.phonePrefix ?? '+2547')));
  for (let i = 0; i < (options.devices ?? 1); i += 1) {
    const device = (options.deviceToken ?? deviceToken)();
    const res = await t.gql(RegisterDevice, { token: device, platform: 'ANDROID' }, { token });
    expect(res.errors).toBeUndefined();
    user.tokens.push(device);
  }
  return user;
}

export interface StoredDelivery {
  notificationId: string;
  type: string;
  channel: Channel;
  status: string;
  attempts: number;
  lastError: string | null;
  providerMessageId: string | null;
}

/** Every delivery of a user's notifications, straight from the outbox. */
export async function deliveriesOf(t: TestApp, userId: string): Promise<StoredDelivery[]> {
  const rows = await t.db.prisma.notificationDelivery.findMany({ where: { userId }, include: { notification: { select: { type: true } } }, orderBy: { id: 'asc' } });
  return rows.map((r) => ({ notificationId: r.notificationId, type: r.notification.type, channel: r.channel as Channel, status: r.status, attempts: r.attempts, lastError: r.lastError, providerMessageId: r.providerMessageId }));
}

/** Waits until no delivery of the user is PENDING or SENDING, and returns them. */
export async function settledDeliveries(t: TestApp, userId: string, count: number, timeoutMs = 15_000): Promise<StoredDelivery[]> {
  let last: StoredDelivery[] = [];
  await waitUntil(
    async () => {
      last = await deliveriesOf(t, userId);
      return last.length >= count && last.every((d) => d.status !== 'PENDING' && d.status !== 'SENDING');
    },
    timeoutMs,
    () => `deliveries of ${userId} settled: ${JSON.stringify(last)}`,
  );
  return last;
}
