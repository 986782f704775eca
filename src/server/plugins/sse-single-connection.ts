/**
 * graphql-sse's single connection mode on /graphql (its PROTOCOL.md), beside Yoga's own SSE which
 * serves the distinct connections mode on the same path:
 * 1. `PUT /graphql` reserves a stream: 201 with a token (text/plain);
 * 2. `GET` or `POST /graphql` with `Accept: text/event-stream` and the token (header
 *    `x-graphql-event-stream-token` or `?token=`) opens it: one event stream per token (409 if open);
 * 3. `POST /graphql` with the token and `extensions.operationId` starts an operation on it (202);
 *    its results arrive on the stream as `next` events `{ id, payload }`, then `complete { id }`;
 * 4. `DELETE /graphql?operationId=…` with the token stops one operation (200).
 *
 * Every request is authenticated like any other (Authorization or x-api-key, through the one
 * context factory), and a reservation belongs to the credential that made it: a token presented by
 * anyone else is "Stream not found", like an unknown one. Operations run through Yoga's envelop
 * (`getEnveloped`), so rate limits, query limits, trusted documents and operation metrics apply
 * as on every transport, and each stream goes through guardSubscription (backpressure.ts): an
 * operation is pulled only while the event stream's unsent bytes are under
 * WS_MAX_BUFFERED_BYTES, so a client that stops reading stalls its operations, the bounded pubsub
 * queue fills and the operation ends with SLOW_CONSUMER and its `after` cursor.
 *
 * A reservation is one session at the edge (src/edge): it holds a place in
 * MAX_SOCKETS_PER_CREDENTIAL (shared with the credential's sockets and other streams, across
 * instances with Redis; over it: 429 TOO_MANY_STREAMS), is seen by presence, and is ended by the
 * token's expiry, `revokeApiKey` and `revokeSessions` (from any instance): each running operation
 * gets a last `next` whose payload is the error with the end code, then `complete`, and the event
 * stream closes. Every request is authenticated again (expiry, API key, not-before). A reservation
 * nobody connects to within RESERVATION_TTL_MS is dropped. Reservations live on the instance that
 * made them: behind a load balancer, route by the token (or use distinct mode).
 */
import { randomBytes } from 'node:crypto';
import { getOperationAST, GraphQLError, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { AuthError, type Principal } from '../../auth/principal.js';
import { clientError, ErrorCode } from '../../schema/errors.js';
import type { Infrastructure } from '../../infrastructure.js';
import { resolvePersisted } from '../apq.js';
import type { EdgeLease } from '../../edge/policy.js';
import { endedError, TOO_MANY_STREAMS } from '../../edge/types.js';
import { authenticate, type AuthDeps } from '../context.js';
import { countProtocolRefusals } from './request-guards.js';

export const TOKEN_HEADER = 'x-graphql-event-stream-token';
const TOKEN_QUERY = 'token';
/** A reservation must be connected to within this time. */
export const RESERVATION_TTL_MS = 30_000;
const PING_MS = 12_000;

type Enveloped = ReturnType<Parameters<NonNullable<Plugin['onYogaInit']>>[0]['yoga']['getEnveloped']>;

interface Reservation {
  token: string;
  owner: string;
  /** Operations started and not finished, by the client's id. */
  operations: Map<string, AsyncIterator<ExecutionResult> | null>;
  /** Events not yet taken by the client, and their total size. */
  queue: string[];
  queuedBytes: number;
  open: boolean;
  /** Wakes the stream's pull and the paused operations. */
  wake(): void;
  waiters: Set<() => void>;
  expiry: NodeJS.Timeout | undefined;
  /** The reservation's session at the edge. */
  lease: EdgeLease;
  dispose(): Promise<void>;
}


function publicError(error: GraphQLError) {
  const { http: _http, ...extensions } = error.extensions ?? {};
  return { ...error.toJSON(), extensions };
}

const encoder = new TextEncoder();
const event = (name: 'next' | 'complete', data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

/** What the SSE adapter needs: credentials, the edge, APQ, its limits, metrics and logs. */
export type SseDeps = Pick<Infrastructure, 'config' | 'logger' | 'metrics' | 'persistedQueries' | 'edge'> & { auth: AuthDeps };

export function useGraphQLSSESingleConnection(deps: SseDeps, path: string): Plugin {
  const { metrics, logger, config, persistedQueries, edge } = deps;
  const maxBufferedBytes = config.limits.subscription.maxBufferedBytes;
  const reservations = new Map<string, Reservation>();
  let getEnveloped: ((initial: Record<string, unknown>) => Enveloped) | undefined;
  // Yoga's fetch API (the server adapter's own Response and ReadableStream), set at init.
  let api: { Response: typeof Response; ReadableStream: typeof ReadableStream } = { Response, ReadableStream };
  const json = (status: number, body: unknown) => new api.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
  /** A refusal: counted in paypulse_refusals_total under the code the client sees, like every other. */
  const errorResponse = (status: number, error: GraphQLError) => {
    metrics.refuse(typeof error.extensions?.code === 'string' ? error.extensions.code : ErrorCode.BadRequest);
    return json(status, { errors: [publicError(error)] });
  };
  const empty = (status: number, headers: Record<string, string> = {}) => new api.Response(null, { status, headers });

  const credentialOf = (p: Principal) => `${p.kind}:${p.subject}`;

  /** The caller of this request (every request of the protocol is authenticated), or the refusal. */
  async function authorize(request: Request): Promise<{ principal: Principal } | { refused: Response }> {
    try {
      const principal = await authenticate(deps.auth, { authorization: request.headers.get('authorization'), apiKey: request.headers.get('x-api-key') });
      if (principal) return { principal };
      return { refused: errorResponse(401, clientError(ErrorCode.Unauthenticated, 'authentication required')) };
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      return { refused: errorResponse(401, clientError(error.code, error.message)) };
    }
  }

  function tokenOf(request: Request, url: URL): string | undefined {
    return request.headers.get(TOKEN_HEADER) ?? url.searchParams.get(TOKEN_QUERY) ?? undefined;
  }

  /** The caller's reservation for this token; anyone else's is as unknown as a made-up token. */
  const reservationFor = (token: string, principal: Principal) => {
    const r = reservations.get(token);
    return r && r.owner === credentialOf(principal) ? r : undefined;
  };
  const notFound = () => errorResponse(404, clientError(ErrorCode.NotFound, 'Stream not found'));

  async function reserve(principal: Principal): Promise<Response> {
    const owner = credentialOf(principal);
    const lease = await edge.open(principal, 'sse');
    if (!lease) {
      return errorResponse(429, clientError(TOO_MANY_STREAMS, `at most ${config.limits.sockets.perCredential} sockets and streams at once for this credential`));
    }
    const token = randomBytes(24).toString('base64url');
    const reservation: Reservation = {
      token,
      owner,
      operations: new Map(),
      queue: [],
      queuedBytes: 0,
      open: false,
      waiters: new Set(),
      wake() {
        for (const w of [...this.waiters]) w();
      },
      expiry: undefined,
      lease,
      async dispose() {
        if (reservations.get(token) !== reservation) return;
        reservations.delete(token);
        clearTimeout(reservation.expiry);
        const running = [...reservation.operations.values()];
        reservation.operations.clear();
        reservation.wake();
        await Promise.all(running.map((op) => op?.return?.().catch(() => undefined)));
        await lease.release();
      },
    };
    reservation.expiry = setTimeout(() => void (!reservation.open && reservation.dispose()), RESERVATION_TTL_MS);
    reservation.expiry.unref();
    // Revoked or expired: every running operation gets the end code as its last payload, then
    // `complete`; the stream closes once the client has read them (the pull drains the queue first).
    lease.onEnd((code) => {
      for (const id of reservation.operations.keys()) {
        push(reservation, event('next', { id, payload: { errors: [publicError(endedError(code))] } }));
        push(reservation, event('complete', { id }));
      }
      void reservation.dispose();
    });
    reservations.set(token, reservation);
    return new api.Response(token, { status: 201, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }

  function push(reservation: Reservation, text: string) {
    reservation.queue.push(text);
    reservation.queuedBytes += text.length;
    reservation.wake();
  }

  /** Resolves when the stream has room (or is gone). */
  function room(reservation: Reservation): Promise<void> {
    if (reservation.queuedBytes <= maxBufferedBytes || !reservations.has(reservation.token)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (reservation.queuedBytes <= maxBufferedBytes || !reservations.has(reservation.token)) {
          reservation.waiters.delete(check);
          resolve();
        }
      };
      reservation.waiters.add(check);
    });
  }

  function openStream(reservation: Reservation): Response {
    if (reservation.open) return errorResponse(409, clientError(ErrorCode.StreamAlreadyOpen, 'Stream already open'));
    reservation.open = true;
    clearTimeout(reservation.expiry);
    let ping: NodeJS.Timeout | undefined;
    const body = new api.ReadableStream<Uint8Array>({
      start(controller) {
        // Some browsers wait for a first byte before they hand the stream over.
        controller.enqueue(encoder.encode(':\n\n'));
        ping = setInterval(() => push(reservation, ':\n\n'), PING_MS);
        ping.unref();
      },
      async pull(controller) {
        while (reservation.queue.length === 0) {
          if (!reservations.has(reservation.token)) {
            clearInterval(ping);
            return controller.close();
          }
          await new Promise<void>((resolve) => {
            const once = () => {
              reservation.waiters.delete(once);
              resolve();
            };
            reservation.waiters.add(once);
          });
        }
        const text = reservation.queue.shift()!;
        reservation.queuedBytes -= text.length;
        controller.enqueue(encoder.encode(text));
        reservation.wake();
      },
      async cancel() {
        clearInterval(ping);
        await reservation.dispose();
      },
    });
    return new api.Response(body, {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'content-encoding': 'none' },
    });
  }

  async function startOperation(request: Request, reservation: Reservation, serverContext: Record<string, unknown>): Promise<Response> {
    let params: { query?: unknown; variables?: unknown; operationName?: unknown; extensions?: unknown };
    try {
      params = (await request.json()) as typeof params;
    } catch {
      return errorResponse(400, clientError(ErrorCode.BadRequest, 'the body is not JSON'));
    }
    const bad = (message: string) => errorResponse(400, clientError(ErrorCode.BadRequest, message));
    if (params === null || typeof params !== 'object' || Array.isArray(params)) return bad('the body must be one JSON object');
    if (typeof params.query !== 'string') return bad('query must be a string');
    if (params.variables != null && (typeof params.variables !== 'object' || Array.isArray(params.variables))) return bad('variables must be an object');
    if (params.operationName != null && typeof params.operationName !== 'string') return bad('operationName must be a string');
    const operationId = (params.extensions as { operationId?: unknown } | undefined)?.operationId;
    if (typeof operationId !== 'string' || operationId === '' || operationId.length > 128) return bad('extensions.operationId is required (a string of 1-128 characters)');
    if (reservation.operations.has(operationId)) return errorResponse(409, clientError(ErrorCode.OperationExists, 'Operation with ID already exists'));
    if (reservation.operations.size >= config.limits.sockets.subscriptionsPerSocket) {
      return errorResponse(429, clientError(ErrorCode.TooManySubscriptions, `at most ${config.limits.sockets.subscriptionsPerSocket} operations at once on one stream`));
    }
    reservation.operations.set(operationId, null);
    reservation.lease.active();

    // APQ as on the other transports (server/apq.ts).
    if (persistedQueries) {
      const resolved = await resolvePersisted(persistedQueries, params);
      if ('error' in resolved) {
        reservation.operations.delete(operationId);
        return errorResponse(400, resolved.error);
      }
      params = { ...params, query: resolved.query };
    }
    const enveloped = getEnveloped!({ ...serverContext, request, params });
    let document: DocumentNode;
    const refuse = (errors: readonly GraphQLError[], code: string) => {
      reservation.operations.delete(operationId);
      const coded = errors.map((e) => (e.extensions?.code ? e : new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, extensions: { ...e.extensions, code } })));
      countProtocolRefusals(metrics, coded);
      return json(400, { errors: coded.map(publicError) });
    };
    try {
      document = enveloped.parse(params.query as string);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return refuse([error], ErrorCode.GraphqlParseFailed);
    }
    const errors = enveloped.validate(enveloped.schema, document);
    if (errors.length > 0) return refuse(errors, ErrorCode.GraphqlValidationFailed);
    const operation = getOperationAST(document, params.operationName as string | undefined);
    if (!operation) return refuse([new GraphQLError('no operation to run (name it with operationName)')], ErrorCode.BadRequest);

    let contextValue;
    try {
      contextValue = await enveloped.contextFactory();
    } catch (error) {
      reservation.operations.delete(operationId);
      if (error instanceof GraphQLError) return errorResponse(401, error);
      throw error;
    }
    const args: ExecutionArgs = { schema: enveloped.schema, document, contextValue, variableValues: params.variables as Record<string, unknown> | undefined, operationName: params.operationName as string | undefined };
    const result = (await (operation.operation === 'subscription' ? enveloped.subscribe(args) : enveloped.execute(args))) as ExecutionResult | AsyncIterable<ExecutionResult>;
    // Stopped (DELETE) or the stream went away while it started.
    if (!reservation.operations.has(operationId) || !reservations.has(reservation.token)) {
      if (isAsyncIterable(result)) await result[Symbol.asyncIterator]().return?.();
      return empty(204);
    }
    if (!isAsyncIterable(result)) {
      reservation.operations.delete(operationId);
      push(reservation, event('next', { id: operationId, payload: result }));
      push(reservation, event('complete', { id: operationId }));
      return empty(202);
    }
    const guarded = edge.guard(result, { transport: 'sse', bufferedAmount: () => reservation.queuedBytes });
    reservation.operations.set(operationId, guarded);
    void (async () => {
      try {
        for (;;) {
          // Pulled only while the client takes what was sent (see the header).
          await room(reservation);
          if (!reservation.operations.has(operationId)) break;
          const step = await guarded.next();
          if (step.done || !reservation.operations.has(operationId)) break;
          push(reservation, event('next', { id: operationId, payload: step.value }));
        }
      } catch (error) {
        logger.error({ err: error }, 'graphql-sse operation failed');
      } finally {
        const stillOurs = reservation.operations.get(operationId) === guarded;
        reservation.operations.delete(operationId);
        await guarded.return?.().catch(() => undefined);
        if (stillOurs && reservations.has(reservation.token)) push(reservation, event('complete', { id: operationId }));
      }
    })();
    return empty(202);
  }

  /** The protocol's requests (see the header); every one authenticated first. */
  async function handle(request: Request, url: URL, token: string | undefined, serverContext: Record<string, unknown>): Promise<Response> {
    const caller = await authorize(request);
    if ('refused' in caller) return caller.refused;
    const { principal } = caller;
    if (request.method === 'PUT') return reserve(principal);
    const reservation = token === undefined ? undefined : reservationFor(token, principal);
    if (!reservation) return notFound();
    if (request.method === 'DELETE') {
      const operationId = url.searchParams.get('operationId');
      if (!operationId) return errorResponse(400, clientError(ErrorCode.BadRequest, 'operationId is missing'));
      const op = reservation.operations.get(operationId);
      reservation.operations.delete(operationId);
      reservation.wake();
      await op?.return?.().catch(() => undefined);
      return empty(200);
    }
    if (request.method !== 'GET' && request.method !== 'POST') {
      metrics.refuse(ErrorCode.MethodNotAllowed);
      return empty(405, { allow: 'GET, POST, PUT, DELETE' });
    }
    if ((request.headers.get('accept') ?? '').includes('text/event-stream')) return openStream(reservation);
    if (request.method !== 'POST') return errorResponse(405, clientError(ErrorCode.MethodNotAllowed, 'operations on a stream are POSTed'));
    return startOperation(request, reservation, serverContext);
  }

  return {
    // yoga.dispose() at shutdown: every reserved stream ends (its operations first), so no
    // event stream holds the HTTP server open.
    async onDispose() {
      await Promise.all([...reservations.values()].map((r) => r.dispose()));
    },
    onYogaInit({ yoga }) {
      getEnveloped = (initial) => yoga.getEnveloped(initial as never) as Enveloped;
      api = yoga.fetchAPI as typeof api;
    },
    onRequest({ request, url, endResponse, serverContext }) {
      if (url.pathname !== path) return;
      const token = tokenOf(request, url);
      // Everything else on this path is plain GraphQL over HTTP (and distinct-mode SSE) for Yoga.
      // Returning synchronously matters: an async hook delays Yoga's body reading, and the body
      // limit's byte counter (http.ts) would consume chunked bodies meanwhile.
      if (request.method !== 'PUT' && request.method !== 'DELETE' && token === undefined) return;
      return handle(request, url, token, serverContext as Record<string, unknown>).then(endResponse);
    },
  };
}
