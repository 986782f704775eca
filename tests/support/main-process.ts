/**
 * The real entry point as `npm start` runs it, `node --import ./scripts/ts-loader.mjs src/main.ts`,
 * in a child process (one process receiving signals itself; see tests/server/main-process.test.ts
 * for why not a CLI wrapper), and the project's scripts as their npm scripts run them (tsx). Children are killed (by their handle) by `killChildren()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { waitUntil } from './subscriptions.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** tsx's loader and the server's (scripts/ts-loader.mjs) by absolute URL, so a child may run in another working directory. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SERVER_LOADER = new URL('scripts/ts-loader.mjs', pathToFileURL(ROOT)).href;
/** Start-up compiles TypeScript and boots PGlite: slow on a shared 2-core machine. */
export const START_MS = 120_000;

export interface Child {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** JSON log lines written to stdout so far. */
  logs(): { msg?: string; [key: string]: unknown }[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The exit, once it happened (undefined before). */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

const children: ChildProcess[] = [];

/** An environment for the embedded mode whatever the outer shell exported (empty = unset). */
export function baseEnv(): Record<string, string> {
  return {
    DATABASE_URL: '',
    REDIS_URL: '',
    JWKS_URL: '',
    KAFKA_BROKERS: '',
    DEMO: '',
    DEMO_MERCHANT: '',
    DEMO_ROTATE_KEY: '',
    ENV_FILE: '',
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    PGLITE_DATA_DIR: 'memory://',
    JWT_SECRET: 'main-process-test-secret-0123456789abcdef',
    STARTUP_TIMEOUT_MS: '',
  };
}

/** Runs `script` (relative to the repo, e.g. src/main.ts) with `args`, in `cwd` (default: the repo). */
/** `env` values that are undefined are removed from the child's environment (unset, not empty). */
export function run(script: string, args: string[], env: Record<string, string | undefined>, options: { cwd?: string } = {}): Child {
  const loader = script === 'src/main.ts' ? SERVER_LOADER : TSX;
  const child = spawn(process.execPath, ['--import', loader, fileURLToPath(new URL(script, pathToFileURL(ROOT))), ...args], {
    cwd: options.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: Object.fromEntries(Object.entries({ ...process.env, ...baseEnv(), ...env }).filter(([, v]) => v !== undefined)),
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string });
  return { child, stdout: () => out, stderr: () => err, logs, exited, exit: () => exit };
}

/** Waits for the process to end and returns its exit with what it printed. */
export async function finished(c: Child, timeoutMs = START_MS): Promise<{ code: number | null; stdout: string; stderr: string }> {
  await waitUntil(() => c.exit() !== undefined, timeoutMs, () => `process exit\nstdout:\n${c.stdout()}\nstderr:\n${c.stderr()}`);
  return { code: c.exit()!.code, stdout: c.stdout(), stderr: c.stderr() };
}

export interface RunningMain extends Child {
  url: string;
  wsUrl: string;
}

/** Starts src/main.ts and waits for its "paypulse started" log line and banner. */
export async function startMain(args: string[], env: Record<string, string | undefined>, options: { cwd?: string } = {}): Promise<RunningMain> {
  const c = run('src/main.ts', args, env, options);
  const started = () => c.logs().find((l) => l.msg === 'paypulse started') as { url?: string } | undefined;
  // The JSON log line goes to stdout, then the banner (one write) to stderr.
  const banner = () => /paypulse is running[\s\S]*\n\n$/.test(c.stderr());
  await waitUntil(() => c.exit() !== undefined || (started() !== undefined && banner()), START_MS, () => `"paypulse started" and banner\nstdout:\n${c.stdout()}\nstderr:\n${c.stderr()}`);
  const url = started()?.url;
  if (!url) throw new Error(`server exited early (${JSON.stringify(c.exit())})\nstdout:\n${c.stdout()}\nstderr:\n${c.stderr()}`);
  return { ...c, url, wsUrl: url.replace(/^http/, 'ws') };
}

/** SIGTERM, then the exit. */
export async function stopMain(c: Child): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (c.exit()) return c.exit()!;
  c.child.kill('SIGTERM');
  await waitUntil(() => c.exit() !== undefined, 30_000, () => `exit after SIGTERM\nstdout:\n${c.stdout()}`);
  return c.exit()!;
}

/** The banner's merchant token and API key. */
export function bannerCredentials(stderr: string): { token: string; apiKey: string } {
  const token = /"Authorization": "Bearer ([^"]+)"/.exec(stderr)?.[1];
  const apiKey = /API key \([^)]*\): (ppk_\S+)/.exec(stderr)?.[1];
  if (!token || !apiKey) throw new Error(`no token or API key in the banner:\n${stderr}`);
  return { token, apiKey };
}

/** Kills (SIGKILL) every child still running; call in afterEach/afterAll. */
export function killChildren(): void {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
