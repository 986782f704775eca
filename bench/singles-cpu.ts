/**
 * Server CPU per single-event ingest: an app on PostgreSQL in this process, C callers over 12
 * merchants in another (bench/singles-load.ts, node:http keep-alive), each sending one
 * `ingestPaymentEvent` after another. Prints the callers' rate and latencies and this process's
 * CPU per event (its own clients' work is not in it):
 *
 *   node --import ./scripts/ts-loader.mjs bench/singles-cpu.ts [--callers 64 --per-caller 40]
 *
 * Add `--cpu-prof --cpu-prof-dir=/tmp/prof` before `--import` for a profile of the server alone.
 * On demand, not a test; compare runs made next to each other.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.js';
import { signToken } from '../src/auth/jwt.js';
import { loadConfig } from '../src/config.js';
import { lines } from './child-lines.js';
import { benchAppEnv, createBenchDatabase } from './support.js';

const { values } = parseArgs({ options: { callers: { type: 'string', default: '64' }, 'per-caller': { type: 'string', default: '40' } } });
const callers = Number(values.callers);
const perCaller = Number(values['per-caller']);

const db = await createBenchDatabase();
const config = loadConfig(benchAppEnv(db.url, { NOTIFICATIONS_WORKER: 'false', RATE_LIMIT_PER_MINUTE: '0', JWT_SECRET: 'bench-secret-for-paypulse-0123456789abcdef' }));
const app = await createApp(config);
try {
  const { port } = await app.start();
  const ids = Array.from({ length: 12 }, (_, i) => `m_cpu${i}`);
  for (const id of ids) await app.domain.merchants.ensure({ id, name: id, timezone: 'UTC' });
  const tokens = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await signToken(config.auth, { sub: `u-${id}`, role: 'merchant', merchantId: id })] as const)));
  const job = { kind: 'closed', url: `http://127.0.0.1:${port}/graphql`, tokens, callers, perCaller, run: `cpu-${process.pid}` };
  const cpu = process.cpuUsage();
  const load = spawn(process.execPath, ['--import', './scripts/ts-loader.mjs', 'bench/singles-load.ts', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const result = (await lines(load, 'singles-load', 600_000).next(() => true, 'the load result')) as { rate: number; p50: number; p99: number; error?: string };
  if (result.error) throw new Error(result.error);
  const used = process.cpuUsage(cpu);
  const events = callers * perCaller;
  console.log(`${callers} callers × ${perCaller} events: ${result.rate.toFixed(0)} events/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, server CPU ${((used.user + used.system) / 1000 / events).toFixed(2)} ms/event`);
} finally {
  await app.stop();
  await db.drop();
}
