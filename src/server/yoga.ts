import { GraphQLError } from 'graphql';
import { createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from '../config.js';
import { createCohorts } from '../edge/cohorts.js';
import { useEdge } from '../edge/plugin.js';
import type { Logger } from '../lib/logger.js';
import { schema } from '../schema/index.js';
import type { GraphQLContext } from '../schema/builder.js';
import type { Domain } from '../domain.js';
import type { Infrastructure } from '../infrastructure.js';
import { usePersistedQueries } from './apq.js';
import { createCallerResolver, createContextFactory, type AuthDeps, type SocketInitialContext } from './context.js';
import { createGraphiQLRenderer, graphiqlOptions } from './graphiql.js';
import { createErrorMasking } from './plugins/error-masking.js';
import { useHttpSubscriptions } from './plugins/http-subscriptions.js';
import { useOperationMetrics } from './plugins/operation-metrics.js';
import { usePhaseMetrics } from './plugins/phase-metrics.js';
import { useQueryLimits } from './plugins/query-limits.js';
import { useRateLimit } from './plugins/rate-limit.js';
import { useRequestGuards } from './plugins/request-guards.js';
import { useSchemaExposure } from './plugins/schema-exposure.js';
import { useGraphQLSSESingleConnection } from './plugins/sse-single-connection.js';
import { useStorableInput } from './plugins/storable-input.js';
import { loadTrustedDocuments, useTrustedDocuments } from './plugins/trusted-documents.js';
import { slowConsumerError } from './backpressure.js';
import { ErrorCode } from '../schema/errors.js';
import { asUnavailable } from './unavailable.js';

export const GRAPHQL_PATH = '/graphql';

export type PaypulseYoga = YogaServerInstance<Partial<SocketInitialContext>, GraphQLContext>;

export interface YogaServerOptions {
  /** GraphiQL's Headers tab on a fresh page (the demo merchant's token in embedded mode). */
  graphiqlHeaders?: () => Record<string, string> | undefined;
}

/** What the HTTP adapter needs: the domain for the context, and the infrastructure of its plugins. */
export type YogaDeps = Pick<Infrastructure, 'config' | 'logger' | 'metrics' | 'rateLimiter' | 'persistedQueries' | 'edge'> & {
  domain: Domain;
  auth: AuthDeps;
};

export function createYogaServer(deps: YogaDeps, options: YogaServerOptions = {}): PaypulseYoga {
  const { config, logger, metrics, rateLimiter, persistedQueries, edge } = deps;
  // Read once at start: a missing or broken manifest stops the server instead of refusing everything.
  const trusted = config.limits.trustedDocuments ? loadTrustedDocuments(config.limits.trustedDocuments) : undefined;
  const { exposure } = config;
  const callers = createCallerResolver(deps.auth);
  const log = yogaLogger(logger);
  // Internal error text (and a parser's own error, which Yoga attaches as
  // `extensions.originalError` even when masking) reaches clients only with ERROR_DETAILS;
  // errors made with clientError always do. Masked by the plugin, not by Yoga (error-masking.ts).
  const masking = createErrorMasking({
    mask: (error, message) => maskFor(error, message, exposure.errorDetails, exposure.errorDetails),
    logMasked: (error) => log.error(error),
    sharedByCohort: (args) => cohorts.shares(args),
  });
  // Subscribers of one operation, variables and scope share one execution per event (edge/cohorts.ts).
  const cohorts = createCohorts({
    metrics,
    maxQueued: config.limits.subscription.maxQueued,
    overflowError: () => {
      metrics.refuse(ErrorCode.SlowConsumer);
      return slowConsumerError(undefined);
    },
    maskResult: masking.result,
    maskError: masking.error,
  });
  return createYoga<Partial<SocketInitialContext>, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    context: createContextFactory(deps.domain, callers),
    cors: corsFor(exposure.corsOrigins),
    plugins: [
      ...(trusted ? [useTrustedDocuments(trusted, metrics)] : []),
      // Apollo's automatic persisted queries (server/apq.ts); never beside trusted documents.
      ...(persistedQueries && !trusted ? [usePersistedQueries(persistedQueries, metrics)] : []),
      useRequestGuards(metrics),
      // graphql-sse's single connection mode (PUT reservations) on the same path.
      useGraphQLSSESingleConnection({ config, logger, metrics, persistedQueries, edge, auth: deps.auth }, GRAPHQL_PATH),
      useQueryLimits(config.limits.query, metrics),
      useStorableInput(metrics),
      useSchemaExposure({ exposure, callers, metrics }),
      useRateLimit({ limiter: rateLimiter, ...config.limits.rate, metrics }),
      useOperationMetrics(metrics),
      usePhaseMetrics(metrics),
      // The edge for SSE and multipart streams (src/edge); the multipart writer comes after it.
      useEdge({ edge, callers, metrics, maxSessionsPerCredential: config.limits.sockets.perCredential }),
      useHttpSubscriptions({ heartbeatMs: config.subscriptions.multipartHeartbeatMs }),
      // After the plugins that change results; it asks the cohorts which subscriptions they mask.
      masking.plugin,
      // Last: it shares whatever `subscribe` the plugins before it chose.
      cohorts.plugin,
    ],
    landingPage: false,
    // Validation is cached by useQueryLimits (whose limits depend on variables); parse errors are
    // not cached, so every refused document is counted in paypulse_refusals_total.
    parserAndValidationCache: { validationCache: false, errorCache: { get: () => undefined, set: () => {} } },
    logging: log,
    // The body limit is http.ts's (MAX_BODY_BYTES, by Content-Length and by counting chunked
    // bodies, before Yoga reads a byte): Yoga's own would pipe every body through one more stream.
    maxRequestBodySize: false,
    // Masked by masking.plugin instead: Yoga's plugin wraps every subscriber's stream twice.
    maskedErrors: false,
    // Served from the package (no CDN); see graphiql.ts for why subscriptions go over SSE.
    graphiql: exposure.graphiql ? () => graphiqlOptions({ headers: options.graphiqlHeaders ?? (() => undefined) }) : false,
    renderGraphiQL: createGraphiQLRenderer(),
  });
}

/**
 * CORS from an allowlist. The API authenticates with headers (Authorization, x-api-key), never
 * cookies, so `Access-Control-Allow-Credentials` is never sent; an origin not on the list gets no
 * CORS headers at all (the browser then refuses the response to it).
 */
function corsFor(origins: Config['exposure']['corsOrigins']) {
  const any = origins.includes('*');
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !(any || origins.includes(origin))) return false;
    return { origin: [origin], credentials: false, maxAge: 600 };
  };
}

function maskFor(error: unknown, message: string, isDev: boolean | undefined, details: boolean): Error {
  const unavailable = asUnavailable(error);
  if (unavailable) return unavailable;
  const masked = maskError(error, message, isDev);
  if (details || !(masked instanceof GraphQLError) || masked.extensions?.originalError === undefined) return masked;
  const { originalError: _dropped, ...extensions } = masked.extensions;
  return new GraphQLError(masked.message, { nodes: masked.nodes, source: masked.source, positions: masked.positions, path: masked.path, originalError: masked.originalError, extensions });
}

function yogaLogger(logger: Logger) {
  const child = logger.child({ component: 'yoga' });
  return {
    debug: (...args: unknown[]) => child.debug(args.map(String).join(' ')),
    info: (...args: unknown[]) => child.info(args.map(String).join(' ')),
    warn: (...args: unknown[]) => child.warn(args.map(String).join(' ')),
    error: (...args: unknown[]) => {
      const err = args.find((a) => a instanceof Error);
      child.error({ err }, args.filter((a) => !(a instanceof Error)).map(String).join(' ') || 'error');
    },
  };
}
