import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dt = new Map(); p.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const own = new Map(); let total = 0;
const name = (f) => `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/src\//, 'src/')}:${f.lineNumber}`;
for (const [id, t] of dt) {
  const n0 = byId.get(id); if (['(idle)', '(program)'].includes(n0.callFrame.functionName)) continue;
  total += t;
  let cur = id, key = '(no paypulse frame) ' + name(n0.callFrame);
  const selfPay = n0.callFrame.url.includes('/src/') && !n0.callFrame.url.includes('node_modules');
  while (cur !== undefined) { const f = byId.get(cur).callFrame; if (f.url.includes('/src/') && !f.url.includes('node_modules') && !f.url.includes('/generated/')) { key = name(f); break; } cur = parent.get(cur); }
  own.set(key, (own.get(key) ?? 0) + t);
}
console.log('busy', (total/1e6).toFixed(2), 's');
for (const [k, t] of [...own].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 30))) console.log(((100 * t) / total).toFixed(1).padStart(5) + '%  ' + k);
