/**
 * The outbox under several workers and crashes (PostgreSQL + Redis): two instances' workers on
 * one outbox send each delivery once; a server process SIGKILLed while its worker holds a claim
 * leaves the delivery to be sent, once, by another worker when the lease runs out.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestMany } from '../support/operations.js';
import { providerEnv, startFakeProviders, type FakeProviders } from '../support/providers.js';
import { createTestDatabase, describeWith, REDIS_URL } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';
import { NEEDS, newMerchant } from '../support/tenants.js';
import { deliveriesOf, FAST_WORKER, SERVICE_ACCOUNT, settledDeliveries, verifiedUser } from './helpers.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

await describeWith(NEEDS.services, 'notification workers sharing one outbox (services)', () => {
  let fake: FakeProviders;
  let databaseUrl: string;
  let drop: () => Promise<void>;
  const apps: TestApp[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const t = await startTestApp({ mode: 'services', databaseUrl, env: { ...providerEnv(fake, SERVICE_ACCOUNT), ...FAST_WORKER, ...env } });
    apps.push(t);
    return t;
  };

  beforeAll(async () => {
    fake = await startFakeProviders();
    ({ url: databaseUrl, drop } = await createTestDatabase());
  });
  afterAll(async () => {
    for (const t of apps) await t.stop();
    await fake?.close();
    await drop?.();
  });

  it('sends each of 200 deliveries exactly once with two workers claiming side by side', async () => {
    const a = await start({ NOTIFY_BATCH_SIZE: '5' });
    const b = await start({ NOTIFY_BATCH_SIZE: '5' });
    const m = await newMerchant(a);
    const user = await verifiedUser(a, fake, { phone: false });
    fake.reset();
    fake.delayMs = 15; // a provider slow enough that both workers are busy at once
    const res = await a.gql(IngestMany, { events: Array.from({ length: 100 }, () => eventInput({ customerId: user.id })) }, { token: m.token });
    expect(res.data!.ingestPaymentEvents.ingested).toBe(100);

    const deliveries = await settledDeliveries(a, user.id, 200, 60_000);
    expect(deliveries.every((d) => d.status === 'SENT' && d.attempts === 1)).toBe(true);
    const pushed = fake.accepted('fcm').map((r) => r.json.message.data.notificationId);
    const mailed = fake.accepted('sendgrid').map((r) => r.json.custom_args.notificationId);
    expect(pushed).toHaveLength(100);
    expect(new Set(pushed).size).toBe(100);
    expect(mailed).toHaveLength(100);
    expect(new Set(mailed).size).toBe(100);
    // Both instances took part (each counts what it sent).
    const sentBy = async (t: TestApp) => (await t.app.infra.metrics.notificationDeliveries.get()).values.reduce((n, v) => n + v.value, 0);
    const [byA, byB] = [await sentBy(a), await sentBy(b)];
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(byA + byB).toBe(200);
    for (const t of apps.splice(0)) await t.stop();
  });

  it('sends, after the lease, a delivery whose worker was SIGKILLed holding the claim', async () => {
    // This instance only writes the outbox; the child server process is the only worker.
    const writer = await start({ NOTIFICATIONS_WORKER: '0' });
    const m = await newMerchant(writer);
    const user = await verifiedUser(writer, fake, { phone: false, devices: 0 });
    fake.reset();
    fake.failNext('sendgrid', { status: 599, hang: true });

    const child = spawn(process.execPath, ['--import', './scripts/ts-loader.mjs', 'src/main.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? ROOT,
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DATABASE_URL: databaseUrl,
        REDIS_URL,
        JWT_SECRET: TEST_JWT_SECRET,
        DEMO_MERCHANT: '0',
        ...providerEnv(fake, SERVICE_ACCOUNT),
        ...FAST_WORKER,
      },
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    try {
      const res = await writer.gql(IngestMany, { events: [eventInput({ customerId: user.id })] }, { token: m.token });
      expect(res.data!.ingestPaymentEvents.ingested).toBe(1);
      // The child claimed it and its send is in flight (the provider never answers).
      await waitUntil(() => fake.requests.some((r) => r.provider === 'sendgrid'), 30_000, () => `child sent nothing: ${output}`);
    } finally {
      child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    const held = await writer.db.prisma.notificationDelivery.findFirstOrThrow({ where: { userId: user.id } });
    expect([held.status, held.attempts]).toEqual(['SENDING', 1]);

    const successor = await start();
    const [email] = await settledDeliveries(successor, user.id, 1, 30_000);
    expect(email).toMatchObject({ channel: 'EMAIL', status: 'SENT', attempts: 2 });
    // Not taken over before the dead claim's lease ran out.
    const sent = await writer.db.prisma.notificationDelivery.findFirstOrThrow({ where: { userId: user.id } });
    expect(sent.sentAt!.getTime()).toBeGreaterThanOrEqual(held.leaseUntil!.getTime());
    expect(fake.accepted('sendgrid')).toHaveLength(1);
    expect(fake.requests.filter((r) => r.provider === 'sendgrid').map((r) => r.status)).toEqual([599, 202]);
  });
});
