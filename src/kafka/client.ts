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
        await admin.createTopics({ topics, waitForLeaders: true });
      } catch (error) {
        // Another instance created it in between.
        if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS' && !/already exists/i.test(String(error))) throw error;
      }
    }
  } finally {
    await admin.disconnect();
  }
}
