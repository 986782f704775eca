/**
 * Cheap sockets: what an idle subscription costs paypulse against the fan-out bench's baseline
 * (plain graphql-yoga + graphql-ws `useServer` + `createPubSub`, no database, no auth), both
 * started in this run by bench/fanout-server.ts, the load in a process of its own
 * (bench/sockets-load.ts, raw `ws`, one subscription per socket, one user per socket). Baseline
 * and paypulse alternate, each case `--repeats` times; the table shows medians and ratios.
 *
 * Per case (N sockets):
 * - connect: server CPU µs per connect + connection_init + subscribe (the server process's CPU
 *   time from /proc, from the first socket until the server is idle again once every socket has
 *   sent its subscribe; then a probe event must reach all N: a subscribe has no acknowledgement
 *   in graphql-ws);
 * - RSS KB per idle subscription (after a full GC);
 * - Redis commands per idle socket per minute (services mode: INFO commandstats of a redis-server
 *   this bench starts for the server alone, over `--idle-ms` of idling; commands run by scripts
 *   and inside MULTI count one each, so do EVAL and MULTI/EXEC themselves);
 * - reconnect storm: every socket closed at once and opened again (≤ 200 handshakes in flight,
 *   a socket closed before its ack retried): ms until a probe reaches all N again, and server
 *   CPU µs per reconnected socket (until idle, as above).
 *
 *   npm run bench:sockets [-- --sizes 1000,5000 --modes embedded,services --repeats 2 --idle-ms 30000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { lines, type Lines } from './child-lines.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,5000' },
    modes: { type: 'string', default: 'embedded,services' },
    repeats: { type: 'string', default: '2' },
    /** Idle window over which Redis commands are counted (services mode; PRESENCE_TTL_MS is 30 s, its heartbeat 10 s). */
    'idle-ms': { type: 'string', default: '30000' },
  },
});
const SIZES = values.sizes!.split(',').map(Number);
const MODES = values.modes!.split(',');
const REPEATS = Number(values.repeats);
const IDLE_MS = Number(values['idle-ms']);
const TIMEOUT_MS = 180_000;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** A redis-server of the bench's own, so INFO commandstats counts the server under test and nothing else. */
async function startRedis(): Promise<{ url: string; commands: () => Promise<number>; stop: () => Promise<void> }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { retryStrategy: (n) => (n > 50 ? null : 100) });
  // Refused until redis-server listens: ioredis retries.
  client.on('error', () => {});
  await client.ping();
  return {
    url,
    async commands() {
      const text = await client.info('commandstats');
      let total = 0;
      for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') total += Number(m[2]);
      return total;
    },
    async stop() {
      client.disconnect();
      proc.kill();
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

/** User + system CPU time of a process, µs (/proc; clock ticks of 10 ms). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Resolves once the process used under 10% of a core over 500 ms (it has done the work queued). */
async function idle(pid: number): Promise<void> {
  for (let before = cpuOf(pid); ; ) {
    await sleep(500);
    const after = cpuOf(pid);
    if (after - before < 50_000) return;
    before = after;
  }
}

// The servers and load generators run as `npm start` runs the server (scripts/ts-loader.mjs).
const tsx = ['--import', './scripts/ts-loader.mjs'];
const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

interface Result {
  connectCpuMicros: number;
  connectMs: number;
  kbPerSub: number;
  redisPerSocketMinute: number;
  stormMs: number;
  stormCpuMicros: number;
}

async function runOnce(kind: 'baseline' | 'paypulse', mode: string, n: number): Promise<Result> {
  const redis = kind === 'paypulse' && mode === 'services' ? await startRedis() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bench-sockets-'));
  const server = spawn(process.execPath, ['--expose-gc', ...tsx, 'bench/fanout-server.ts', '--kind', kind, '--mode', mode, '--users', String(n)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(redis ? { BENCH_REDIS_URL: redis.url } : {}) },
  });
  let load: ChildProcess | undefined;
  let controlUrl: string | undefined;
  try {
    const ready = (await lines(server, `${kind} server`, TIMEOUT_MS).next((l) => 'wsUrl' in l, 'the server')) as { wsUrl: string; controlUrl: string; tokens: string[] };
    controlUrl = ready.controlUrl;
    const tokensFile = join(dir, 'tokens');
    writeFileSync(tokensFile, ready.tokens.join('\n'));
    const stats = async () => (await (await fetch(`${ready.controlUrl}/stats`)).json()) as { rss: number };
    const publish = async (eventId: string) => {
      const res = await fetch(`${ready.controlUrl}/publish`, { method: 'POST', body: JSON.stringify({ eventId }) });
      if (!res.ok) throw new Error(`publish: ${await res.text()}`);
    };
    let probes = 0;
    /**
     * Publishes probes until one reaches every socket (they are all subscribed), waiting longer
     * after each miss so probes do not pile up on a busy server.
     */
    const allSubscribed = async (out: Lines) => {
      for (let wait = 500; ; wait = Math.min(wait * 2, 8000)) {
        const id = `probe-${probes++}-${now()}`;
        await publish(id);
        if (await out.next((l) => l.done === id, 'probe', wait)) return;
      }
    };
    const pid = server.pid!;
    // Settle the server after start (lazy imports, first GC) before the baseline reading.
    await sleep(1000);
    const before = await stats();
    const cpu0 = cpuOf(pid);
    const started = now();
    load = spawn(process.execPath, [...tsx, 'bench/sockets-load.ts', '--url', ready.wsUrl, '--tokens', tokensFile, '--sockets', String(n)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = lines(load, `${kind} load`, TIMEOUT_MS);
    const opened = await out.next((l) => l.ready === true, 'sockets');
    await idle(pid);
    const connectCpu = cpuOf(pid) - cpu0;
    await allSubscribed(out);
    const connectMs = now() - started;
    const subscribed = await stats();

    let redisPerSocketMinute = NaN;
    if (redis) {
      const c0 = await redis.commands();
      const t0 = now();
      await sleep(IDLE_MS);
      redisPerSocketMinute = (await redis.commands()) - c0;
      redisPerSocketMinute = redisPerSocketMinute / n / ((now() - t0) / 60_000);
    }

    await idle(pid);
    const stormCpu0 = cpuOf(pid);
    const stormStarted = now();
    load.stdin!.write('storm\n');
    const reopened = await out.next((l) => l.reopened === true, 'reconnect storm');
    await idle(pid);
    const stormCpu = cpuOf(pid) - stormCpu0;
    await allSubscribed(out);
    const stormMs = now() - stormStarted;
    if (opened?.retries || reopened?.retries) process.stderr.write(`${kind} ${mode} ${n}: ${String(opened?.retries)} sockets retried at connect, ${String(reopened?.retries)} in the storm\n`);
    return {
      connectCpuMicros: connectCpu / n,
      connectMs,
      kbPerSub: (subscribed.rss - before.rss) / 1024 / n,
      redisPerSocketMinute,
      stormMs,
      stormCpuMicros: stormCpu / n,
    };
  } finally {
    load?.kill();
    const exited = new Promise((r) => server.once('exit', r));
    if (!controlUrl || !(await fetch(`${controlUrl}/stop`).then((r) => r.ok, () => false))) server.kill();
    await Promise.race([exited, sleep(15_000)]);
    if (server.exitCode === null) server.kill('SIGKILL');
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: string[] = [];
const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const pair = (p: number, b: number, digits: number) => `${fmt(p, digits)} / ${fmt(b, digits)} = **${fmt(p / b)}**`;
for (const mode of MODES)
  for (const n of SIZES) {
    const results: Record<'baseline' | 'paypulse', Result[]> = { baseline: [], paypulse: [] };
    for (let r = 0; r < REPEATS; r++) {
      const order = r % 2 === 0 ? (['baseline', 'paypulse'] as const) : (['paypulse', 'baseline'] as const);
      for (const kind of order) {
        const res = await runOnce(kind, mode, n);
        results[kind].push(res);
        process.stderr.write(`${mode} ${n} ${kind} #${r + 1}: ${JSON.stringify(Object.fromEntries(Object.entries(res).map(([k, v]) => [k, Number(v.toFixed(3))])))}\n`);
      }
    }
    const m = (kind: 'baseline' | 'paypulse', key: keyof Result) => median(results[kind].map((x) => x[key]));
    const both = (key: keyof Result, digits: number) => pair(m('paypulse', key), m('baseline', key), digits);
    rows.push(
      `| ${n.toLocaleString('en')} | ${mode} | ${both('connectCpuMicros', 0)} | ${both('kbPerSub', 1)} | ${mode === 'services' ? fmt(m('paypulse', 'redisPerSocketMinute'), 2) : 'n/a (no Redis)'} | ${both('stormMs', 0)} | ${both('stormCpuMicros', 0)} | ${fmt(m('paypulse', 'connectMs') / 1000, 1)} / ${fmt(m('baseline', 'connectMs') / 1000, 1)} |`,
    );
  }

console.log(`\nSockets, medians of ${REPEATS} runs each, paypulse / baseline (one subscription per socket, one user per socket)\n`);
console.log('| N | mode | CPU µs per connect+init+subscribe | RSS KB per idle subscription | Redis commands per idle socket per minute (paypulse) | storm: all subscribed again, ms | storm: CPU µs per socket | subscribed in s |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
