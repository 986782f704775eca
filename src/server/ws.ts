/**
 * graphql-ws on the same port and path as HTTP, routed through Yoga's envelop so every plugin
 * (and the one context factory) applies to both transports. The token is checked once at
 * `connection_init` (bad or missing: close 4403) and the socket is closed with 4403 when it expires
 * or its credential is revoked (see sessions.ts); every `subscribe` checks expiry (and, for an API
 * key, revocation) again.
 */
import type { Server as HttpServer } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { AuthError, type Principal } from '../auth/principal.js';
import type { Services } from '../services.js';
import { resolvePersisted } from './apq.js';
import { guardSubscription } from './backpressure.js';
import { createMemorySocketQuota, createRedisSocketQuota } from './limits/socket-quota.js';
import { closeInBatches } from './drain.js';
import { clientError, ErrorCode } from '../schema/errors.js';
import { authenticate } from './context.js';
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
  expiryTimer?: NodeJS.Timeout;
  /** The place this socket holds in MAX_SOCKETS_PER_CREDENTIAL. */
  quota?: { credential: string; place: string };
};

type OperationResult = ReturnType<NonNullable<Parameters<typeof useServer>[0]['execute']>>;
type EnvelopedRoot = { execute: (a: ExecutionArgs) => OperationResult; subscribe: (a: ExecutionArgs) => OperationResult };

/**
 * Close code for a credential over MAX_SOCKETS_PER_CREDENTIAL. Not 4429: graphql-ws uses that for a
 * repeated `connection_init`. Its clients retry 4430 with backoff, by which time a place may be free.
 */
export const TOO_MANY_SOCKETS = 4430;

const isAsyncIterable = <T>(value: unknown): value is AsyncIterable<T> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

// setTimeout cannot wait longer than ~24.8 days; a later expiry is re-armed when it fires.
const MAX_TIMER_MS = 2_147_483_647;

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

/** Parse and validation errors get the code Yoga gives them on HTTP, and are counted as refusals. */
function withCode(errors: readonly GraphQLError[], code: string): GraphQLError[] {
  return errors.map((e) => (e.extensions?.code ? e : new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, originalError: e.originalError, extensions: { ...e.extensions, code } })));
}

export function attachSocketServer(http: HttpServer, yoga: PaypulseYoga, services: Services): SocketServer {
  const { config, logger } = services;
  const wss = new WebSocketServer({ server: http, path: GRAPHQL_PATH, maxPayload: config.limits.maxBodyBytes });
  // A socket's place lives as long as the presence heartbeat: a dead instance's places free after it.
  const quota = config.redisUrl ? createRedisSocketQuota({ url: config.redisUrl, logger }, { ttlMs: config.presence.ttlMs }) : createMemorySocketQuota();

  wss.on('connection', (socket) =>
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') services.metrics.refuse(ErrorCode.PayloadTooLarge);
    }),
  );

  const refused = (errors: readonly GraphQLError[], code: string) => {
    const coded = withCode(errors, code);
    countProtocolRefusals(services.metrics, coded);
    return coded;
  };

  const armExpiry = (socket: WebSocket, extra: ConnectionExtra, expiresAt: number) => {
    const delay = expiresAt - Date.now();
    extra.expiryTimer = setTimeout(
      () => (delay > MAX_TIMER_MS ? armExpiry(socket, extra, expiresAt) : socket.close(CloseCode.Forbidden, 'token expired')),
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    );
    extra.expiryTimer.unref();
  };

  useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      // Yoga's enveloped execute/subscribe travel in rootValue from onSubscribe below.
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const read = (key: string) => (typeof params[key] === 'string' ? (params[key] as string) : undefined);
        try {
          const principal = await authenticate(services, {
            authorization: read('authorization') ?? read('Authorization'),
            apiKey: read('x-api-key') ?? read('apiKey'),
          });
          // Every operation needs an identity; refusing here saves a socket per anonymous client.
          if (!principal) {
            services.metrics.refuse(ErrorCode.Unauthenticated);
            return false;
          }
          // Counted across instances when there is Redis (limits/socket-quota.ts).
          const credential = `${principal.kind}:${principal.subject}`;
          const place = await quota.acquire(credential, config.limits.sockets.perCredential);
          if (!place) {
            services.metrics.refuse('TOO_MANY_SOCKETS');
            ctx.extra.socket.close(TOO_MANY_SOCKETS, 'too many sockets for this credential');
            return false;
          }
          // Closed while the place was being claimed: onClose has already run without it.
          if (ctx.extra.socket.readyState !== ctx.extra.socket.OPEN) {
            await quota.release(credential, place);
            return false;
          }
          ctx.extra.quota = { credential, place };
          ctx.extra.principal = principal;
          services.metrics.sockets.inc();
          services.sessions.add(principal, ctx.extra.socket);
          services.presence.connected(principal, ctx.extra.socket);
          if (principal.expiresAt !== null) armExpiry(ctx.extra.socket, ctx.extra, principal.expiresAt);
          return true;
        } catch (error) {
          if (error instanceof AuthError) {
            logger.info({ reason: error.message }, 'websocket connection refused');
            services.metrics.refuse(error.code);
            return false;
          }
          throw error;
        }
      },
      onClose: (ctx, code) => {
        clearTimeout(ctx.extra.expiryTimer);
        const refusal = code === undefined ? undefined : PROTOCOL_CLOSES[code];
        if (refusal) services.metrics.refuse(refusal);
        if (ctx.extra.quota) void quota.release(ctx.extra.quota.credential, ctx.extra.quota.place);
        if (ctx.extra.principal) {
          services.metrics.sockets.dec();
          services.sessions.remove(ctx.extra.principal, ctx.extra.socket);
          services.presence.disconnected(ctx.extra.socket);
        }
      },
      // Every stream gets a bounded queue and its own error channel (backpressure.ts).
      onOperation: (ctx, _id, _payload, _args, result) =>
        isAsyncIterable(result)
          ? guardSubscription(result, {
              socket: ctx.extra.socket,
              maxBufferedBytes: config.limits.subscription.maxBufferedBytes,
              metrics: services.metrics,
              logger,
              onStart: () => {
                services.metrics.subscriptions.inc({ transport: 'ws' });
                services.presence.subscriptionStarted();
              },
              onEnd: () => {
                services.metrics.subscriptions.dec({ transport: 'ws' });
                services.presence.subscriptionEnded();
              },
            })
          : undefined,
      onComplete: (ctx, id) => void ctx.extra.operations?.delete(id),
      onError: (ctx, id) => void ctx.extra.operations?.delete(id),
      onSubscribe: async (ctx, id, payload) => {
        // The credential is checked again for every operation: an expired token gets 4403 even
        // if its expiry timer has not fired yet.
        const principal = ctx.extra.principal;
        if (principal?.expiresAt != null && principal.expiresAt <= Date.now()) {
          services.metrics.refuse('TOKEN_EXPIRED');
          closeAfterReply(ctx.extra.socket, 'token expired');
          return [clientError(ErrorCode.Unauthenticated, 'token expired')];
        }
        // An API key revoked without the revocation reaching this socket (revoked in the database
        // by another tool, or while Redis was down) is caught here. If the database cannot
        // answer, the key that was valid at connect keeps working: readiness reports the outage.
        if (principal?.kind === 'apiKey' && !(await services.apiKeys.isActive(principal.subject).catch(() => true))) {
          services.metrics.refuse('API_KEY_REVOKED');
          closeAfterReply(ctx.extra.socket, 'API key revoked');
          return [clientError(ErrorCode.Unauthenticated, 'API key revoked')];
        }
        services.presence.active(ctx.extra.socket);
        const operations = (ctx.extra.operations ??= new Set());
        if (operations.size >= config.limits.sockets.subscriptionsPerSocket) {
          services.metrics.refuse(ErrorCode.TooManySubscriptions);
          return [clientError(ErrorCode.TooManySubscriptions, `at most ${config.limits.sockets.subscriptionsPerSocket} operations at once on one socket`)];
        }
        operations.add(id);
        // APQ over graphql-ws: a `subscribe` may name a persisted document by hash (server/apq.ts).
        let query = payload.query;
        if (services.persistedQueries) {
          const resolved = await resolvePersisted(services.persistedQueries, payload);
          if ('error' in resolved) {
            services.metrics.refuse(String(resolved.error.extensions.code));
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
    config.wsKeepAliveMs,
  );

  return {
    sockets: () => wss.clients.size,
    async close() {
      // Staggered (DRAIN_BATCH_SIZE every DRAIN_BATCH_INTERVAL_MS) so clients reconnect elsewhere gradually.
      await closeInBatches(wss.clients, config.drain);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await quota.stop();
    },
  };
}
