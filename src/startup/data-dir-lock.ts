/**
 * An exclusive lock on the PGlite data directory. PGlite is a database inside one process with no
 * lock of its own: two processes on one directory each believe they own it, and what the second
 * writes is lost. The lock is a file created with O_EXCL (as PostgreSQL's postmaster.pid is),
 * holding the owner's pid, host and process start time:
 * - held by a live process on this host → refused, naming the pid;
 * - left by a process that died (SIGKILL, a crash, a container restarted with the same pid) →
 *   taken over;
 * - written on another host (a shared volume) → refused, since that pid cannot be checked here.
 * It is removed on release and, synchronously, when the process exits.
 */
import { hostname } from 'node:os';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StartupError } from './errors.js';

export const LOCK_FILE = 'paypulse.lock';

interface LockOwner {
  pid: number;
  host: string;
  /** When the owning process started (epoch ms), to tell a reused pid from the owner. */
  startedAt: number;
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

const processStartedAt = () => Math.round(Date.now() - process.uptime() * 1000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as { code?: string }).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.startedAt === 'number') return owner as LockOwner;
  } catch {
    // Unreadable or half-written: treated as stale below.
  }
  return undefined;
}

/** Whether `owner` still runs: the same process (by start time) when the pid is ours, any live process otherwise. */
function holds(owner: LockOwner): boolean {
  if (owner.pid === process.pid) return Math.abs(owner.startedAt - processStartedAt()) < 2_000;
  return alive(owner.pid);
}

/** Takes the lock of `dataDir` (which must exist), or throws StartupError('database'). */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(resolve(dataDir), LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: processStartedAt() };
  // Two rounds: the second follows the removal of a stale lock.
  for (let round = 0; round < 2; round++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw new StartupError('database', `cannot lock the PGlite data directory ${dataDir} (${(error as Error).message})`, { cause: error });
      const owner = readOwner(path);
      if (owner && owner.host !== me.host) {
        throw new StartupError('database', `the PGlite data directory ${dataDir} is locked by pid ${owner.pid} on host ${owner.host}; if that process is gone, delete ${path}`);
      }
      if (owner && holds(owner)) {
        throw new StartupError('database', `the PGlite data directory ${dataDir} is in use by another paypulse process (pid ${owner.pid}); stop it, or set PGLITE_DATA_DIR to another directory`);
      }
      // Stale: its owner is gone.
      try {
        unlinkSync(path);
      } catch {
        // Removed by someone else in between; the next round decides.
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me));
    } finally {
      closeSync(fd);
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      // Only our own lock: never remove one another process took over.
      if (readOwner(path)?.pid === me.pid) {
        try {
          unlinkSync(path);
        } catch {
          // Already gone.
        }
      }
    };
    // process.exit() (a failed start, a hard stop) skips every async clean-up: remove it here too.
    process.on('exit', release);
    return { path, release };
  }
  throw new StartupError('database', `cannot lock the PGlite data directory ${dataDir}: another process keeps taking the lock (${path})`);
}
