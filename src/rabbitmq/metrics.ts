/** Prometheus metrics of the RabbitMQ source, registered on the app's registry (served at /metrics). */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface RabbitMetrics {
  /** 1 while the consumer's connection is open and set up. */
  readonly connected: Gauge;
  /** Shards this instance consumes now. */
  readonly shardsOwned: Gauge;
  /** Consuming instances, as counted on the members queue at the last rebalance. */
  readonly instances: Gauge;
  /** Consumed messages by outcome: ingested, duplicate, dead_lettered. */
  readonly messages: Counter<'outcome'>;
  /** Messages the broker delivered again (after a crash, a dropped connection, a hand-over). */
  readonly redelivered: Counter;
  readonly deadLettered: Counter<'code'>;
  /** Messages whose merchant hashes to another shard than the queue they came from (a producer's mistake). */
  readonly misrouted: Counter;
  /** Events published by the intake: confirmed, or failed (refused, returned unroutable, timed out, connection down). */
  readonly published: Counter<'outcome'>;
  readonly reconnects: Counter<'connection'>;
}

export function createRabbitMetrics(registry: Registry): RabbitMetrics {
  const registers = [registry];
  return {
    connected: new Gauge({ name: 'paypulse_rabbitmq_consumer_connected', help: '1 while the RabbitMQ consumer connection is open and set up', registers }),
    shardsOwned: new Gauge({ name: 'paypulse_rabbitmq_shards_owned', help: 'RabbitMQ shard queues this instance consumes', registers }),
    instances: new Gauge({ name: 'paypulse_rabbitmq_consumer_instances', help: 'Consuming instances seen at the last rebalance', registers }),
    messages: new Counter({ name: 'paypulse_rabbitmq_messages_total', help: 'Consumed RabbitMQ messages by outcome (ingested, duplicate, dead_lettered)', labelNames: ['outcome'], registers }),
    redelivered: new Counter({ name: 'paypulse_rabbitmq_redelivered_total', help: 'RabbitMQ messages delivered again', registers }),
    deadLettered: new Counter({ name: 'paypulse_rabbitmq_dead_lettered_total', help: 'RabbitMQ messages dead-lettered, by error code', labelNames: ['code'], registers }),
    misrouted: new Counter({ name: 'paypulse_rabbitmq_misrouted_total', help: "RabbitMQ messages found on another shard than their merchant's", registers }),
    published: new Counter({ name: 'paypulse_rabbitmq_published_total', help: 'Events the intake published, by outcome (confirmed, failed)', labelNames: ['outcome'], registers }),
    reconnects: new Counter({ name: 'paypulse_rabbitmq_reconnects_total', help: 'RabbitMQ reconnections, by connection (consumer, publisher)', labelNames: ['connection'], registers }),
  };
}
