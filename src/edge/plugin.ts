/**
 * `useEdge`: the edge (policy.ts) for subscriptions Yoga streams itself over HTTP — SSE
 * (graphql-sse's distinct connections mode) and multipart (written by useHttpSubscriptions, which
 * must come after this plugin). Each such response is one edge session: it takes a place in
 * MAX_SOCKETS_PER_CREDENTIAL (over the limit: 429 TOO_MANY_STREAMS, a JSON error, no stream), is
 * ended by revocation and token expiry with a last error payload carrying the end code, is
 * guarded against slow consumers by the response socket's unsent bytes, counted in the gauge
 * under its transport, and seen by presence.
 *
 * The request was authenticated by the context factory (expiry, API key, not-before) before the
 * subscription started; this plugin reads that principal from the one CallerResolver.
 */
import type { ServerResponse } from 'node:http';
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Metrics } from '../lib/metrics.js';
import { clientError } from '../schema/errors.js';
import type { CallerResolver } from '../server/context.js';
import { streamingTransport } from '../server/plugins/http-subscriptions.js';
import type { Edge } from './policy.js';
import { TOO_MANY_STREAMS } from './types.js';

export interface UseEdgeOptions {
  edge: Edge;
  callers: CallerResolver;
  metrics: Metrics;
  /** MAX_SOCKETS_PER_CREDENTIAL, for the refusal's message. */
  maxSessionsPerCredential: number;
}

/** Unsent bytes of an HTTP response: Node's own buffer and its socket's. */
function unsentBytes(res: ServerResponse | undefined): () => number {
  return () => (res ? res.writableLength + (res.socket?.writableLength ?? 0) : 0);
}

export function useEdge(options: UseEdgeOptions): Plugin {
  const { edge, callers, metrics } = options;
  return {
    async onResultProcess({ request, result, setResult, setResultProcessor, serverContext }) {
      if (!isAsyncIterable(result)) return;
      const chosen = streamingTransport(request.headers.get('accept'));
      if (!chosen) return;
      const stream = result as AsyncIterable<ExecutionResult>;
      const bufferedAmount = unsentBytes((serverContext as { res?: ServerResponse }).res);
      const principal = callers.known(request);
      // Anonymous subscriptions (where the schema allows them) are guarded but hold no session.
      if (!principal) return setResult(edge.guard(stream, { transport: chosen.transport, bufferedAmount }));
      const lease = await edge.open(principal, chosen.transport);
      if (!lease) {
        metrics.refuse(TOO_MANY_STREAMS);
        await stream[Symbol.asyncIterator]().return?.();
        const error = clientError(TOO_MANY_STREAMS, `at most ${options.maxSessionsPerCredential} sockets and streams at once for this credential`);
        const { http: _http, ...extensions } = error.extensions;
        const body = JSON.stringify({ errors: [{ message: error.message, extensions }] });
        setResult({ errors: [error] });
        setResultProcessor((_input, fetchAPI) => new fetchAPI.Response(body, { status: 429, headers: { 'content-type': 'application/json; charset=utf-8' } }), 'application/json');
        return;
      }
      const guarded = edge.guard(stream, { transport: chosen.transport, bufferedAmount, lease });
      // The place is given back however the stream ends: finished, ended by the edge, or the client went away.
      setResult(releasing(guarded, () => lease.release()));
    },
  };
}

function releasing(inner: AsyncIterableIterator<ExecutionResult>, release: () => Promise<void>): AsyncIterableIterator<ExecutionResult> {
  let released = false;
  const once = () => {
    if (released) return;
    released = true;
    void release();
  };
  return {
    async next() {
      try {
        const step = await inner.next();
        if (step.done) once();
        return step;
      } catch (error) {
        once();
        throw error;
      }
    },
    async return() {
      once();
      await inner.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
