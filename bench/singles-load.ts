/**
 * The single-event callers of bench/ingest.ts, in a process of their own so the server's CPU is
 * not shared with its clients' (node:http, keep-alive, one connection per caller). The job is a
 * JSON argument; the answer is one JSON line on stdout:
 *
 * - `{ "kind": "closed", callers, perCaller, ... }`: each caller sends one event, waits for its
 *   answer, sends the next → `{ rate, p50, p99 }`;
 * - `{ "kind": "paced", perSecond, seconds, ... }`: events sent on a fixed schedule whatever the
 *   answers (open loop) → `{ p50, p99 }`.
 */
import http from 'node:http';
import { benchEvent, benchEventInput } from './workload.js';

interface Job {
  kind: 'closed' | 'paced';
  url: string;
  /** Merchant id → bearer token; caller c (or event i, paced) uses merchant ids[c % ids.length]. */
  tokens: Record<string, string>;
  run: string;
  callers?: number;
  perCaller?: number;
  perSecond?: number;
  seconds?: number;
  /** What each request sends: one event (the default), or an authenticated `{ __typename }` (the request's own cost). */
  query?: 'ingest' | 'typename';
}

const job = JSON.parse(process.argv[2]!) as Job;
const ids = Object.keys(job.tokens);
const url = new URL(job.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(job.callers ?? 64, 64) });
const INGEST_ONE = `mutation($event: PaymentEventInput!) { ingestPaymentEvent(event: $event) { status } }`;
const TYPENAME = JSON.stringify({ query: '{ __typename }' });

/** Posts one event; resolves with its latency in ms, rejects on any GraphQL error. */
function post(merchantId: string, i: number, run: string): Promise<number> {
  const body = job.query === 'typename' ? TYPENAME : JSON.stringify({ query: INGEST_ONE, variables: { event: benchEventInput(benchEvent(i, run, merchantId)) } });
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${job.tokens[merchantId]}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => (text.includes('"errors"') ? reject(new Error(text)) : resolve(performance.now() - start)));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function closed(callers: number, perCaller: number) {
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      const merchantId = ids[c % ids.length]!;
      for (let i = 0; i < perCaller; i++) latencies.push(await post(merchantId, i, `${job.run}-c${c}`));
    }),
  );
  return { rate: (callers * perCaller) / ((performance.now() - start) / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function paced(perSecond: number, seconds: number) {
  const total = Math.max(1, Math.round(perSecond * seconds));
  const start = performance.now();
  const sends: Promise<number>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sends.push(post(ids[i % ids.length]!, i, job.run));
  }
  const latencies = await Promise.all(sends);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

try {
  const result = job.kind === 'closed' ? await closed(job.callers!, job.perCaller!) : await paced(job.perSecond!, job.seconds!);
  console.log(JSON.stringify(result));
} catch (error) {
  console.log(JSON.stringify({ error: String(error) }));
  process.exitCode = 1;
} finally {
  agent.destroy();
}
