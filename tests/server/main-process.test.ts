/**
 * The real entry point in a child process: it prints its URL, becomes ready, and on SIGTERM
 * closes graphql-ws sockets with 1001 and exits 0. With `--demo` it seeds the demo merchant,
 * prints its token and streams simulated traffic.
 *
 * The process is `node --import ./scripts/ts-loader.mjs src/main.ts` (what `npm start` runs), one process receiving the signal itself. The
 * `tsx` CLI (what `npm start` runs) is a parent that relays SIGTERM to a second node process and
 * SIGKILLs it when it has not acknowledged within ~30 ms, which a busy server misses; that would
 * make these tests about tsx's relay rather than about main().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import { print } from 'graphql';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { eventInput } from '../support/events.js';
import { IngestOne, LiveEvents } from '../support/operations.js';
import { collect, nextClose, waitUntil } from '../support/subscriptions.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Start-up compiles TypeScript and boots PGlite: slow on a shared 2-core machine. */
const START_MS = 120_000;
const WAIT_MS = 60_000;
const PROVIDERS = ['mpesa', 'paystack', 'flutterwave', 'mtn_momo'];

interface RunningMain {
  child: ChildProcess;
  /** GraphQL endpoint, from the "paypulse started" log line. */
  url: string;
  wsUrl: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];
const clients: Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  // Only the processes this file started, by their handle.
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function startMain(args: string[], env: Record<string, string>): Promise<RunningMain> {
  const child = spawn(process.execPath, ['--import', './scripts/ts-loader.mjs', 'src/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // Empty means unset to the config: the embedded mode, whatever the outer shell exported.
      DATABASE_URL: '',
      REDIS_URL: '',
      JWKS_URL: '',
      KAFKA_BROKERS: '',
      DEMO: '',
      DEMO_MERCHANT: '',
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      PGLITE_DATA_DIR: 'memory://',
      JWT_SECRET: 'main-process-test-secret-0123456789abcdef',
      ...env,
    },
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let status: string | undefined;
  void exited.then((e) => (status = `exited early (${JSON.stringify(e)})`));

  const startedLine = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; url?: string })
      .find((l) => l.msg === 'paypulse started');
  // The JSON log line goes to stdout, then the banner (one write) to stderr.
  const banner = () => /paypulse is running[\s\S]*\n\n$/.test(err);
  await waitUntil(() => status !== undefined || (startedLine() !== undefined && banner()), START_MS, () => `"paypulse started" log line and banner\nstdout:\n${out}\nstderr:\n${err}`);
  const url = startedLine()?.url;
  if (!url) throw new Error(`server ${status}\nstdout:\n${out}\nstderr:\n${err}`);
  return { child, url, wsUrl: url.replace(/^http/, 'ws'), stdout: () => out, stderr: () => err, exited };
}

async function waitReady(url: string): Promise<void> {
  const readyz = new URL('/readyz', url).toString();
  await waitUntil(async () => (await fetch(readyz).catch(() => undefined))?.status === 200, WAIT_MS, () => `${readyz} answering 200`);
}

/** The merchant token the start-up banner prints for GraphiQL. */
function bannerToken(stderr: string): string {
  const token = /"Authorization": "Bearer ([^"]+)"/.exec(stderr)?.[1];
  if (!token) throw new Error(`no token in the start-up banner:\n${stderr}`);
  return token;
}

function wsClient(wsUrl: string, token: string): Client {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, lazy: true, retryAttempts: 0 });
  clients.push(client);
  return client;
}

describe('src/main.ts in a child process', () => {
  it(
    'prints its URL, becomes ready, and on SIGTERM closes graphql-ws sockets with 1001 and exits 0',
    async () => {
      const main = await startMain([], {});
      expect(main.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
      expect(main.stderr()).toContain(`GraphiQL: ${main.url}`);
      await waitReady(main.url);

      const token = bannerToken(main.stderr());
      const client = wsClient(main.wsUrl, token);
      const sub = collect(client, LiveEvents, {});
      // The subscription is live once an event ingested now reaches it: ingest one every half second until one does.
      let lastIngest = 0;
      await waitUntil(
        async () => {
          if (sub.results.length > 0) return true;
          if (Date.now() - lastIngest < 500) return false;
          lastIngest = Date.now();
          const res = await fetch(main.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query: print(IngestOne), variables: { event: eventInput() } }),
          });
          const body = (await res.json()) as { errors?: unknown };
          expect(res.status).toBe(200);
          expect(body.errors).toBeUndefined();
          return false;
        },
        WAIT_MS,
        () => 'an ingested event reaching the subscription',
      );
      expect(sub.results[0]?.errors).toBeUndefined();

      const closed = nextClose(client);
      main.child.kill('SIGTERM');
      let code: number | undefined;
      void closed.then((c) => (code = c));
      await waitUntil(() => code !== undefined, 15_000, () => 'socket closed after SIGTERM');
      expect(code).toBe(1001);
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      void main.exited.then((e) => (exit = e));
      await waitUntil(() => exit !== undefined, 15_000, () => `process exit after SIGTERM\nstdout:\n${main.stdout()}`);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(main.stdout()).toContain('"msg":"shutting down"');
    },
    START_MS + 60_000,
  );

  it(
    'with --demo prints a demo token and streams simulated payments until SIGTERM',
    async () => {
      const main = await startMain(['--demo'], { DEMO_INTERVAL_MS: '100' });
      expect(main.stderr()).toContain('demo simulator on');
      expect(main.stderr()).toContain('demo merchant: m_demo');
      await waitReady(main.url);

      const client = wsClient(main.wsUrl, bannerToken(main.stderr()));
      const sub = collect(client, LiveEvents, {});
      await sub.waitFor(10, WAIT_MS);
      expect(sub.results.filter((r) => r.errors)).toEqual([]);
      const events = sub.data().map((d) => d.paymentEvents);
      for (const e of events) {
        expect(e.merchantId).toBe('m_demo');
        expect(e.source).toBe('DEMO');
        expect(PROVIDERS).toContain(e.provider);
        expect(e.eventId).toMatch(/^demo-/);
      }
      const seqs = events.map((e) => Number(e.merchantSeq));
      // Live delivery in merchant order with no gap between the first and the last received.
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));

      const closed = nextClose(client);
      main.child.kill('SIGTERM');
      let code: number | undefined;
      void closed.then((c) => (code = c));
      await waitUntil(() => code !== undefined, 15_000, () => 'socket closed after SIGTERM');
      expect(code).toBe(1001);
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      void main.exited.then((e) => (exit = e));
      await waitUntil(() => exit !== undefined, 15_000, () => `process exit after SIGTERM\nstdout:\n${main.stdout()}`);
      expect(exit).toEqual({ code: 0, signal: null });
    },
    START_MS + 60_000,
  );
});
