/**
 * The sockets bench's load generator (a process of its own, started by bench/sockets.ts): raw
 * `ws` sockets speaking graphql-transport-ws, one subscription each, then idle. Frames are matched
 * by a regular expression (no JSON parse), so its own cost stays small and equal for both servers.
 *
 * stdin, one word a line: `storm` closes every socket at once and opens as many again (at most
 * `--in-flight` handshakes at a time, like clients reconnecting after a deploy). A socket the
 * server closes before its `connection_ack` (an init timeout under load) is opened again, as a
 * client would; { retries } counts them.
 * stdout, one JSON line each: { ready, openMs } once every socket is acknowledged and has sent its
 * subscribe; { reopened, openMs } after a storm; { done } when one event has reached every socket;
 * { error } for error frames or sockets closed by the server.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    /** A file with one token a line (socket i uses token i mod their number), or `none`. */
    tokens: { type: 'string', default: 'none' },
    sockets: { type: 'string', default: '1000' },
    'in-flight': { type: 'string', default: '200' },
    query: { type: 'string', default: 'subscription { paymentEvents { cursor eventId type provider amount { amount currency } } }' },
  },
});
const SOCKETS = Number(values.sockets);
const IN_FLIGHT = Number(values['in-flight']);
const tokens = values.tokens === 'none' ? ['none'] : readFileSync(values.tokens!, 'utf8').split('\n').filter(Boolean);
const now = () => performance.timeOrigin + performance.now();
const say = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
const SUBSCRIBE = JSON.stringify({ id: '1', type: 'subscribe', payload: { query: values.query } });

const EVENT_ID = /"eventId":"([^"]+)"/;
const arrivals = new Map<string, number>();
let errors = 0;
let closing = false;
const open = new Set<WebSocket>();

function onFrame(text: string) {
  if (!text.includes('"type":"next"') || text.includes('"errors"')) {
    if ((text.includes('"type":"error"') || text.includes('"errors"') || text.includes('"type":"complete"')) && errors++ < 5) say({ error: text.slice(0, 300) });
    return;
  }
  const eventId = EVENT_ID.exec(text)?.[1];
  if (!eventId) return;
  const count = (arrivals.get(eventId) ?? 0) + 1;
  arrivals.set(eventId, count);
  if (count === SOCKETS) {
    say({ done: eventId });
    arrivals.delete(eventId);
  }
}

let retries = 0;

async function connect(i: number): Promise<void> {
  while (!(await attempt(i))) retries += 1;
}

/** True once acknowledged and subscribed; false when the server closed it first. */
function attempt(i: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let acked = false;
    const ws = new WebSocket(values.url!, 'graphql-transport-ws', { perMessageDeflate: false });
    open.add(ws);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${tokens[i % tokens.length]}` } })));
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"connection_ack"')) {
        ws.send(SUBSCRIBE);
        acked = true;
        resolve(true);
        return;
      }
      if (text.startsWith('{"type":"ping"')) return void ws.send('{"type":"pong"}');
      onFrame(text);
    });
    ws.on('close', (code, reason) => {
      open.delete(ws);
      if (!acked) return resolve(false);
      if (!closing && errors++ < 5) say({ error: `socket ${i} closed ${code} ${reason.toString()}` });
    });
    ws.on('error', reject);
  });
}

async function openAll(): Promise<number> {
  const started = now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, SOCKETS) }, async () => {
      while (next < SOCKETS) await connect(next++);
    }),
  );
  return now() - started;
}

say({ ready: true, openMs: await openAll(), retries });
createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line.trim() !== 'storm') return;
  // Every socket goes at once (a deploy took their instance away), then all come back.
  closing = true;
  const gone = [...open].map((ws) => new Promise<void>((resolve) => (ws.once('close', () => resolve()), ws.terminate())));
  await Promise.all(gone);
  closing = false;
  retries = 0;
  say({ reopened: true, openMs: await openAll(), retries });
});
