/** Collects a subscription's results from a real graphql-ws client so tests can wait on them. */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import type { Client } from 'graphql-ws';

export interface Collector<R> {
  results: ExecutionResult<R>[];
  /** Data of every `next` without errors, in arrival order. */
  data(): R[];
  /** Resolves once `count` results arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ExecutionResult<R>[]>;
  /** Settles when the server completes the subscription or errors it. */
  done: Promise<{ error?: unknown }>;
  stop(): void;
}

export function collect<R, V>(client: Client, doc: TypedDocumentNode<R, V>, variables?: V): Collector<R> {
  const results: ExecutionResult<R>[] = [];
  let settle!: (v: { error?: unknown }) => void;
  const done = new Promise<{ error?: unknown }>((resolve) => (settle = resolve));
  const stop = client.subscribe<R>(
    { query: print(doc), variables: (variables ?? {}) as Record<string, unknown> },
    {
      next: (value) => void results.push(value as ExecutionResult<R>),
      error: (error) => settle({ error }),
      complete: () => settle({}),
    },
  );
  return {
    results,
    data: () => results.filter((r) => !r.errors && r.data).map((r) => r.data as R),
    waitFor: (count, timeoutMs = 10_000) => waitUntil(() => results.length >= count, timeoutMs, () => `expected ${count} results, got ${results.length}`).then(() => results),
    done,
    stop,
  };
}

/** Polls `condition` until true; rejects with `describe()` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, describe: () => string = () => 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves with the close event's code once the client's socket closes. */
export function nextClose(client: Client): Promise<number> {
  return new Promise((resolve) => {
    const off = client.on('closed', (event) => {
      off();
      resolve((event as { code: number }).code);
    });
  });
}

/** Error codes the server ended a subscription with: a `next` carrying errors, or an `error` message. */
export async function subscriptionErrorCodes<R>(sub: Collector<R>, timeoutMs = 30_000): Promise<unknown[]> {
  let settled: { error?: unknown } | undefined;
  void sub.done.then((d) => (settled = d));
  await waitUntil(() => settled !== undefined || sub.results.some((r) => r.errors), timeoutMs, () => 'subscription error');
  const fromNext = sub.results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code));
  const raw = settled?.error;
  const fromError = Array.isArray(raw) ? raw.map((e: { extensions?: Record<string, unknown> }) => e.extensions?.code) : [];
  return [...fromNext, ...fromError];
}
