/**
 * One way to open a `paymentEvents` stream over each transport, with the same observable result:
 * the payloads received, and how the stream ended (or was refused). Used by the edge matrix.
 * - ws: the `graphql-ws` client (the end is the socket's close: code and reason);
 * - sse: the `graphql-sse` client in distinct connections mode (Yoga's SSE);
 * - sse-single: the `graphql-sse` client in single connection mode (PUT reservation);
 * - multipart: fetch with Apollo's Accept, reading the multipart body as Apollo Client does.
 */
import type { ExecutionResult } from 'graphql';
import { createClient as createSseClient, NetworkError } from 'graphql-sse';
import type { TestApp } from '../support/app.js';

export type TransportName = 'ws' | 'sse' | 'sse-single' | 'multipart';
export const TRANSPORT_NAMES: TransportName[] = ['ws', 'sse', 'sse-single', 'multipart'];
/** The `transport` label of paypulse_subscriptions_active for each. */
export const GAUGE_LABEL: Record<TransportName, 'ws' | 'sse' | 'multipart'> = { ws: 'ws', sse: 'sse', 'sse-single': 'sse', multipart: 'multipart' };

export const APOLLO_ACCEPT = 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0, application/json';
export const FEED = 'subscription Feed($after: String) { paymentEvents(after: $after) { cursor eventId } }';

export interface Credential {
  token?: string;
  apiKey?: string;
}

export interface Ending {
  /** `extensions.code` of every error delivered (the last payload, an error sink, a refusal body). */
  codes: unknown[];
  /** ws only: the close code and reason. */
  closeCode?: number;
  closeReason?: string;
  /** HTTP refusal status (the stream never opened). */
  status?: number;
  /** `extensions.after` of the last error, when it has one. */
  after?: unknown;
}

export interface OpenStream {
  transport: TransportName;
  results: ExecutionResult<any>[];
  /** Event ids received, in order. */
  eventIds(): string[];
  ended: Promise<Ending>;
  stop(): void;
}

const headersOf = (c: Credential): Record<string, string> => ({
  ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
  ...(c.apiKey ? { 'x-api-key': c.apiKey } : {}),
});

const codesOf = (errors: readonly { extensions?: Record<string, unknown> }[] | undefined) => (errors ?? []).map((e) => e.extensions?.code);

function make(transport: TransportName, results: ExecutionResult<any>[], ended: Promise<Ending>, stop: () => void): OpenStream {
  return {
    transport,
    results,
    eventIds: () => results.flatMap((r) => (r.data?.paymentEvents ? [r.data.paymentEvents.eventId as string] : [])),
    ended,
    stop,
  };
}

/** The ending of a stream whose last payload carries errors (SSE, multipart). */
function endingFrom(results: ExecutionResult<any>[], extra: Partial<Ending> = {}): Ending {
  const last = [...results].reverse().find((r) => r.errors);
  const errors = (last?.errors ?? []) as unknown as { extensions?: Record<string, unknown> }[];
  return { codes: codesOf(errors), after: errors[0]?.extensions?.after, ...extra };
}

async function refusalOf(error: unknown): Promise<Ending> {
  if (error instanceof NetworkError && error.response) {
    const body = await error.response.json().catch(() => undefined);
    return { codes: codesOf(body?.errors), status: error.response.status };
  }
  if (Array.isArray(error)) return { codes: codesOf(error) };
  return { codes: [String(error)] };
}

/**
 * Opens the feed of the credential's merchant. `after: "0"` by default: the stream replays the
 * (fresh) merchant's stored events before going live, so an event ingested while the
 * subscription is still being set up is delivered all the same — no race to win.
 */
export function openStream(t: TestApp, transport: TransportName, credential: Credential, variables: Record<string, unknown> = { after: '0' }): OpenStream {
  const results: ExecutionResult<any>[] = [];
  if (transport === 'ws') {
    const params: Record<string, unknown> = {};
    if (credential.token) params.authorization = `Bearer ${credential.token}`;
    if (credential.apiKey) params['x-api-key'] = credential.apiKey;
    const client = t.wsClient(params);
    let close: { code: number; reason: string } | undefined;
    client.on('closed', (event) => void (close ??= { code: (event as CloseEvent).code, reason: (event as CloseEvent).reason }));
    const ended = new Promise<Ending>((resolve) => {
      const end = (error?: unknown) =>
        resolve({ ...endingFrom(results), ...(Array.isArray(error) ? { codes: codesOf(error) } : {}), closeCode: close?.code ?? (error as CloseEvent | undefined)?.code, closeReason: close?.reason ?? (error as CloseEvent | undefined)?.reason });
      client.subscribe({ query: FEED, variables }, { next: (r) => void results.push(r as ExecutionResult<any>), error: end, complete: () => end() });
    });
    return make(transport, results, ended, () => void client.dispose());
  }
  if (transport === 'sse' || transport === 'sse-single') {
    const client = createSseClient({ url: t.url, headers: headersOf(credential), singleConnection: transport === 'sse-single', retryAttempts: 0 });
    const ended = new Promise<Ending>((resolve) => {
      client.subscribe(
        { query: FEED, variables },
        {
          next: (r) => void results.push(r as ExecutionResult<any>),
          error: (error) => void refusalOf(error).then((refusal) => resolve(results.length ? { ...endingFrom(results), ...refusal, codes: [...endingFrom(results).codes, ...refusal.codes] } : refusal)),
          complete: () => resolve(endingFrom(results)),
        },
      );
    });
    return make(transport, results, ended, () => client.dispose());
  }
  const abort = new AbortController();
  const ended = (async (): Promise<Ending> => {
    let res: Response;
    try {
      res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: APOLLO_ACCEPT, ...headersOf(credential) }, body: JSON.stringify({ query: FEED, variables }), signal: abort.signal });
    } catch (error) {
      return { codes: [String(error)] };
    }
    if (res.status !== 200 || !res.headers.get('content-type')?.includes('multipart/mixed')) {
      const body = await res.json().catch(() => undefined);
      return { codes: codesOf(body?.errors), status: res.status };
    }
    // Apollo's reading: parts between `--graphql` boundaries, `{}` heartbeats skipped, `payload`
    // delivered, `payload: null` with `errors` a fatal transport error; `--graphql--` the end.
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const segments = buffer.split('\r\n--graphql');
        // The tail is an unfinished part, or `--` (the closing boundary).
        buffer = segments.pop()!;
        for (const segment of segments) {
          const body = segment.split('\r\n\r\n')[1]?.trim();
          if (!body) continue;
          const part = JSON.parse(body) as { payload?: ExecutionResult<any> | null; errors?: ExecutionResult['errors'] };
          if (part.payload) results.push(part.payload);
          else if (part.payload === null) results.push({ errors: part.errors ?? [] });
        }
        if (buffer.startsWith('--')) break;
      }
    } catch {
      // aborted by stop()
    }
    return endingFrom(results);
  })();
  return make(transport, results, ended, () => abort.abort());
}
