/**
 * Where one ingest call's time goes on PostgreSQL: wall and process CPU per call, and each
 * statement's time at the pg driver (sent → result parsed), for calls of `--size` events straight
 * into the pipeline (no HTTP), after three warm-up calls:
 *
 *   node --import ./scripts/ts-loader.mjs bench/ingest-statements.ts [--size 1000 --calls 20]
 *   node --import ./scripts/ts-loader.mjs bench/ingest-statements.ts --size 1 --calls 300
 *
 * Needs PostgreSQL (BENCH_DATABASE_URL). On demand, not a test; read the numbers against each
 * other, this machine is shared.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createBenchDatabase } from './support.js';
import { benchEvent } from './workload.js';

const { values } = parseArgs({ options: { size: { type: 'string', default: '1000' }, calls: { type: 'string', default: '20' } } });
const SIZE = Number(values.size);
const CALLS = Number(values.calls);

const statements = new Map<string, { count: number; ms: number }>();
let recording = false;
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const result = query.apply(this, args);
  if (recording && result instanceof Promise) {
    const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string } | undefined)?.text ?? '');
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 72);
    const start = performance.now();
    result.then(
      () => {
        const s = statements.get(key) ?? { count: 0, ms: 0 };
        s.count++;
        s.ms += performance.now() - start;
        statements.set(key, s);
      },
      () => {},
    );
  }
  return result;
} as never;

const db = await createBenchDatabase();
const app = await createApp(loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', DEMO_MERCHANT: '0', DATABASE_URL: db.url, NOTIFICATIONS_WORKER: 'false' }));
await app.start();
await app.domain.merchants.ensure({ id: 'm_stmt', name: 'Statements', timezone: 'UTC' });
const call = async (prefix: string, n: number) => {
  const r = await app.infra.pipeline.ingest(Array.from({ length: SIZE }, (_, i) => benchEvent(n * SIZE + i, prefix, 'm_stmt')), { source: 'api' });
  if (r.ingested !== SIZE) throw new Error(`ingested ${r.ingested} of ${SIZE}`);
};
for (let n = 0; n < 3; n++) await call('warm', n);
recording = true;
const cpu = process.cpuUsage();
const start = performance.now();
for (let n = 0; n < CALLS; n++) await call('run', n);
const wall = (performance.now() - start) / CALLS;
const used = process.cpuUsage(cpu);
recording = false;
console.log(`${CALLS} calls of ${SIZE} events: wall ${wall.toFixed(2)} ms/call, process CPU ${((used.user + used.system) / 1000 / CALLS).toFixed(2)} ms/call\n`);
console.log('| ms/call | statements/call | statement |\n|---:|---:|---|');
let total = 0;
for (const [text, s] of [...statements].sort((a, b) => b[1].ms - a[1].ms)) {
  total += s.ms;
  console.log(`| ${(s.ms / CALLS).toFixed(2)} | ${(s.count / CALLS).toFixed(2)} | \`${text}\` |`);
}
console.log(`| ${(total / CALLS).toFixed(2)} | ${([...statements.values()].reduce((n, s) => n + s.count, 0) / CALLS).toFixed(2)} | all |`);
await app.stop();
await db.drop();
