/**
 * The real server as a child process, run as `npm start` runs it (node with scripts/ts-loader.mjs),
 * in its own process group, so a SIGKILL reaches every process of it: for crash tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './subscriptions.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The tail of its stdout and stderr, for failure messages. */
  log(): string;
  /** Its GraphQL URL once it printed its banner. */
  url(): string | undefined;
}

export function spawnServer(env: Record<string, string>): ServerProcess {
  const proc = spawn(process.execPath, ['--import', './scripts/ts-loader.mjs', 'src/main.ts'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, NODE_ENV: 'test', ...env },
  });
  let output = '';
  let url: string | undefined;
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    url ??= /GraphiQL: (http:\/\/\S+)/.exec(output)?.[1];
  };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return { proc, exited, log: () => output.split('\n').slice(-15).join('\n'), url: () => url };
}

/** Processes of a group that are still running (zombies awaiting their reaper count as dead). */
export function liveInGroup(pgid: number): number[] {
  const live: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp …"; comm may hold spaces or parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') live.push(Number(entry));
  }
  return live;
}

export function killGroup(server: ServerProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-server.proc.pid!, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** SIGTERM (a graceful stop), then SIGKILL whatever of the group is still running after 15 s. */
export async function stopServer(server: ServerProcess): Promise<void> {
  const pgid = server.proc.pid!;
  if (liveInGroup(pgid).length === 0) return;
  killGroup(server, 'SIGTERM');
  await waitUntil(() => liveInGroup(pgid).length === 0, 15_000).catch(() => killGroup(server, 'SIGKILL'));
}
