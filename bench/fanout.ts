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
 *   npm run bench:fanout [-- --cases 1000x1,1000x100,5000x1,10000x100 --modes embedded,services --repeats 2]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000x1,1000x100,5000x1,10000x100' },
    modes: { type: 'string', default: 'embedded,services' },
    repeats: { type: 'string', default: '2' },
    events: { type: 'string', default: '10' },
    burst: { type: 'string', default: '20' },
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

interface Lines {
  next(match: (line: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>>;
}

/** JSON lines of a child's stdout, awaited by predicate (lines nobody waits for yet are kept). */
function lines(child: ChildProcess, name: string): Lines {
  const backlog: Record<string, unknown>[] = [];
  const waiting: Array<{ match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (line.error) process.stderr.write(`${name}: ${String(line.error)}\n`);
    const w = waiting.findIndex((x) => x.match(line));
    if (w >= 0) waiting.splice(w, 1)[0]!.resolve(line);
    else backlog.push(line);
  });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`${name}: ${d}`));
  return {
    next(match, what) {
      const i = backlog.findIndex(match);
      if (i >= 0) return Promise.resolve(backlog.splice(i, 1)[0]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: timed out waiting for ${what}`)), TIMEOUT_MS);
        waiting.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
  };
}

const tsx = ['--import', 'tsx'];
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
  const server = spawn(process.execPath, ['--expose-gc', ...tsx, 'bench/fanout-server.ts', '--kind', kind, '--mode', mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let load: ChildProcess | undefined;
  try {
    const ready = (await lines(server, `${kind} server`).next((l) => 'wsUrl' in l, 'the server')) as { wsUrl: string; controlUrl: string; tokens: string[] };
    const stats = async () => (await (await fetch(`${ready.controlUrl}/stats`)).json()) as { rss: number; cpuMicros: number };
    const publish = async (eventId: string) => {
      const res = await fetch(`${ready.controlUrl}/publish`, { method: 'POST', body: JSON.stringify({ eventId }) });
      if (!res.ok) throw new Error(`publish: ${await res.text()}`);
    };
    const before = await stats();
    const started = now();
    load = spawn(process.execPath, [...tsx, 'bench/fanout-load.ts', '--url', ready.wsUrl, '--tokens', ready.tokens.join(','), '--sockets', String(n / perSocket), '--per-socket', String(perSocket)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = lines(load, `${kind} load`);
    await out.next((l) => l.ready === true, 'sockets');
    // Subscribed once a probe reaches all N (a subscribe has no acknowledgement in graphql-ws).
    let probe = 0;
    for (;;) {
      const id = `probe-${probe++}-${now()}`;
      await publish(id);
      const done = await Promise.race([out.next((l) => l.done === id, 'probe'), new Promise<undefined>((r) => setTimeout(r, 2000))]);
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

    const cpuBefore = (await stats()).cpuMicros;
    const first = now();
    const ids = Array.from({ length: BURST }, (_, b) => `burst-${b}-${now()}`);
    await Promise.all(ids.map((id) => publish(id)));
    const dones = await Promise.all(ids.map((id) => out.next((l) => l.done === id, `burst ${id}`)));
    const last = Math.max(...dones.map((d) => d.last as number));
    const cpuAfter = (await stats()).cpuMicros;
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
    server.kill();
    await new Promise((r) => server.once('exit', r));
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
