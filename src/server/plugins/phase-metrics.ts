/**
 * Per-phase GraphQL timings from `@graphql-yoga/plugin-prometheus` (the library's own metric
 * names, so its published dashboards work), on the app's registry: served at /metrics by
 * src/server/http.ts, so the plugin's endpoint is off.
 * - `graphql_envelop_phase_{parse,validate,context,execute}` histograms by `operationType`;
 * - `graphql_envelop_request_duration` (parse to execute) for queries and mutations;
 * - `graphql_envelop_error_result{phase}` for errors in parse, validate, context and execute;
 * - `graphql_yoga_http_duration{method,statusCode}` for HTTP requests.
 *
 * Left off on purpose:
 * - every label a caller chooses (the operation name, the URL, the error path), so no request
 *   can add a time series; what stays is bounded by the schema or by HTTP;
 * - the subscribe phase: the plugin measures it by wrapping every subscription's stream, one
 *   more async hop per delivered message on the fan-out path (issue 18). Streams are counted by
 *   `paypulse_subscriptions_active{transport}` and `paypulse_graphql_operations_total`.
 * - the request counter (`paypulse_graphql_operations_total{type,outcome}` in
 *   operation-metrics.ts stays: the plugin's counter has no outcome), the summary, schema
 *   changes and deprecated-field counts (a document walk per parse, for a schema with no
 *   deprecated field).
 */
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../../lib/metrics.js';

export function usePhaseMetrics(metrics: Metrics): Plugin {
  return usePrometheus({
    registry: metrics.registry,
    endpoint: false,
    labels: { operationName: false, url: false, path: false },
    metrics: {
      graphql_envelop_request: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_schema_change: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_request_duration: ['execute'],
      graphql_envelop_phase_parse: true,
      graphql_envelop_phase_validate: true,
      graphql_envelop_phase_context: true,
      graphql_envelop_phase_execute: true,
      graphql_envelop_error_result: ['parse', 'validate', 'context', 'execute'],
      graphql_yoga_http_duration: true,
    },
  });
}
