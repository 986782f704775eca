/**
 * One AMQP connection kept open: connected at start (a few tries, then start fails, as the Kafka
 * client does), and reconnected with backoff and jitter for as long as it takes whenever the
 * broker, the network or an operator (`rabbitmqctl close_connection`) drops it. The publisher and
 * the consumer each have their own link, as RabbitMQ recommends (flow control blocks a publishing
 * connection; it must not stall acknowledgements).
 */
import amqp, { type ChannelModel } from 'amqplib';
import { backoffDelay, type BackoffPolicy } from '../lib/backoff.js';
import type { Logger } from '../lib/logger.js';

export interface RabbitLink {
  start(): Promise<void>;
  /** Stops reconnecting and closes the connection (after `beforeClose`, if given). */
  stop(beforeClose?: (conn: ChannelModel) => Promise<void>): Promise<void>;
  /** The open, set-up connection; undefined while (re)connecting. */
  current(): ChannelModel | undefined;
}

export interface RabbitLinkOptions {
  url: string;
  /** Shown in the broker's connection list (`rabbitmqctl list_connections client_properties`). */
  name: string;
  logger: Logger;
  backoff: BackoffPolicy;
  /** Set-up on every new connection (channels, topology). A throw closes it and tries again. */
  onOpen(conn: ChannelModel): Promise<void>;
  /** The connection `onOpen` set up is gone (called once per connection). */
  onLost(conn: ChannelModel): void;
  onReconnect?(): void;
  /** Connection attempts `start()` makes before it fails. @default 5 */
  startAttempts?: number;
}

/** Heartbeats every 10 s unless the URL says otherwise: a silent peer is noticed within ~20 s. */
export function withHeartbeat(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', '10');
  return parsed.toString();
}

/** The broker's address without credentials, for logs. */
export function brokerAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

export function createRabbitLink(options: RabbitLinkOptions): RabbitLink {
  const logger = options.logger.child({ broker: brokerAddress(options.url), connection: options.name });
  let current: ChannelModel | undefined;
  let stopping = false;
  let reconnecting: Promise<void> | undefined;
  let wakeSleeper: (() => void) | undefined;

  async function open(): Promise<void> {
    const conn = await amqp.connect(withHeartbeat(options.url), { timeout: 10_000, clientProperties: { connection_name: options.name } });
    let settingUp = true;
    let gone = false;
    conn.on('error', (err: Error) => logger.warn({ err }, 'RabbitMQ connection error'));
    conn.on('close', (err?: Error) => {
      if (gone) return;
      gone = true;
      if (current === conn) current = undefined;
      // A failure during set-up is handled (and retried) by whoever awaited open().
      if (settingUp) return;
      if (stopping) logger.info('RabbitMQ connection closed');
      else logger.warn({ err }, 'RabbitMQ connection lost');
      options.onLost(conn);
      if (!stopping) void reconnect();
    });
    try {
      await options.onOpen(conn);
    } catch (error) {
      gone = true;
      await conn.close().catch(() => {});
      throw error;
    }
    settingUp = false;
    if (gone) {
      // Dropped right after set-up: treat as lost.
      options.onLost(conn);
      throw new Error('RabbitMQ connection closed during set-up');
    }
    current = conn;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeSleeper = undefined;
        resolve();
      }
      wakeSleeper = done;
    });
  }

  function reconnect(): Promise<void> {
    reconnecting ??= (async () => {
      let attempt = 0;
      while (!stopping && !current) {
        attempt += 1;
        await sleep(backoffDelay(attempt, options.backoff));
        if (stopping) break;
        try {
          await open();
          options.onReconnect?.();
          logger.info({ attempts: attempt }, 'RabbitMQ reconnected');
        } catch (err) {
          logger.warn({ err, attempt }, 'RabbitMQ reconnect failed; retrying');
        }
      }
    })().finally(() => {
      reconnecting = undefined;
    });
    return reconnecting;
  }

  return {
    async start() {
      const attempts = options.startAttempts ?? 5;
      for (let attempt = 1; ; attempt++) {
        try {
          await open();
          logger.info('RabbitMQ connected');
          return;
        } catch (error) {
          if (attempt >= attempts) throw error;
          logger.warn({ err: error, attempt }, 'RabbitMQ connect failed; retrying');
          await sleep(backoffDelay(attempt, options.backoff));
        }
      }
    },
    async stop(beforeClose) {
      stopping = true;
      wakeSleeper?.();
      await reconnecting;
      const conn = current;
      if (!conn) return;
      if (beforeClose) await beforeClose(conn).catch((err: unknown) => logger.warn({ err }, 'RabbitMQ shutdown step failed'));
      current = undefined;
      await conn.close().catch(() => {});
    },
    current: () => current,
  };
}

/** AMQP reply codes this module tells apart. */
export const ReplyCode = {
  /** Another connection holds the exclusive queue. */
  ResourceLocked: 405,
  NotFound: 404,
  PreconditionFailed: 406,
} as const;

export function replyCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}
