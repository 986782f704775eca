/**
 * Fan-out: one event → N subscribers of one merchant, paypulse against a plain graphql-yoga +
 * graphql-ws `useServer` + `createPubSub` baseline (same selection, no database, no auth), both
 * started in this run (bench/fanout-server.ts), with the load generator in a process of its own
 * (bench/fanout-load.ts, raw `ws`). Baseline and paypulse alternate, each case `--repeats` times;
 * the table shows medians and the ratio paypulse / baseline.
 *
 * Per case: sockets to subscribed (time until a probe event reaches all N), RSS per subscription,
 * latency publish → arrival over every subscription of `--events` sequential events (p50, p99),
 * then a burst of `--burst` events published at once: messages/s delivered and the server's CPU µs
 * per delivered message.
 *
 *   npm run bench:fanout [-- --cases 1000x1,1000x100,5000x1,10000x100 --modes embedded,services --repeats 2 --profile DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { lines } from './child-lines.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000x1,1000x100,5000x1,10000x100' },
    modes: { type: 'string', default: 'embedded,services' },
    repeats: { type: 'string', default: '2' },
    events: { type: 'string', default: '10' },
    burst: { type: 'string', default: '20' },
    /** Writes a CPU profile of each server's burst into this directory. */
    profile: { type: 'string' },
  },
});
const CASES = values.cases!.split(',').map((c) => {
  const [n, per] = c.split('x').map(Number);
  return { n: n!, perSocket: per! };
});
const MODES = values.modes!.split(',');
const REPEATS = Number(values.repeats);
const EVENTS = Number(values.events);
const BURST = Number(values.burst);
const TIMEOUT_MS = 120_000;
const now = () => performance.timeOrigin + performance.now();


// The server and load generator run as `npm start` runs the server (scripts/ts-loader.mjs).
const tsx = ['--import', './scripts/ts-loader.mjs'];
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);

interface Result {
  subscribeMs: number;
  kbPerSub: number;
  p50: number;
  p99: number;
  msgsPerSec: number;
  cpuMicrosPerMsg: number;
}

async function runOnce(kind: 'baseline' | 'paypulse', mode: string, n: number, perSocket: number): Promise<Result> {
  const server = spawn(process.execPath, ['--expose-gc', ...(process.env.SF ?? '').split(' ').filter(Boolean), ...tsx, 'bench/fanout-server.ts', '--kind', kind, '--mode', mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let load: ChildProcess | undefined;
  let controlUrl: string | undefined;
  try {
    const ready = (await lines(server, `${kind} server`, TIMEOUT_MS).next((l) => 'wsUrl' in l, 'the server')) as { wsUrl: string; controlUrl: string; tokens: string[] };
    controlUrl = ready.controlUrl;
    // RSS after a full GC; CPU without one (a forced GC in the burst's window would count as its CPU).
    const stats = async () => (await (await fetch(`${ready.controlUrl}/stats`)).json()) as { rss: number };
    const cpu = async () => ((await (await fetch(`${ready.controlUrl}/cpu`)).json()) as { cpuMicros: number }).cpuMicros;
    const publish = async (eventId: string) => {
      const res = await fetch(`${ready.controlUrl}/publish`, { method: 'POST', body: JSON.stringify({ eventId }) });
      if (!res.ok) throw new Error(`publish: ${await res.text()}`);
    };
    const before = await stats();
    const started = now();
    load = spawn(process.execPath, [...tsx, 'bench/fanout-load.ts', '--url', ready.wsUrl, '--tokens', ready.tokens.join(','), '--sockets', String(n / perSocket), '--per-socket', String(perSocket)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = lines(load, `${kind} load`, TIMEOUT_MS);
    await out.next((l) => l.ready === true, 'sockets');
    // Subscribed once a probe reaches all N (a subscribe has no acknowledgement in graphql-ws).
    let probe = 0;
    for (;;) {
      const id = `probe-${probe++}-${now()}`;
      await publish(id);
      // A probe that missed a subscription never completes: stop waiting for it after 2 s.
      const done = await out.next((l) => l.done === id, 'probe', 2000);
      if (done) break;
    }
    const subscribeMs = now() - started;
    const subscribed = await stats();

    const latencies: number[] = [];
    for (let e = 0; e < EVENTS; e++) {
      const id = `lat-${e}-${now()}`;
      await publish(id);
      latencies.push(...((await out.next((l) => l.done === id, `event ${id}`)).latencies as number[]));
    }
    latencies.sort((a, b) => a - b);

    if (values.profile) await fetch(`${ready.controlUrl}/profile/start`);
    const cpuBefore = await cpu();
    const first = now();
    const ids = Array.from({ length: BURST }, (_, b) => `burst-${b}-${now()}`);
    await Promise.all(ids.map((id) => publish(id)));
    const dones = await Promise.all(ids.map((id) => out.next((l) => l.done === id, `burst ${id}`)));
    const last = Math.max(...dones.map((d) => d.last as number));
    const cpuAfter = await cpu();
    if (values.profile) await fetch(`${ready.controlUrl}/profile/stop?file=${encodeURIComponent(`${values.profile}/${kind}-${mode}-${n}x${perSocket}-${Date.now()}.cpuprofile`)}`);
    const msgs = BURST * n;
    return {
      subscribeMs,
      kbPerSub: (subscribed.rss - before.rss) / 1024 / n,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      msgsPerSec: msgs / ((last - first) / 1000),
      cpuMicrosPerMsg: (cpuAfter - cpuBefore) / msgs,
    };
  } finally {
    load?.kill();
    // Asked to stop, it exits on its own (and writes its profile); killed if it cannot.
    const exited = new Promise((r) => server.once('exit', r));
    if (!controlUrl || !(await fetch(`${controlUrl}/stop`).then((r) => r.ok, () => false))) server.kill();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
}

const rows: string[] = [];
const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
for (const mode of MODES)
  for (const { n, perSocket } of CASES) {
    const results: Record<'baseline' | 'paypulse', Result[]> = { baseline: [], paypulse: [] };
    for (let r = 0; r < REPEATS; r++) {
      const order = r % 2 === 0 ? (['baseline', 'paypulse'] as const) : (['paypulse', 'baseline'] as const);
      for (const kind of order) {
        const res = await runOnce(kind, mode, n, perSocket);
        results[kind].push(res);
        process.stderr.write(`${mode} ${n}x${perSocket} ${kind} #${r + 1}: ${JSON.stringify(Object.fromEntries(Object.entries(res).map(([k, v]) => [k, Number(v.toFixed(3))])))}\n`);
      }
    }
    const m = (kind: 'baseline' | 'paypulse', key: keyof Result) => median(results[kind].map((x) => x[key]));
    const ratio = (key: keyof Result) => m('paypulse', key) / m('baseline', key);
    rows.push(
      `| ${n.toLocaleString('en')}, ${perSocket === 1 ? 'one socket each' : `${perSocket} per socket`} | ${mode} | ${fmt(m('paypulse', 'msgsPerSec'), 0)} / ${fmt(m('baseline', 'msgsPerSec'), 0)} = **${fmt(ratio('msgsPerSec'))}** | ${fmt(m('paypulse', 'p50'), 0)} / ${fmt(m('baseline', 'p50'), 0)} | ${fmt(m('paypulse', 'p99'), 0)} / ${fmt(m('baseline', 'p99'), 0)} = **${fmt(ratio('p99'))}** | ${fmt(m('paypulse', 'cpuMicrosPerMsg'), 1)} / ${fmt(m('baseline', 'cpuMicrosPerMsg'), 1)} = **${fmt(ratio('cpuMicrosPerMsg'))}** | ${fmt(m('paypulse', 'kbPerSub'), 1)} / ${fmt(m('baseline', 'kbPerSub'), 1)} = **${fmt(ratio('kbPerSub'))}** | ${fmt(m('paypulse', 'subscribeMs') / 1000, 1)} / ${fmt(m('baseline', 'subscribeMs') / 1000, 1)} |`,
    );
  }

console.log(`\nFan-out, medians of ${REPEATS} runs each, paypulse / baseline (${EVENTS} timed events, bursts of ${BURST})\n`);
console.log('| N | mode | msgs/s | p50 ms | p99 ms | CPU µs/msg | KB/sub | subscribed in s |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
