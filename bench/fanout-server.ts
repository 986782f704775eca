/**
 * One server of the fan-out bench (bench/fanout.ts starts it as a child process), with a small
 * control port beside it: `POST /publish {eventId}` makes one payment event reach the server's
 * subscribers, `GET /stats` reports its RSS (after a full GC), `GET /cpu` its CPU time (no GC
 * forced), `GET /heap?file=` writes a heap snapshot (after a full GC).
 *
 *   --kind baseline   plain graphql-yoga + graphql-ws `useServer` + Yoga's `createPubSub`, the same
 *                     selection, no database, no auth: what any Yoga server does per message
 *   --kind paypulse   the real app (embedded or services mode); an event is published by ingesting
 *                     it through GraphQL, as a provider would
 *
 * Prints one JSON line on stdout when ready: { wsUrl, controlUrl, tokens }.
 */
import { writeFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createPubSub, createSchema, createYoga } from 'graphql-yoga';
import type { Context, SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createApp } from '../src/app.js';
import { signToken } from '../src/auth/jwt.js';
import { loadConfig } from '../src/config.js';
import { createBenchDatabase, REDIS_URL } from './support.js';

const { values } = parseArgs({ options: { kind: { type: 'string', default: 'baseline' }, mode: { type: 'string', default: 'embedded' }, users: { type: 'string', default: '100' } } });
const USERS = Number(values.users);
const gc = (globalThis as { gc?: () => void }).gc;

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c));
    req.on('end', () => resolve(text));
  });

/** The event a subscriber receives: the shape of paypulse's PaymentEvent for the bench's selection. */
const eventPayload = (eventId: string) => ({
  cursor: String(Date.now()),
  eventId,
  type: 'PAYMENT_COMPLETED',
  provider: 'mpesa',
  amount: { amount: '1500.00', currency: 'KES' },
});

let publish: (eventId: string) => Promise<void>;
let wsUrl: string;
let tokens: string[] = [];
let stop: () => Promise<void>;

if (values.kind === 'baseline') {
  const pubsub = createPubSub<{ payments: [ReturnType<typeof eventPayload>] }>();
  const schema = createSchema({
    typeDefs: /* GraphQL */ `
      type Money { amount: String! currency: String! }
      type PaymentEvent { cursor: String! eventId: String! type: String! provider: String! amount: Money! }
      type Query { ok: Boolean }
      type Subscription { paymentEvents: PaymentEvent! }
    `,
    resolvers: { Subscription: { paymentEvents: { subscribe: () => pubsub.subscribe('payments'), resolve: (e: unknown) => e } } },
  });
  const yoga = createYoga({ schema, graphiql: false, logging: false });
  const server = createServer(yoga);
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  useServer(
    {
      // Yoga's documented graphql-ws recipe: the envelop's execute/subscribe travel in rootValue.
      execute: (args: { rootValue: { execute: (a: unknown) => unknown } }) => args.rootValue.execute(args),
      subscribe: (args: { rootValue: { subscribe: (a: unknown) => unknown } }) => args.rootValue.subscribe(args),
      onSubscribe: async (ctx: Context<Record<string, unknown>, Extra>, _id: string, params: SubscribePayload) => {
        const { schema: s, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params });
        const args = { schema: s, operationName: params.operationName, document: parse(params.query), variableValues: params.variables, contextValue: await contextFactory(), rootValue: { execute, subscribe } };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args as never;
      },
    } as never,
    wss,
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  tokens = ['none'];
  publish = async (eventId) => pubsub.publish('payments', eventPayload(eventId));
  stop = async () => {
    wss.close();
    server.closeAllConnections();
    server.close();
  };
} else {
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    DEMO_MERCHANT: '0',
    NOTIFICATIONS_WORKER: '0',
    RATE_LIMIT_PER_MINUTE: '100000000',
    RATE_LIMIT_BURST: '1000000',
    MAX_SOCKETS_PER_CREDENTIAL: '100000',
    MAX_SUBSCRIPTIONS_PER_SOCKET: '100',
  };
  const db = values.mode === 'services' ? await createBenchDatabase() : undefined;
  if (db) Object.assign(env, { DATABASE_URL: db.url, REDIS_URL, REDIS_KEY_PREFIX: `bench-fanout-${process.pid}:` });
  else env.PGLITE_DATA_DIR = 'memory://';
  const config = loadConfig(env);
  const app = await createApp(config);
  const { url } = await app.start();
  await app.domain.merchants.ensure({ id: 'm_fanout', name: 'Fan-out bench', timezone: 'UTC' });
  const staff = await signToken(config.auth, { sub: 'bench-publisher', role: 'merchant', merchantId: 'm_fanout' });
  tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => signToken(config.auth, { sub: `bench-user-${i}`, role: 'merchant', merchantId: 'm_fanout' })));
  wsUrl = url.replace('http', 'ws');
  publish = async (eventId) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${staff}` },
      body: JSON.stringify({
        query: 'mutation($e: PaymentEventInput!) { ingestPaymentEvent(event: $e) { status } }',
        variables: { e: { eventId, type: 'PAYMENT_COMPLETED', provider: 'mpesa', paymentMethod: 'MOBILE_MONEY', amountMinor: '150000', currency: 'KES' } },
      }),
    });
    const body = (await res.json()) as { data?: { ingestPaymentEvent?: { status: string } } };
    if (body.data?.ingestPaymentEvent?.status !== 'INGESTED') throw new Error(`ingest failed: ${JSON.stringify(body)}`);
  };
  stop = async () => {
    await app.stop();
    await db?.drop();
  };
}

let profiler: Session | undefined;
const control = createServer(async (req: IncomingMessage, res: ServerResponse) => {
  try {
    if (req.method === 'POST' && req.url === '/publish') {
      const { eventId } = JSON.parse(await readBody(req)) as { eventId: string };
      await publish(eventId);
      res.end('{}');
    } else if (req.url === '/stats') {
      gc?.();
      gc?.();
      res.end(JSON.stringify({ rss: process.memoryUsage().rss }));
    } else if (req.url === '/cpu') {
      // No forced GC here: it would count in the burst's CPU (and show in its profile).
      const cpu = process.cpuUsage();
      res.end(JSON.stringify({ cpuMicros: cpu.user + cpu.system }));
    } else if (req.url === '/profile/start') {
      profiler ??= new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
      res.end('{}');
    } else if (req.url?.startsWith('/profile/stop?file=')) {
      const { profile } = (await profiler!.post('Profiler.stop')) as { profile: unknown };
      writeFileSync(decodeURIComponent(req.url.slice('/profile/stop?file='.length)), JSON.stringify(profile));
      profiler!.disconnect();
      res.end('{}');
    } else if (req.url?.startsWith('/heap?file=')) {
      // A heap snapshot after a full GC (bench/socket-heap.ts).
      gc?.();
      gc?.();
      writeHeapSnapshot(decodeURIComponent(req.url.slice('/heap?file='.length)));
      res.end('{}');
    } else if (req.url === '/stop') {
      res.end('{}');
      await stop();
      process.exit(0);
    } else {
      res.statusCode = 404;
      res.end();
    }
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error));
  }
});
await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
process.stdout.write(`${JSON.stringify({ wsUrl, controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}`, tokens })}\n`);
