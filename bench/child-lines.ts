/** JSON lines of a bench child's stdout (bench/fanout.ts, bench/sockets.ts), awaited by predicate. */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export type Line = Record<string, unknown>;

export interface Lines {
  /** The next line matching `match` (lines nobody waited for yet are kept); fails the run after `failAfterMs`. */
  next(match: (line: Line) => boolean, what: string): Promise<Line>;
  /** The same, resolving undefined instead of failing when none came within `timeoutMs`. */
  next(match: (line: Line) => boolean, what: string, timeoutMs: number): Promise<Line | undefined>;
}

export function lines(child: ChildProcess, name: string, failAfterMs: number): Lines {
  const backlog: Line[] = [];
  const waiting: Array<{ match: (l: Line) => boolean; resolve: (l: Line) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      return;
    }
    if (line.error) process.stderr.write(`${name}: ${String(line.error)}\n`);
    const w = waiting.findIndex((x) => x.match(line));
    if (w >= 0) waiting.splice(w, 1)[0]!.resolve(line);
    else backlog.push(line);
  });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`${name}: ${d}`));
  function next(match: (line: Line) => boolean, what: string): Promise<Line>;
  function next(match: (line: Line) => boolean, what: string, timeoutMs: number): Promise<Line | undefined>;
  function next(match: (line: Line) => boolean, what: string, timeoutMs?: number): Promise<Line | undefined> {
    const i = backlog.findIndex(match);
    if (i >= 0) return Promise.resolve(backlog.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const entry = { match, resolve: (l: Line) => (clearTimeout(timer), resolve(l)) };
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(entry), 1);
        if (timeoutMs === undefined) reject(new Error(`${name}: timed out waiting for ${what}`));
        else resolve(undefined);
      }, timeoutMs ?? failAfterMs);
      waiting.push(entry);
    });
  }
  return { next };
}
