/**
 * Helpers of the abuse corpus (not a test file): what a clean refusal looks like, row counts that
 * must not move, and a tally so every file prints how many cases it ran.
 */
import { expect } from 'vitest';
import { readResponse, type TestApp } from '../support/app.js';

export interface HttpOutcome {
  status: number;
  json: any;
  text: string;
  /** A subscription answered with a stream (SSE / multipart): a correct answer, read no further. */
  streaming?: boolean;
}

type ErrorLike = { message?: unknown; path?: unknown; extensions?: { code?: unknown } };

/**
 * A clean outcome: no 5xx; every GraphQL error carries a string `extensions.code` that is not
 * INTERNAL_SERVER_ERROR and is not the masked "Unexpected error.". A 4xx may have an empty body
 * (415, 431 come from the HTTP layer).
 */
export function expectClean(o: HttpOutcome, what: string): void {
  expect(o.status, `${what}: status ${o.status} ${o.text.slice(0, 300)}`).toBeLessThan(500);
  const errors: ErrorLike[] = Array.isArray(o.json?.errors) ? o.json.errors : [];
  for (const e of errors) {
    const code = e.extensions?.code;
    expect(typeof code, `${what}: error without code: ${JSON.stringify(e).slice(0, 300)}`).toBe('string');
    expect(code, `${what}: ${JSON.stringify(e).slice(0, 300)}`).not.toBe('INTERNAL_SERVER_ERROR');
    expect(e.message, what).not.toBe('Unexpected error.');
  }
  if (o.status >= 400 && o.text.length > 0 && o.json) expect(errors.length, `${what}: 4xx without errors: ${o.text.slice(0, 200)}`).toBeGreaterThan(0);
}

/** The same check for the errors of one graphql-ws result or `error` message. */
export function expectCodedErrors(errors: readonly ErrorLike[] | undefined, what: string): void {
  for (const e of errors ?? []) {
    const code = e.extensions?.code;
    expect(typeof code, `${what}: error without code: ${JSON.stringify(e).slice(0, 300)}`).toBe('string');
    expect(code, `${what}: ${JSON.stringify(e).slice(0, 300)}`).not.toBe('INTERNAL_SERVER_ERROR');
    expect(e.message, what).not.toBe('Unexpected error.');
  }
}

export function refused(o: HttpOutcome): boolean {
  return o.status >= 400 || (Array.isArray(o.json?.errors) && o.json.errors.length > 0);
}

/** Raw fetch against the app's /graphql: body sent as is, no defaults. */
export async function send(t: TestApp, init: RequestInit & { search?: string }): Promise<HttpOutcome> {
  const abort = new AbortController();
  const res = await fetch(t.url + (init.search ?? ''), { ...init, signal: abort.signal });
  if (/event-stream|multipart\/mixed/.test(res.headers.get('content-type') ?? '')) {
    abort.abort();
    return { status: res.status, json: undefined, text: '', streaming: true };
  }
  return { status: res.status, ...(await readResponse(res)) };
}

/** The server still answers a plain query after a case. */
/** POSTs a JSON body with the caller's token (a string body is sent as is). */
export function postAs(t: TestApp, token: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpOutcome> {
  return send(t, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

export async function expectAlive(t: TestApp, token: string): Promise<void> {
  const res = await t.post({ query: '{ __typename }' }, { token });
  expect(res.json, 'server answers afterwards').toEqual({ data: { __typename: 'Query' } });
}

/** Rows of the tables an ingest or key mutation may touch; a refused one must leave all unchanged. */
export type RowCounts = Record<'events' | 'payments' | 'keys' | 'merchants' | 'wallets' | 'orders' | 'deadLetters', number>;

export async function rowCounts(t: TestApp): Promise<RowCounts> {
  const p = t.db.prisma;
  const [events, payments, keys, merchants, wallets, orders, deadLetters] = await Promise.all([
    p.paymentEvent.count(),
    p.payment.count(),
    p.apiKey.count(),
    p.merchant.count(),
    p.wallet.count(),
    p.order.count(),
    p.deadLetter.count(),
  ]);
  return { events, payments, keys, merchants, wallets, orders, deadLetters };
}

/** Cases run per category, printed once at the end of a file and summed for the ≥ 200 check. */
export function createTally(file: string) {
  const counts = new Map<string, number>();
  return {
    hit(category: string) {
      counts.set(category, (counts.get(category) ?? 0) + 1);
    },
    get(category: string) {
      return counts.get(category) ?? 0;
    },
    total() {
      return [...counts.values()].reduce((a, b) => a + b, 0);
    },
    print() {
      const lines = [...counts].map(([c, n]) => `  ${c}: ${n}`);
      console.log(`[abuse] ${file}: ${this.total()} cases\n${lines.join('\n')}`);
    },
  };
}

/** fast-check settings: a fixed seed and run count so CI runs the same corpus every time. */
export const FC = (numRuns: number) => ({ numRuns, seed: 20261201, endOnFailure: true });

/** Sum of paypulse_refusals_total over every reason. */
export async function refusalTotal(t: TestApp): Promise<number> {
  const res = await fetch(new URL('/metrics', t.url));
  return (await res.text())
    .split('\n')
    .filter((l) => l.startsWith('paypulse_refusals_total{'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
