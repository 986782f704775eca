/**
 * Delivery latency per subscription transport, ingest → subscriber, with the real clients:
 * graphql-ws (the baseline), SSE in graphql-sse's distinct connections mode and in its single
 * connection mode (graphql-sse client), and Apollo's multipart HTTP protocol (Apollo Client's
 * HttpLink). All four are subscribed to the same feed on one server at once, so every event
 * reaches each of them and the ratios compare like with like on this shared, noisy machine.
 * Also the cost of APQ: a query sent by hash alone vs. in full.
 * Run on demand: `npm run bench:transports [-- --events 500 --mode embedded|services]`.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApp } from '../src/app.js';
import { signToken } from '../src/auth/jwt.js';
import { loadConfig } from '../src/config.js';
import { sha256Hex } from '../src/server/apq.js';
import { createBenchDatabase, REDIS_URL } from './support.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '500' }, mode: { type: 'string', default: 'embedded' } } });
const EVENTS = Number(values.events);
const FEED = 'subscription { paymentEvents { eventId } }';
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

const env: Record<string, string> = { NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', DEMO_MERCHANT: '0', RATE_LIMIT_PER_MINUTE: '100000000', RATE_LIMIT_BURST: '1000000' };
const db = values.mode === 'services' ? await createBenchDatabase() : undefined;
if (db) Object.assign(env, { DATABASE_URL: db.url, REDIS_URL });
else env.PGLITE_DATA_DIR = 'memory://';
const config = loadConfig(env);
const app = await createApp(config);
const { url } = await app.start();
await app.domain.merchants.ensure({ id: 'm_bench', name: 'Bench', timezone: 'UTC' });
const token = await signToken(config.auth, { sub: 'bench', role: 'merchant', merchantId: 'm_bench' });
const headers = { authorization: `Bearer ${token}` };

const sent = new Map<string, number>();
const latencies: Record<string, number[]> = { 'graphql-ws': [], 'SSE (distinct)': [], 'SSE (single connection)': [], 'multipart (Apollo HttpLink)': [] };
const receive = (transport: string) => (eventId: string | undefined) => {
  const start = eventId ? sent.get(eventId) : undefined;
  if (start !== undefined) latencies[transport]!.push(performance.now() - start);
};

const ws = createClient({ url: url.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: headers });
ws.subscribe<{ paymentEvents: { eventId: string } }>({ query: FEED }, { next: (r) => receive('graphql-ws')(r.data?.paymentEvents.eventId), error: () => {}, complete: () => {} });
const sseClients = [false, true].map((singleConnection) => {
  // A function: graphql-sse's single connection client writes its stream token into a headers object.
  const client = createSseClient({ url, headers: () => ({ ...headers }), singleConnection });
  const onEvent = receive(singleConnection ? 'SSE (single connection)' : 'SSE (distinct)');
  void (async () => {
    for await (const r of client.iterate<{ paymentEvents: { eventId: string } }>({ query: FEED })) onEvent(r.data?.paymentEvents.eventId);
  })().catch(() => {}); // aborted by dispose() at the end
  return client;
});
const apollo = new ApolloClient({ link: new HttpLink({ uri: url, headers }), cache: new InMemoryCache() });
const apolloSub = apollo.subscribe<{ paymentEvents: { eventId: string } }>({ query: gql(FEED) }).subscribe({ next: (r) => receive('multipart (Apollo HttpLink)')(r.data?.paymentEvents.eventId) });

const deadline = Date.now() + 30_000;
while (app.infra.pubsub.activeSubscriptions() < 4) {
  if (Date.now() > deadline) throw new Error('the four subscriptions did not start');
  await new Promise((r) => setTimeout(r, 20));
}

const ingest = 'mutation($e: PaymentEventInput!) { ingestPaymentEvent(event: $e) { status } }';
for (let i = 0; i < EVENTS; i++) {
  const event = { eventId: `bench-${i}-${randomUUID()}`, type: 'PAYMENT_COMPLETED', provider: 'mpesa', paymentMethod: 'MOBILE_MONEY', amountMinor: String(1000 + i), currency: 'KES' };
  sent.set(event.eventId, performance.now());
  const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query: ingest, variables: { e: event } }) });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(`ingest failed: ${JSON.stringify(body.errors)}`);
}
const waitAll = Date.now() + 60_000;
while (Object.values(latencies).some((l) => l.length < EVENTS) && Date.now() < waitAll) await new Promise((r) => setTimeout(r, 50));

// APQ: a typical screen's query (the full event row), sent in full vs. by its hash (registered first).
const query = `query RecentPayments($first: Int) {
  paymentEvents(first: $first) {
    edges {
      cursor
      node {
        id cursor merchantSeq eventId merchantId schemaVersion type provider paymentMethod currency
        amount { amountMinor currency amount } fee { amountMinor currency amount }
        customerId productId productName orderId walletId reference occurredAt receivedAt source metadata
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;
const extensions = { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } };
const post = (body: unknown) => fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
await post({ query, extensions });
const timed = async (body: unknown) => {
  const out: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    await post(body);
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
};
const full = await timed({ query });
const hashed = await timed({ extensions });

apolloSub.unsubscribe();
for (const c of sseClients) c.dispose();
await ws.dispose();
await app.stop();
await db?.drop();

const f = (n: number) => n.toFixed(2);
const base = [...latencies['graphql-ws']!].sort((a, b) => a - b);
console.log(`\ningest → subscriber latency by transport, ${EVENTS} events one at a time, ${values.mode} mode (ms; × = ratio to graphql-ws in this run)\n`);
console.log('| transport | received | p50 | p99 | max |');
console.log('|---|---|---|---|---|');
for (const [transport, list] of Object.entries(latencies)) {
  const sorted = [...list].sort((a, b) => a - b);
  const ratio = (q: number) => (quantile(sorted, q) / quantile(base, q)).toFixed(2);
  console.log(`| ${transport} | ${sorted.length}/${EVENTS} | ${f(quantile(sorted, 0.5))} (${ratio(0.5)}×) | ${f(quantile(sorted, 0.99))} (${ratio(0.99)}×) | ${f(sorted.at(-1) ?? NaN)} |`);
}
console.log(`\nAPQ, 300 requests each (ms; × = ratio to the full query)\n`);
console.log('| request | bytes | p50 | p99 |');
console.log('|---|---|---|---|');
console.log(`| full query | ${JSON.stringify({ query }).length} | ${f(quantile(full, 0.5))} (1.00×) | ${f(quantile(full, 0.99))} |`);
console.log(`| hash only (APQ) | ${JSON.stringify({ extensions }).length} | ${f(quantile(hashed, 0.5))} (${(quantile(hashed, 0.5) / quantile(full, 0.5)).toFixed(2)}×) | ${f(quantile(hashed, 0.99))} |`);
process.exit(0);
