/**
 * Start-up checks of the real entry point (issue #17, cases 1–3): config → port → database →
 * Redis/Kafka within STARTUP_TIMEOUT_MS → migrations. Each failure is one line on stderr naming
 * the part, exit 78, and nothing after it: no "running" banner, no migration, no stack trace.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { finished, killChildren, run, START_MS } from '../support/main-process.js';
import { describeWith, POSTGRES_URL } from '../support/services.js';

const dirs: string[] = [];
const servers: Server[] = [];
afterAll(async () => {
  killChildren();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'paypulse-startup-'));
  dirs.push(dir);
  return dir;
}

/** What a failed start printed: stderr's lines, and whether anything claimed to be running. */
async function failedStart(env: Record<string, string>, args: string[] = []) {
  const result = await finished(run('src/main.ts', args, env));
  const lines = result.stderr.trim().split('\n');
  return { ...result, lines, running: /paypulse is running/.test(result.stderr) || /paypulse started/.test(result.stdout) };
}

describe('start-up checks (one line naming the part, exit 78)', () => {
  it.concurrent(
    'stops at a bad variable before anything else',
    async () => {
      const r = await failedStart({ PORT: 'eighty' });
      expect(r.code).toBe(78);
      expect(r.lines).toEqual(['Invalid configuration:', '  PORT: must be a whole number']);
    },
    START_MS,
  );

  it.concurrent(
    'explains its flags with --help (exit 0) and refuses an unknown one (exit 78)',
    async () => {
      const help = await finished(run('src/main.ts', ['--help'], {}));
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage: npm start \[-- --demo\] \[-- --rotate-demo-key\]/);
      const unknown = await failedStart({}, ['--dmeo']);
      expect(unknown.code).toBe(78);
      expect(unknown.lines[0]).toBe('Unknown argument --dmeo');
      expect(unknown.running).toBe(false);
    },
    START_MS,
  );

  it.concurrent(
    'refuses a port already in use at once, before the database is opened or a migration runs',
    async () => {
      const holder = createServer();
      servers.push(holder);
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      const port = (holder.address() as AddressInfo).port;
      const dataDir = join(tempDir(), 'data');
      const r = await failedStart({ PORT: String(port), PGLITE_DATA_DIR: dataDir });
      expect(r.code).toBe(78);
      expect(r.lines).toEqual([`paypulse cannot start: port: 127.0.0.1:${port} is already in use (EADDRINUSE): stop the other process or set PORT`]);
      expect(r.running).toBe(false);
      // The PGlite directory was never created: nothing was opened, let alone migrated.
      expect(existsSync(dataDir)).toBe(false);
      expect(r.stdout).not.toContain('migration applied');
    },
    START_MS,
  );

  it.concurrent(
    'refuses an unreachable Redis after STARTUP_TIMEOUT_MS instead of starting and dying later',
    async () => {
      const r = await failedStart({ REDIS_URL: 'redis://127.0.0.1:1', STARTUP_TIMEOUT_MS: '1000' });
      expect(r.code).toBe(78);
      expect(r.lines).toEqual(['paypulse cannot start: redis: cannot reach Redis at redis://127.0.0.1:1 within 1000 ms (ECONNREFUSED)']);
      expect(r.running).toBe(false);
      expect(r.stdout).not.toContain('migration applied');
      // One warning while it waited, as a JSON log line on stdout.
      expect(r.stdout).toContain('"msg":"redis: Redis at redis://127.0.0.1:1 not reachable yet; waiting"');
    },
    START_MS,
  );

  it.concurrent(
    'refuses an unreachable Kafka after STARTUP_TIMEOUT_MS',
    async () => {
      const r = await failedStart({ KAFKA_BROKERS: '127.0.0.1:1', STARTUP_TIMEOUT_MS: '1000' });
      expect(r.code).toBe(78);
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]).toMatch(/^paypulse cannot start: kafka: cannot reach Kafka at 127\.0\.0\.1:1 within 1000 ms \(.*ECONNREFUSED.*\)$/);
      expect(r.running).toBe(false);
    },
    START_MS,
  );

  it.concurrent(
    'refuses an unreachable PostgreSQL after STARTUP_TIMEOUT_MS',
    async () => {
      const r = await failedStart({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/paypulse', STARTUP_TIMEOUT_MS: '1000' });
      expect(r.code).toBe(78);
      expect(r.lines).toEqual(['paypulse cannot start: database: cannot reach PostgreSQL at 127.0.0.1:1 within 1000 ms (ECONNREFUSED)']);
      expect(r.running).toBe(false);
    },
    START_MS,
  );
});

await describeWith(['postgres'], 'start-up checks against a real PostgreSQL', () => {
  it(
    'refuses a database that does not exist at once, saying how to create it',
    async () => {
      const url = new URL(POSTGRES_URL);
      const name = `paypulse_missing_${randomBytes(6).toString('hex')}`;
      url.pathname = `/${name}`;
      // A long wait would not help: the refusal must not wait for it.
      const r = await failedStart({ DATABASE_URL: url.toString(), STARTUP_TIMEOUT_MS: '600000' });
      expect(r.code).toBe(78);
      expect(r.lines).toEqual([
        `paypulse cannot start: database: database "${name}" does not exist on ${url.host} (create it: createdb -h ${url.hostname} -p ${url.port || 5432}${url.username ? ` -U ${url.username}` : ''} ${name})`,
      ]);
      expect(r.running).toBe(false);
    },
    START_MS,
  );
});
