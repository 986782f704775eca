/**
 * The page's way to the server: GraphQL over HTTP (fetch) and subscriptions over graphql-ws, both
 * with the credential in headers / connection params — never in a URL, where it would land in
 * logs. Subscriptions resume by themselves after a lost connection, from the cursor they last saw.
 */
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from './gql/graphql.js';

export interface Credential {
  /** A JWT (from `npm run token` or an identity provider) or an API key (`ppk_…`). */
  secret: string;
  /** Admins name the merchant to watch; others may leave it empty. */
  merchantId: string | undefined;
}

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const isApiKey = (secret: string) => secret.startsWith('ppk_');

/** Accepts "Bearer x", "x", or a pasted `{"Authorization": "Bearer x"}`. */
export function normaliseSecret(input: string): string {
  const text = input.trim();
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const header = parsed.Authorization ?? parsed.authorization ?? parsed['x-api-key'];
    if (typeof header === 'string') return normaliseSecret(header);
  } catch {
    // not JSON
  }
  return text.replace(/^Bearer\s+/i, '');
}

export function authHeaders(credential: Credential): Record<string, string> {
  return isApiKey(credential.secret) ? { 'x-api-key': credential.secret } : { authorization: `Bearer ${credential.secret}` };
}

export async function request<R, V>(credential: Credential, document: TypedDocumentString<R, V>, variables: V): Promise<R> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authHeaders(credential) },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
  } catch {
    throw new ApiError('NETWORK', 'The server cannot be reached.');
  }
  const body = (await res.json().catch(() => undefined)) as { data?: R; errors?: { message: string; extensions?: { code?: string } }[] } | undefined;
  const error = body?.errors?.[0];
  if (error) throw new ApiError(error.extensions?.code ?? 'ERROR', error.message);
  if (!body?.data) throw new ApiError('HTTP_' + res.status, `Unexpected answer (${res.status}).`);
  return body.data;
}

export interface Live {
  /**
   * Subscribes until stopped. `variables` is asked again at every (re)subscription, so a feed
   * resumes with `after` = the last cursor it saw. `onFatal` gets refusals that retrying cannot
   * fix (bad or expired credential, a GraphQL error).
   */
  subscribe<R, V>(document: TypedDocumentString<R, V>, variables: () => V, onData: (data: R) => void, onFatal: (error: ApiError) => void): () => void;
  dispose(): void;
}

/** Close codes after which reconnecting with the same credential is pointless. */
const FATAL_CLOSES = new Set([4400, 4401, 4403]);

export function createLive(credential: Credential, onStatus: (status: ConnectionStatus) => void): Live {
  let disposed = false;
  let failures = 0;
  const setStatus = (status: ConnectionStatus) => !disposed && onStatus(status);
  const secure = location.protocol === 'https:';
  const client: Client = createClient({
    url: `${secure ? 'wss' : 'ws'}://${location.host}/graphql`,
    connectionParams: isApiKey(credential.secret) ? { 'x-api-key': credential.secret } : { authorization: `Bearer ${credential.secret}` },
    lazy: true,
    // Reconnection is ours (below): graphql-ws would resubscribe with the first `after`, which
    // replays rows the page already shows.
    retryAttempts: 0,
    keepAlive: 15_000,
    on: {
      connected: () => {
        failures = 0;
        setStatus('connected');
      },
      // Also fired for a connection attempt that failed: `failures` counts them since the last success.
      closed: () => {
        failures += 1;
        setStatus(failures > 5 || !navigator.onLine ? 'offline' : 'reconnecting');
      },
    },
  });
  const onOffline = () => setStatus('offline');
  window.addEventListener('offline', onOffline);
  setStatus('connecting');

  return {
    subscribe<R, V>(document: TypedDocumentString<R, V>, variables: () => V, onData: (data: R) => void, onFatal: (error: ApiError) => void) {
      let stopped = false;
      let unsubscribe: (() => void) | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const retry = () => {
        if (stopped || disposed) return;
        // 0.5 s, 1 s, 2 s … at most 5 s, with jitter so many pages do not return at once.
        const delay = Math.min(5_000, 500 * 2 ** Math.min(Math.max(failures - 1, 0), 4)) * (0.75 + Math.random() / 2);
        timer = setTimeout(start, delay);
      };
      const start = () => {
        if (stopped || disposed) return;
        unsubscribe = client.subscribe<R>(
          { query: document.toString(), variables: variables() as Record<string, unknown> },
          {
            next: (result) => {
              const error = result.errors?.[0];
              if (error) {
                const code = String((error.extensions as { code?: string } | undefined)?.code ?? 'ERROR');
                // A slow consumer is told to resume from its cursor: that is a reconnect, not a failure.
                if (code === 'SLOW_CONSUMER') return void (unsubscribe?.(), retry());
                stopped = true;
                return onFatal(new ApiError(code, error.message));
              }
              if (result.data) onData(result.data as R);
            },
            error: (error) => {
              const code = (error as CloseEvent | undefined)?.code;
              if (typeof code === 'number' && FATAL_CLOSES.has(code)) {
                stopped = true;
                return onFatal(new ApiError(code === 4403 ? 'FORBIDDEN' : `CLOSE_${code}`, (error as CloseEvent).reason || 'The server refused the connection.'));
              }
              if (Array.isArray(error)) {
                stopped = true;
                const first = error[0] as { message?: string; extensions?: { code?: string } } | undefined;
                return onFatal(new ApiError(first?.extensions?.code ?? 'ERROR', first?.message ?? 'Subscription refused.'));
              }
              retry();
            },
            complete: () => retry(),
          },
        );
      };
      start();
      return () => {
        stopped = true;
        clearTimeout(timer);
        unsubscribe?.();
      };
    },
    dispose() {
      disposed = true;
      window.removeEventListener('offline', onOffline);
      void client.dispose();
    },
  };
}

/** Downloads the CSV export with the credential in a header, then saves it under the server's file name. */
export async function downloadCsv(credential: Credential, params: URLSearchParams): Promise<{ bytes: number; name: string }> {
  let res: Response;
  try {
    res = await fetch(`/exports/payment-events.csv?${params}`, { headers: authHeaders(credential) });
  } catch {
    throw new ApiError('NETWORK', 'The server cannot be reached.');
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as { errors?: { message: string; extensions?: { code?: string } }[] } | undefined;
    const error = body?.errors?.[0];
    throw new ApiError(error?.extensions?.code ?? `HTTP_${res.status}`, error?.message ?? `Export failed (${res.status}).`);
  }
  const blob = await res.blob();
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'payment-events.csv';
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { bytes: blob.size, name };
}
