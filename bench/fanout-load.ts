/**
 * The fan-out bench's load generator (a process of its own, started by bench/fanout.ts): raw `ws`
 * sockets speaking graphql-transport-ws, `--sockets` of them with `--per-socket` subscriptions each.
 * Reads nothing but the frames' event ids (a regular expression, no JSON parse), so its own cost
 * per message stays small and equal for both servers.
 *
 * stdout, one JSON line each: { ready, openMs } once every socket is acknowledged and subscribed;
 * { done, first, last, latencies } when one event has reached every subscription (latencies:
 * arrival − publish time for each subscription, ms, the publish time being the number after the
 * last "-" of the event id); { error } for any error frame or closed socket.
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    tokens: { type: 'string', default: 'none' },
    sockets: { type: 'string', default: '1000' },
    'per-socket': { type: 'string', default: '1' },
    query: { type: 'string', default: 'subscription { paymentEvents { cursor eventId type provider amount { amount currency } } }' },
  },
});
const SOCKETS = Number(values.sockets);
const PER_SOCKET = Number(values['per-socket']);
const TOTAL = SOCKETS * PER_SOCKET;
const tokens = values.tokens!.split(',');
const now = () => performance.timeOrigin + performance.now();
const say = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);

const arrivals = new Map<string, { count: number; first: number; last: number; latencies: number[] }>();
const EVENT_ID = /"eventId":"([^"]+)"/;
let errors = 0;

function onFrame(text: string) {
  if (!text.includes('"type":"next"') || text.includes('"errors"')) {
    if ((text.includes('"type":"error"') || text.includes('"errors"') || text.includes('"type":"complete"')) && errors++ < 5) say({ error: text.slice(0, 300) });
    return;
  }
  const eventId = EVENT_ID.exec(text)?.[1];
  if (!eventId) return;
  const t = now();
  let entry = arrivals.get(eventId);
  if (!entry) arrivals.set(eventId, (entry = { count: 0, first: t, last: t, latencies: [] }));
  entry.count++;
  entry.last = t;
  const sent = Number(eventId.slice(eventId.lastIndexOf('-') + 1));
  if (Number.isFinite(sent)) entry.latencies.push(t - sent);
  if (entry.count === TOTAL) {
    say({ done: eventId, first: entry.first, last: entry.last, latencies: entry.latencies });
    arrivals.delete(eventId);
  }
}

function open(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(values.url!, 'graphql-transport-ws', { perMessageDeflate: false });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${tokens[i % tokens.length]}` } })));
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"connection_ack"')) {
        for (let k = 0; k < PER_SOCKET; k++) ws.send(JSON.stringify({ id: String(k + 1), type: 'subscribe', payload: { query: values.query } }));
        resolve();
        return;
      }
      if (text.startsWith('{"type":"ping"')) {
        ws.send('{"type":"pong"}');
        return;
      }
      onFrame(text);
    });
    ws.on('close', (code, reason) => {
      if (errors++ < 5) say({ error: `socket ${i} closed ${code} ${reason.toString()}` });
    });
    ws.on('error', reject);
  });
}

const started = now();
// At most 200 handshakes in flight: a storm, but not a SYN flood of the listen backlog.
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(200, SOCKETS) }, async () => {
    while (next < SOCKETS) await open(next++);
  }),
);
say({ ready: true, openMs: now() - started });
