/**
 * Prometheus metrics, one registry per app (tests run several apps in one process). Served at
 * `GET /metrics`. Every refusal at the edge (rate limit, size, depth, bad signature, …) is
 * counted once in `paypulse_refusals_total` with a `reason` label naming the error code.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** Requests, messages and sockets refused at the edge, by reason (the error or close code name). */
  readonly refusals: Counter<'reason'>;
  /** Events through the ingest pipeline by outcome (stored, duplicate, rejected). */
  readonly ingested: Counter<'status'>;
  /** Open graphql-ws sockets on this instance. */
  readonly sockets: Gauge;
  /** Active subscriptions on this instance, by transport. */
  readonly subscriptions: Gauge<'transport'>;
  /** Subscription cohorts running now (subscribers sharing one execution, src/edge/cohorts.ts). */
  readonly cohorts: Gauge;
  /** Results executed for cohorts, by root field: one per event per cohort, however many members it has. */
  readonly cohortExecutions: Counter<'field'>;
  /** GraphQL operations by type and outcome. */
  readonly operations: Counter<'type' | 'outcome'>;
  /** Time from an event's commit to its publish, in seconds. */
  readonly publishSeconds: Histogram;
  /** Notification deliveries by channel and outcome (sent, logged, retry, failed). */
  readonly notificationDeliveries: Counter<'channel' | 'outcome'>;
  /** Counts one refusal; `reason` is the `extensions.code` or close-code name the client saw. */
  refuse(reason: string): void;
  render(): Promise<{ contentType: string; body: string }>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'paypulse_' });
  const refusals = new Counter({ name: 'paypulse_refusals_total', help: 'Requests, messages and sockets refused at the edge, by reason', labelNames: ['reason'], registers: [registry] });
  return {
    registry,
    refusals,
    ingested: new Counter({ name: 'paypulse_ingested_events_total', help: 'Events through the ingest pipeline by outcome', labelNames: ['status'], registers: [registry] }),
    sockets: new Gauge({ name: 'paypulse_ws_sockets', help: 'Open graphql-ws sockets on this instance', registers: [registry] }),
    subscriptions: new Gauge({ name: 'paypulse_subscriptions_active', help: 'Active subscriptions on this instance by transport', labelNames: ['transport'], registers: [registry] }),
    cohorts: new Gauge({ name: 'paypulse_subscription_cohorts', help: 'Subscription cohorts (subscribers sharing one execution) on this instance', registers: [registry] }),
    cohortExecutions: new Counter({ name: 'paypulse_cohort_executions_total', help: 'Subscription results executed for cohorts by root field: one per event per cohort', labelNames: ['field'], registers: [registry] }),
    operations: new Counter({ name: 'paypulse_graphql_operations_total', help: 'GraphQL operations by type and outcome', labelNames: ['type', 'outcome'], registers: [registry] }),
    publishSeconds: new Histogram({
      name: 'paypulse_publish_seconds',
      help: 'Time from commit to publish of an ingested batch',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    notificationDeliveries: new Counter({
      name: 'paypulse_notification_deliveries_total',
      help: 'Notification delivery attempts by channel and outcome (sent, logged, retry, failed)',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    refuse: (reason) => refusals.inc({ reason }),
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
