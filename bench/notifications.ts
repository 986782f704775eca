/**
 * What notifications cost, on PostgreSQL + Redis, against the local provider stand-in (real
 * firebase-admin and SendGrid SDKs over loopback): the ingest time of 100-event batches whose
 * events notify nobody (the baseline, same run), the customer in-app only, or a customer reached
 * by push and email; then how fast the worker drains the outbox those batches filled.
 * Run on demand: `npm run bench:notifications [-- --batches 20 --workers 1]`.
 */
import { parseArgs } from 'node:util';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { providerEnv, startFakeProviders } from '../tests/support/providers.js';
import { SERVICE_ACCOUNT } from '../tests/notifications/helpers.js';
import { createBenchDatabase, postgresReachable, REDIS_URL } from './support.js';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '20' }, workers: { type: 'string', default: '1' } } });
const BATCHES = Number(values.batches);
const WORKERS = Number(values.workers);
const BATCH = 100;

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

async function main() {
  if (!(await postgresReachable())) throw new Error('PostgreSQL is not reachable');
  const fake = await startFakeProviders();
  const db = await createBenchDatabase();
  const env = (worker: boolean) =>
    loadConfig({
      NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', DEMO_MERCHANT: '0', DATABASE_URL: db.url, REDIS_URL,
      ...providerEnv(fake, SERVICE_ACCOUNT), NOTIFICATIONS_WORKER: worker ? '1' : '0', NOTIFY_POLL_MS: '50', NOTIFY_BATCH_SIZE: '100',
    });
  // Ingest with the workers off, so ingest timings do not share the CPU with sending.
  const writer = await createApp(env(false));
  await writer.start();
  const apps: App[] = [writer];
  try {
    const s = writer.infra;
    await writer.domain.merchants.ensure({ id: 'm_bench', name: 'Bench', timezone: 'UTC', defaultCurrency: 'KES' });
    await s.db.prisma.notificationRecipient.create({ data: { userId: 'reachable', role: 'customer', email: 'r@example.test', emailVerifiedAt: new Date() } });
    await s.db.prisma.deviceToken.create({ data: { token: 'bench-device-token-0123456789', userId: 'reachable', platform: 'ANDROID' } });

    let n = 0;
    const scenario = async (customerId: string | null) => {
      const times: number[] = [];
      for (let b = 0; b < BATCHES; b += 1) {
        const events = Array.from({ length: BATCH }, () => ({
          eventId: `evt-${(n += 1)}`, merchantId: 'm_bench', type: 'payment.completed', provider: 'mpesa', paymentMethod: 'mobile_money',
          amountMinor: '150000', currency: 'KES', ...(customerId ? { customerId } : {}),
        }));
        const started = performance.now();
        await s.pipeline.ingest(events, { source: 'api' });
        times.push(performance.now() - started);
      }
      return times;
    };
    const rows: Record<string, string | number>[] = [];
    const baseline = await scenario(null);
    const base = quantile(baseline, 0.5);
    const add = (name: string, times: number[], notifications: string, deliveries: number) =>
      rows.push({ scenario: name, 'batch p50 ms': quantile(times, 0.5).toFixed(1), 'vs baseline': `${(quantile(times, 0.5) / base).toFixed(2)}×`, 'batch p90 ms': quantile(times, 0.9).toFixed(1), notifications, deliveries });
    add('no recipient (baseline)', baseline, '0', 0);
    add('customer in-app only', await scenario('unreachable'), '1 per event', 0);
    add('customer push + email', await scenario('reachable'), '1 per event', 2 * BATCHES * BATCH);
    console.table(rows);

    // Drain: start the workers and time until the outbox is empty.
    const pending = await s.db.prisma.notificationDelivery.count({ where: { status: 'PENDING' } });
    const started = performance.now();
    for (let w = 0; w < WORKERS; w += 1) {
      const app = await createApp(env(true));
      await app.start();
      apps.push(app);
    }
    for (;;) {
      const left = await s.db.prisma.notificationDelivery.count({ where: { status: { in: ['PENDING', 'SENDING'] } } });
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const sent = await s.db.prisma.notificationDelivery.count({ where: { status: 'SENT' } });
    console.table([{ workers: WORKERS, deliveries: pending, sent, seconds: seconds.toFixed(2), 'deliveries/s': (pending / seconds).toFixed(0), 'provider requests': fake.requests.filter((r) => r.provider !== 'oauth').length }]);
  } finally {
    for (const app of apps) await app.stop();
    await fake.close();
    await db.drop();
  }
}

await main();
