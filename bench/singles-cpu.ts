/**
 * Server CPU per single-event ingest, next to what a request costs before any ingest work: C
 * callers over 12 merchants in another process (bench/singles-load.ts, node:http keep-alive), each
 * sending one request after another, to servers in this process (so this process's CPU is the
 * servers' alone; only the one under load is busy). Three rows, alternating, `--repeats` times,
 * medians:
 *
 * - plain Yoga `{ __typename }`: `createYoga` with paypulse's schema and nothing else, what any
 *   Yoga server spends on an HTTP GraphQL request;
 * - paypulse `{ __typename }`: the same request, authenticated, through paypulse's server (its
 *   plugins, context and HTTP handler);
 * - paypulse `ingestPaymentEvent`: one event per request, on PostgreSQL.
 *
 *   node --import ./scripts/ts-loader.mjs bench/singles-cpu.ts [--callers 64 --per-caller 40 --repeats 3 | --paced 100 --seconds 6]
 *
 * `--paced 100` sends at that fixed rate instead (open loop, `--seconds` long, over the 12 merchants):
 * on this VM a request costs several times the CPU at a low rate that it costs at saturation, for
 * plain Yoga as for paypulse, so compare rows of one mode only.
 *
 * Add `--cpu-prof --cpu-prof-dir=/tmp/prof` before `--import` for a profile of the servers.
 * On demand, not a test; compare runs made next to each other.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createYoga } from 'graphql-yoga';
import { createApp } from '../src/app.js';
import { signToken } from '../src/auth/jwt.js';
import { loadConfig } from '../src/config.js';
import { schema } from '../src/schema/index.js';
import { lines } from './child-lines.js';
import { benchAppEnv, createBenchDatabase } from './support.js';

const { values } = parseArgs({
  options: {
    callers: { type: 'string', default: '64' },
    'per-caller': { type: 'string', default: '40' },
    repeats: { type: 'string', default: '3' },
    paced: { type: 'string' },
    seconds: { type: 'string', default: '6' },
  },
});
const callers = Number(values.callers);
const perCaller = Number(values['per-caller']);
const repeats = Number(values.repeats);
const paced = values.paced === undefined ? undefined : { perSecond: Number(values.paced), seconds: Number(values.seconds) };
const requests = paced ? Math.max(1, Math.round(paced.perSecond * paced.seconds)) : callers * perCaller;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Load = { rate?: number; p50: number; p99: number; error?: string };
type Measured = Omit<Load, 'rate'> & { rate: number; cpuMs: number };

/** One run of the callers against `url` (closed loop, or paced); CPU is this process's, per request. */
async function measure(url: string, tokens: Record<string, string>, query: 'ingest' | 'typename', run: string): Promise<Measured> {
  const job = paced ? { kind: 'paced', url, tokens, ...paced, run, query } : { kind: 'closed', url, tokens, callers, perCaller, run, query };
  const cpu = process.cpuUsage();
  const load = spawn(process.execPath, ['--import', './scripts/ts-loader.mjs', 'bench/singles-load.ts', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const result = (await lines(load, 'singles-load', 600_000).next(() => true, 'the load result')) as Load;
  if (result.error) throw new Error(result.error);
  const used = process.cpuUsage(cpu);
  return { ...result, rate: result.rate ?? paced!.perSecond, cpuMs: (used.user + used.system) / 1000 / requests };
}

const db = await createBenchDatabase();
const config = loadConfig(benchAppEnv(db.url, { NOTIFICATIONS_WORKER: 'false', RATE_LIMIT_PER_MINUTE: '0', JWT_SECRET: 'bench-secret-for-paypulse-0123456789abcdef' }));
const app = await createApp(config);
const plain = createServer(createYoga({ schema, logging: false, landingPage: false, graphiql: false }));
try {
  const { port } = await app.start();
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/graphql`;
  const ids = Array.from({ length: 12 }, (_, i) => `m_cpu${i}`);
  for (const id of ids) await app.domain.merchants.ensure({ id, name: id, timezone: 'UTC' });
  const tokens = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await signToken(config.auth, { sub: `u-${id}`, role: 'merchant', merchantId: id })] as const)));
  const url = `http://127.0.0.1:${port}/graphql`;

  const rows: [string, (r: number) => Promise<Measured>][] = [
    ['plain Yoga, `{ __typename }`', (r) => measure(plainUrl, tokens, 'typename', `plain-${r}`)],
    ['paypulse, `{ __typename }` (authenticated)', (r) => measure(url, tokens, 'typename', `typename-${r}`)],
    ['paypulse, `ingestPaymentEvent` (one event)', (r) => measure(url, tokens, 'ingest', `cpu-${process.pid}-${r}`)],
  ];
  const results = rows.map(() => [] as Measured[]);
  for (let r = 0; r < repeats; r++) {
    for (const [i, [name, run]] of rows.entries()) {
      const m = await run(r);
      results[i]!.push(m);
      console.error(`${name} #${r + 1}: ${m.rate.toFixed(0)}/s, ${m.cpuMs.toFixed(2)} ms CPU per request`);
    }
  }
  const base = median(results[0]!.map((m) => m.cpuMs));
  const shape = paced ? `paced at ${paced.perSecond} requests/s for ${paced.seconds} s` : `${callers} callers × ${perCaller} requests`;
  console.log(`\n${shape}, medians of ${repeats} runs (server CPU: this process, per request)\n`);
  console.log('| request | requests/s | p50 ms | p99 ms | server CPU ms/request | × plain Yoga CPU |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [i, [name]] of rows.entries()) {
    const ms = results[i]!;
    const cpu = median(ms.map((m) => m.cpuMs));
    console.log(`| ${name} | ${median(ms.map((m) => m.rate)).toFixed(0)} | ${median(ms.map((m) => m.p50)).toFixed(1)} | ${median(ms.map((m) => m.p99)).toFixed(1)} | ${cpu.toFixed(2)} | ${(cpu / base).toFixed(2)} |`);
  }
} finally {
  plain.close();
  await app.stop();
  await db.drop();
}
