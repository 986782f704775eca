/**
 * Where an idle subscription's memory goes: the V8 heap each idle socket (one subscription each)
 * adds to paypulse and to the fan-out baseline (plain graphql-yoga + graphql-ws + createPubSub),
 * from two heap snapshots of each server (bench/fanout-server.ts `/heap`, after a full GC), before
 * and after N sockets of bench/sockets-load.ts subscribed. Prints the heap KB per socket of both,
 * then the object kinds (V8 type and constructor) whose size per socket differs most.
 *
 * The fan-out bench's "KB/sub" is RSS growth, which also holds what is not on the heap (sockets'
 * native state, the heap's committed but unused pages); this is the part the code decides.
 *
 *   npm run bench:socket-heap [-- --sockets 2000 --mode services --top 25]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lines } from './child-lines.js';

const { values } = parseArgs({ options: { sockets: { type: 'string', default: '2000' }, mode: { type: 'string', default: 'services' }, top: { type: 'string', default: '25' } } });
const SOCKETS = Number(values.sockets);
const TIMEOUT_MS = 300_000;
const tsx = ['--import', './scripts/ts-loader.mjs'];

/** Bytes and count per object kind (`type:constructor`); code and V8-internal nodes left out. */
type Kinds = Map<string, { count: number; bytes: number }>;

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

function kindsOf(file: string): Kinds {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const kinds: Kinds = new Map();
  for (let i = 0; i < s.nodes.length; i += width) {
    const t = types[s.nodes[i + type]!]!;
    if (t === 'code' || t === 'hidden' || t === 'synthetic') continue;
    const n = t.includes('string') ? '(string)' : t === 'closure' ? `closure ${s.strings[s.nodes[i + name]!]}` : s.strings[s.nodes[i + name]!]!;
    const key = `${t}:${n.slice(0, 60)}`;
    const k = kinds.get(key) ?? { count: 0, bytes: 0 };
    k.count += 1;
    k.bytes += s.nodes[i + size]!;
    kinds.set(key, k);
  }
  return kinds;
}

/** Per socket: what `after` holds beyond `before`, by kind. */
function perSocket(before: Kinds, after: Kinds): Kinds {
  const out: Kinds = new Map();
  for (const [key, a] of after) {
    const b = before.get(key) ?? { count: 0, bytes: 0 };
    out.set(key, { count: (a.count - b.count) / SOCKETS, bytes: (a.bytes - b.bytes) / SOCKETS });
  }
  return out;
}

async function measure(kind: 'baseline' | 'paypulse', dir: string): Promise<Kinds> {
  const server = spawn(process.execPath, ['--expose-gc', ...tsx, 'bench/fanout-server.ts', '--kind', kind, '--mode', values.mode!, '--users', String(SOCKETS)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const load = { proc: undefined as ReturnType<typeof spawn> | undefined };
  try {
    const ready = (await lines(server, `${kind} server`, TIMEOUT_MS).next((l) => 'wsUrl' in l, 'the server')) as { wsUrl: string; controlUrl: string; tokens: string[] };
    const tokens = join(dir, `tokens-${kind}`);
    writeFileSync(tokens, ready.tokens.join('\n'));
    const snapshot = async (name: string) => {
      const file = join(dir, `${kind}-${name}.heapsnapshot`);
      const res = await fetch(`${ready.controlUrl}/heap?file=${encodeURIComponent(file)}`);
      if (!res.ok) throw new Error(`heap snapshot: ${await res.text()}`);
      const kinds = kindsOf(file);
      rmSync(file);
      return kinds;
    };
    const before = await snapshot('before');
    load.proc = spawn(process.execPath, [...tsx, 'bench/sockets-load.ts', '--url', ready.wsUrl, '--tokens', tokens, '--sockets', String(SOCKETS)], { stdio: ['pipe', 'pipe', 'pipe'] });
    await lines(load.proc, `${kind} load`, TIMEOUT_MS).next((l) => l.ready === true, 'sockets');
    // A subscribe has no acknowledgement: give the server the time to take the last ones.
    await new Promise((r) => setTimeout(r, 3000));
    return perSocket(before, await snapshot('after'));
  } finally {
    load.proc?.kill();
    server.kill();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bench-socket-heap-'));
try {
  const baseline = await measure('baseline', dir);
  const paypulse = await measure('paypulse', dir);
  const total = (k: Kinds) => [...k.values()].reduce((sum, v) => sum + v.bytes, 0) / 1024;
  console.log(`\n${SOCKETS} idle sockets, one subscription each, ${values.mode}: V8 heap per socket, paypulse ${total(paypulse).toFixed(2)} KB, baseline ${total(baseline).toFixed(2)} KB (${(total(paypulse) / total(baseline)).toFixed(2)}×)\n`);
  console.log('| object kind | paypulse: count, bytes per socket | baseline: count, bytes per socket | paypulse − baseline, bytes |');
  console.log('|---|---:|---:|---:|');
  const keys = [...new Set([...paypulse.keys(), ...baseline.keys()])];
  const zero = { count: 0, bytes: 0 };
  const rows = keys.map((key) => ({ key, p: paypulse.get(key) ?? zero, b: baseline.get(key) ?? zero })).sort((x, y) => Math.abs(y.p.bytes - y.b.bytes) - Math.abs(x.p.bytes - x.b.bytes));
  for (const { key, p, b } of rows.slice(0, Number(values.top))) {
    console.log(`| \`${key.replaceAll('|', '/')}\` | ${p.count.toFixed(2)}, ${p.bytes.toFixed(0)} | ${b.count.toFixed(2)}, ${b.bytes.toFixed(0)} | ${(p.bytes - b.bytes).toFixed(0)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
