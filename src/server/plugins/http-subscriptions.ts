/**
 * Subscriptions over HTTP: the transport picked from the request's `Accept`, in the client's order
 * of preference, for a subscription Yoga has already authenticated, limited and started:
 * - `text/event-stream`: Yoga's own SSE (graphql-sse's distinct connections mode);
 * - `multipart/mixed;subscriptionSpec=1.0`: Apollo's multipart subscription protocol (what Apollo
 *   Client's `HttpLink` sends), written here: every result is a part `{"payload": <result>}`, a
 *   `{}` heartbeat part keeps idle connections open (every `heartbeatMs`), and a fatal end (the
 *   subscriber was too slow, the stream failed) is a transport error `{"payload": null, "errors"}`
 *   after which the response ends;
 * - plain `multipart/mixed`: the same framing with bare results (incremental delivery style).
 *
 * Every streamed subscription, SSE or multipart, has already gone through the edge (src/edge,
 * `useEdge`, which comes before this plugin): credential checks, revocation and expiry (a last
 * error payload with the end code, then the end), the per-credential session quota, backpressure
 * (SLOW_CONSUMER with `after`), the gauge `paypulse_subscriptions_active{transport}` and presence.
 * This is only the last step, the writer. The response body is pulled: nothing is read from the
 * subscription until the client has taken the previous part.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

export interface HttpSubscriptionOptions {
  /**
   * Interval of the `{}` heartbeat parts of Apollo's multipart protocol (its documented 5 s).
   * @default 5000
   */
  heartbeatMs?: number;
}

export type HttpSubscriptionTransport = 'sse' | 'multipart';

interface AcceptedType {
  type: string;
  params: Record<string, string>;
}

/** The media types of an Accept header in the order the client listed them (q-values are not used by any GraphQL client). */
export function acceptedTypes(accept: string | null): AcceptedType[] {
  return (accept ?? '*/*').split(',').flatMap((entry) => {
    const [type, ...rest] = entry.split(';').map((s) => s.trim());
    if (!type) return [];
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    }
    return [{ type: type.toLowerCase(), params }];
  });
}

/** The streaming transport the client prefers for a subscription, or undefined (Yoga answers 406). */
export function streamingTransport(accept: string | null): { transport: HttpSubscriptionTransport; apollo: boolean } | undefined {
  for (const { type, params } of acceptedTypes(accept)) {
    // Yoga answers `*/*` and `text/*` with SSE.
    if (type === 'text/event-stream' || type === 'text/*' || type === '*/*') return { transport: 'sse', apollo: false };
    if (type === 'multipart/mixed' || type === 'multipart/*') return { transport: 'multipart', apollo: params.subscriptionspec !== undefined };
  }
  return undefined;
}

const BOUNDARY = 'graphql';

export function useHttpSubscriptions(options: HttpSubscriptionOptions): Plugin {
  const heartbeatMs = options.heartbeatMs ?? 5_000;

  return {
    onResultProcess({ request, result, setResultProcessor }) {
      // Not a stream (any more): a query's result, or the edge's refusal with its own processor.
      if (!isAsyncIterable(result)) return;
      const chosen = streamingTransport(request.headers.get('accept'));
      if (!chosen) return;
      if (chosen.transport === 'multipart') {
        setResultProcessor((input, fetchAPI) => multipartResponse(input as AsyncIterable<ExecutionResult>, fetchAPI, { apollo: chosen.apollo, heartbeatMs }), 'multipart/mixed');
      }
    },
  };
}

type FetchAPI = { Response: typeof Response; ReadableStream: typeof ReadableStream; TextEncoder: typeof TextEncoder };

/** A part of the body: headers, blank line, JSON, then the next boundary. */
function part(json: string): string {
  return `\r\nContent-Type: application/json; charset=utf-8\r\n\r\n${json}\r\n--${BOUNDARY}`;
}

/** A result as the client reads it: errors as JSON without `extensions.http` (Yoga's status hint, not for clients). */
function publicResult(result: ExecutionResult): Record<string, unknown> {
  if (!result.errors) return { ...result };
  const errors = result.errors.map((error) => {
    const json = (error instanceof GraphQLError ? error.toJSON() : error) as { extensions?: Record<string, unknown> };
    if (!json.extensions || !('http' in json.extensions)) return json;
    const { http: _http, ...extensions } = json.extensions;
    return { ...json, extensions };
  });
  return { ...result, errors };
}

/** The multipart body of one subscription (exported for its framing tests). */
export function multipartResponse(result: AsyncIterable<ExecutionResult>, fetchAPI: FetchAPI, { apollo, heartbeatMs }: { apollo: boolean; heartbeatMs: number }): Response {
  const iterator = result[Symbol.asyncIterator]();
  const encoder = new fetchAPI.TextEncoder();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const stop = () => clearInterval(heartbeat);

  const body = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      // The first boundary, and for Apollo's protocol a heartbeat at once so the client sees
      // the stream is open before the first event.
      controller.enqueue(encoder.encode(`\r\n--${BOUNDARY}${apollo ? part('{}') : ''}`));
      if (apollo) {
        heartbeat = setInterval(() => {
          // desiredSize null: errored; 0 or less: the client is not reading, a heartbeat would only queue.
          if (controller.desiredSize === null) return stop();
          if (controller.desiredSize > 0) controller.enqueue(encoder.encode(part('{}')));
        }, heartbeatMs);
        heartbeat.unref?.();
      }
    },
    async pull(controller) {
      try {
        const step = await iterator.next();
        if (!step.done && step.value) {
          const value = publicResult(step.value);
          // guardSubscription's final message after a fatal end carries errors and no `data`.
          const fatal = !('data' in value) && value.errors !== undefined;
          const json = !apollo ? JSON.stringify(value) : fatal ? JSON.stringify({ payload: null, errors: value.errors }) : JSON.stringify({ payload: value });
          controller.enqueue(encoder.encode(part(json)));
          if (!fatal || !apollo) return;
        }
        stop();
        controller.enqueue(encoder.encode('--\r\n'));
        controller.close();
        if (!step.done) await iterator.return?.();
      } catch (error) {
        stop();
        controller.error(error);
      }
    },
    async cancel() {
      stop();
      await iterator.return?.();
    },
  });

  return new fetchAPI.Response(body, {
    status: 200,
    headers: {
      'content-type': `multipart/mixed;boundary="${BOUNDARY}"${apollo ? ';subscriptionSpec="1.0"' : ''}`,
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    },
  });
}
