/** The kafkajs client for the configured brokers, logging through pino, and topic set-up. */
import { Kafka, logLevel as KafkaLogLevel, type logCreator } from 'kafkajs';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';

export type KafkaConfig = NonNullable<Config['kafka']>;

function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      const child = { kafka: extra };
      if (level === KafkaLogLevel.ERROR) logger.error(child, message);
      else if (level === KafkaLogLevel.WARN) logger.warn(child, message);
      else if (level === KafkaLogLevel.INFO) logger.debug(child, message);
      else logger.trace(child, message);
    };
}

export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    logLevel: KafkaLogLevel.INFO,
    logCreator: pinoLogCreator(logger.child({ component: 'kafka' })),
    retry: { initialRetryTime: 300, retries: 8 },
  });
}

/** Creates the event topic (with several partitions) and its dead-letter topic when missing. */
export async function ensureTopics(kafka: Kafka, config: KafkaConfig): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = [config.topic, config.dlqTopic]
      .filter((topic) => !existing.has(topic))
      .map((topic) => ({ topic, numPartitions: config.partitions, replicationFactor: -1 }));
    if (topics.length > 0) {
      try {
        await admin.createTopics({ topics, waitForLeaders: false });
      } catch (error) {
        // Another instance created it in between.
        if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS' && !/already exists/i.test(String(error))) throw error;
      }
    }
    await waitForLeaders(admin, [config.topic, config.dlqTopic]);
  } finally {
    await admin.disconnect();
  }
}

/** Metadata errors a broker answers while a new topic is still being set up. */
const SETTING_UP = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Waits until every partition of `topics` has a leader. kafkajs' own `waitForLeaders` gives up on
 * UNKNOWN_TOPIC_OR_PARTITION, which a busy broker answers for a moment after creating a topic.
 */
async function waitForLeaders(admin: ReturnType<Kafka['admin']>, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      if (found.length === topics.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (error) {
      if (!SETTING_UP.has((error as { type?: string }).type ?? '') || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
