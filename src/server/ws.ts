/**
 * The graphql-ws adapter of the edge (src/edge): graphql-ws on the same port and path as HTTP,
 * routed through Yoga's envelop so every plugin (and the one context factory) applies to both
 * transports. What is policy — the credential check per operation, the per-credential quota
 * (4430), revocation and expiry (close 4403 with the end code as reason), backpressure, the
 * gauge, presence — is the edge's; this file speaks the protocol: `connection_init` (a bad or
 * missing token closes 4403), APQ, parse and validate, the per-socket operation cap. The socket
 * adapter under graphql-ws's protocol core is ws-adapter.ts (one serialised payload per shared result).
 */
import type { Server as HttpServer } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { CloseCode, type ServerOptions } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { eagerBytesFor, serveGraphqlWs, type Extra } from './ws-adapter.js';
import { AuthError, type Principal } from '../auth/principal.js';
import type { EdgeLease } from '../edge/policy.js';
import { endedError } from '../edge/types.js';
import type { Infrastructure } from '../infrastructure.js';
import { resolvePersisted } from './apq.js';
import { closeInBatches } from './drain.js';
import { keepAlive } from './keep-alive.js';
import { clientError, ErrorCode } from '../schema/errors.js';
import { authenticate, type AuthDeps } from './context.js';
import { countProtocolRefusals } from './plugins/request-guards.js';
import { GRAPHQL_PATH, type PaypulseYoga } from './yoga.js';

export interface SocketServer {
  /** Sockets currently open. */
  sockets(): number;
  /** Closes every socket with 1001 (going away), in staggered batches, and stops accepting. */
  close(): Promise<void>;
}

type ConnectionExtra = {
  principal?: Principal;
  /** Operations accepted on this socket and not finished (counted at once, not when they start executing). */
  operations?: Set<string>;
  /** The socket's session at the edge (its place in MAX_SOCKETS_PER_CREDENTIAL, revocation, expiry). */
  lease?: EdgeLease;
};

type OperationResult = ReturnType<NonNullable<ServerOptions<Record<string, unknown> | undefined, Extra>['execute']>>;
type EnvelopedRoot = { execute: (a: ExecutionArgs) => OperationResult; subscribe: (a: ExecutionArgs) => OperationResult };

/**
 * Close code for a credential over MAX_SOCKETS_PER_CREDENTIAL. Not 4429: graphql-ws uses that for a
 * repeated `connection_init`. Its clients retry 4430 with backoff, by which time a place may be free.
 */
export const TOO_MANY_SOCKETS = 4430;

const isAsyncIterable = <T>(value: unknown): value is AsyncIterable<T> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/**
 * Sockets graphql-ws closes for breaking the protocol, counted in paypulse_refusals_total by these
 * names. Our own closes (4403, 4430) are counted where made; an oversized frame (ws closes 1009)
 * is counted from the socket's error below.
 */
const PROTOCOL_CLOSES: Partial<Record<number, string>> = {
  [CloseCode.BadRequest]: ErrorCode.BadRequest,
  [CloseCode.ConnectionInitialisationTimeout]: 'CONNECTION_INIT_TIMEOUT',
  [CloseCode.SubscriberAlreadyExists]: 'SUBSCRIBER_ALREADY_EXISTS',
  [CloseCode.TooManyInitialisationRequests]: 'TOO_MANY_INIT_REQUESTS',
};

/** Closes with 4403 once graphql-ws has sent the `error` returned from onSubscribe, so the client learns why. */
function closeAfterReply(socket: WebSocket, reason: string) {
  setImmediate(() => socket.close(CloseCode.Forbidden, reason));
}

/**
 * Parse and validation errors get the code Yoga gives them on HTTP, and are counted as refusals.
 * Their `http` hint (a status for Yoga's HTTP answer) is Yoga's, not the client's: dropped here as
 * Yoga drops it on HTTP.
 */
function withCode(errors: readonly GraphQLError[], code: string): GraphQLError[] {
  return errors.map((e) => {
    if (e.extensions?.code && e.extensions.http === undefined) return e;
    const { http: _hint, ...extensions } = e.extensions ?? {};
    return new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, originalError: e.originalError, extensions: { ...extensions, code: extensions.code ?? code } });
  });
}

/** What the WebSocket adapter needs beside Yoga: credentials, the edge, APQ, its limits, metrics and logs. */
export type SocketDeps = Pick<Infrastructure, 'config' | 'logger' | 'metrics' | 'persistedQueries' | 'edge'> & { auth: AuthDeps };

export function attachSocketServer(http: HttpServer, yoga: PaypulseYoga, deps: SocketDeps): SocketServer {
  const { config, logger, metrics, persistedQueries, edge } = deps;
  const wss = new WebSocketServer({ server: http, path: GRAPHQL_PATH, maxPayload: config.limits.maxBodyBytes });

  wss.on('connection', (socket) =>
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') metrics.refuse(ErrorCode.PayloadTooLarge);
    }),
  );

  const refused = (errors: readonly GraphQLError[], code: string) => {
    const coded = withCode(errors, code);
    countProtocolRefusals(metrics, coded);
    return coded;
  };

  serveGraphqlWs<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      // Yoga's enveloped execute/subscribe travel in rootValue from onSubscribe below.
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const read = (key: string) => (typeof params[key] === 'string' ? (params[key] as string) : undefined);
        try {
          const principal = await authenticate(deps.auth, {
            authorization: read('authorization') ?? read('Authorization'),
            apiKey: read('x-api-key') ?? read('apiKey'),
          });
          // Every operation needs an identity; refusing here saves a socket per anonymous client.
          if (!principal) {
            metrics.refuse(ErrorCode.Unauthenticated);
            return false;
          }
          const socket = ctx.extra.socket;
          // Counted across transports and instances (src/edge).
          const lease = await edge.open(principal, 'ws');
          if (!lease) {
            metrics.refuse('TOO_MANY_SOCKETS');
            socket.close(TOO_MANY_SOCKETS, 'too many sockets for this credential');
            return false;
          }
          // Closed while the place was being claimed: onClose has already run without it.
          if (socket.readyState !== socket.OPEN) {
            await lease.release();
            return false;
          }
          // Revocation (any instance) and the token's expiry end the socket with 4403 and the code.
          lease.onEnd((code) => socket.close(CloseCode.Forbidden, code));
          ctx.extra.lease = lease;
          ctx.extra.principal = principal;
          metrics.sockets.inc();
          return true;
        } catch (error) {
          if (error instanceof AuthError) {
            logger.info({ reason: error.message }, 'websocket connection refused');
            metrics.refuse(error.code);
            return false;
          }
          throw error;
        }
      },
      onClose: (ctx, code) => {
        const refusal = code === undefined ? undefined : PROTOCOL_CLOSES[code];
        if (refusal) metrics.refuse(refusal);
        if (ctx.extra.lease) {
          metrics.sockets.dec();
          void ctx.extra.lease.release();
        }
      },
      // Every stream gets a bounded queue and its own error channel (edge guard, backpressure.ts).
      onOperation: (ctx, _id, _payload, _args, result) =>
        isAsyncIterable(result) ? edge.guard(result, { transport: 'ws', bufferedAmount: () => ctx.extra.socket.bufferedAmount }) : undefined,
      onComplete: (ctx, id) => void ctx.extra.operations?.delete(id),
      onError: (ctx, id) => void ctx.extra.operations?.delete(id),
      onSubscribe: async (ctx, id, payload) => {
        // The credential is checked again for every operation (src/edge): an expired token, a
        // revoked API key or a token older than the user's not-before gets the refusal, then 4403.
        const principal = ctx.extra.principal;
        const refusal = principal ? await edge.check(principal) : undefined;
        if (refusal) {
          closeAfterReply(ctx.extra.socket, refusal);
          return [clientError(ErrorCode.Unauthenticated, endedError(refusal).message, { reason: refusal })];
        }
        ctx.extra.lease?.active();
        const operations = (ctx.extra.operations ??= new Set());
        if (operations.size >= config.limits.sockets.subscriptionsPerSocket) {
          metrics.refuse(ErrorCode.TooManySubscriptions);
          return [clientError(ErrorCode.TooManySubscriptions, `at most ${config.limits.sockets.subscriptionsPerSocket} operations at once on one socket`)];
        }
        operations.add(id);
        // APQ over graphql-ws: a `subscribe` may name a persisted document by hash (server/apq.ts).
        let query = payload.query;
        if (persistedQueries) {
          const resolved = await resolvePersisted(persistedQueries, payload);
          if ('error' in resolved) {
            metrics.refuse(String(resolved.error.extensions.code));
            return [resolved.error];
          }
          query = resolved.query;
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: { ...payload, query },
          socketPrincipal: ctx.extra.principal,
        });
        let document;
        try {
          document = parse(query);
        } catch (error) {
          return refused([error as GraphQLError], ErrorCode.GraphqlParseFailed);
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return refused(errors, ErrorCode.GraphqlValidationFailed);
        return {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        } satisfies ExecutionArgs;
      },
    },
    wss,
    // Keep-alive runs on one interval for all sockets (keep-alive.ts), not a timer per socket.
    { logger, isProd: config.env === 'production', eagerBytes: eagerBytesFor(config.limits.subscription.maxBufferedBytes) },
  );
  const pings = keepAlive(wss, config.wsKeepAliveMs);

  return {
    sockets: () => wss.clients.size,
    async close() {
      // Staggered (DRAIN_BATCH_SIZE every DRAIN_BATCH_INTERVAL_MS) so clients reconnect elsewhere gradually.
      pings.stop();
      await closeInBatches(wss.clients, config.drain);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
