import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from '../lib/logger.js';
import { schema } from '../schema/index.js';
import type { GraphQLContext } from '../schema/builder.js';
import type { Services } from '../services.js';
import { createContextFactory, type SocketInitialContext } from './context.js';
import { createGraphiQLRenderer, graphiqlOptions } from './graphiql.js';
import { usePersistedQueries } from './apq.js';
import { useHttpSubscriptions } from './plugins/http-subscriptions.js';
import { useOperationMetrics } from './plugins/operation-metrics.js';
import { useQueryLimits } from './plugins/query-limits.js';
import { useRateLimit } from './plugins/rate-limit.js';
import { useRequestGuards } from './plugins/request-guards.js';
import { useGraphQLSSESingleConnection } from './plugins/sse-single-connection.js';
import { useStorableInput } from './plugins/storable-input.js';
import { loadTrustedDocuments, useTrustedDocuments } from './plugins/trusted-documents.js';

export const GRAPHQL_PATH = '/graphql';

export type PaypulseYoga = YogaServerInstance<Partial<SocketInitialContext>, GraphQLContext>;

export interface YogaServerOptions {
  /** GraphiQL's Headers tab on a fresh page (the demo merchant's token in embedded mode). */
  graphiqlHeaders?: () => Record<string, string> | undefined;
}

export function createYogaServer(services: Services, options: YogaServerOptions = {}): PaypulseYoga {
  // Read once at start: a missing or broken manifest stops the server instead of refusing everything.
  const trusted = services.config.limits.trustedDocuments ? loadTrustedDocuments(services.config.limits.trustedDocuments) : undefined;
  return createYoga<Partial<SocketInitialContext>, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    context: createContextFactory(services),
    plugins: [
      ...(trusted ? [useTrustedDocuments(trusted, services.metrics)] : []),
      // Apollo's automatic persisted queries (server/apq.ts); never beside trusted documents.
      ...(services.persistedQueries && !trusted ? [usePersistedQueries(services.persistedQueries, services.metrics)] : []),
      useRequestGuards(services.metrics),
      // graphql-sse's single connection mode (PUT reservations) on the same path.
      useGraphQLSSESingleConnection(services, GRAPHQL_PATH),
      useQueryLimits(services.config.limits.query, services.metrics),
      useStorableInput(services.metrics),
      useRateLimit({ limiter: services.rateLimiter, ...services.config.limits.rate, metrics: services.metrics }),
      useOperationMetrics(services.metrics),
      useHttpSubscriptions({ metrics: services.metrics, logger: services.logger, heartbeatMs: services.config.subscriptions.multipartHeartbeatMs }),
    ],
    landingPage: false,
    // Validation is cached by useQueryLimits (whose limits depend on variables); parse errors are
    // not cached, so every refused document is counted in paypulse_refusals_total.
    parserAndValidationCache: { validationCache: false, errorCache: { get: () => undefined, set: () => {} } },
    logging: yogaLogger(services.logger),
    // Internal error text never reaches clients in production; errors made with clientError do.
    maskedErrors: { isDev: services.config.env !== 'production' },
    // Served from the package (no CDN); see graphiql.ts for why subscriptions go over SSE.
    graphiql: () => graphiqlOptions({ headers: options.graphiqlHeaders ?? (() => undefined) }),
    renderGraphiQL: createGraphiQLRenderer(),
  });
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
