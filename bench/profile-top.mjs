// Top self-time entries of a .cpuprofile, grouped by function and file (and by package).
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const self = new Map();
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
p.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
let total = 0;
const pkgs = new Map();
for (const [id, t] of dt) {
  const n = byId.get(id);
  const f = n.callFrame;
  const url = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/[^/]+\//, '');
  const key = `${f.functionName || '(anon)'} ${url}:${f.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + t);
  const pkg = f.url.startsWith('wasm://') ? 'prisma query-compiler wasm' : f.url.includes('node_modules') ? url.split('/').slice(0, url.startsWith('@') ? 2 : 1).join('/') : f.url.startsWith('file') ? 'paypulse' : f.url === '' ? `(${f.functionName})` : 'node';
  pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + t);
  total += t;
}
const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
console.log(`total ${(total / 1e6).toFixed(2)} s\n-- by package\n${top(pkgs, 10)}\n-- by function\n${top(self, 15)}`);
