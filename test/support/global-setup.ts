/**
 * Starts one real Kafka broker for the whole test run (free ports, temp data dir) and creates the
 * catalog's topics, unless KAFKA_BROKERS points at a broker already. Redis keys of the run get
 * their own prefix so runs never see each other's data.
 */
import { Kafka, logLevel } from 'kafkajs';
import { provision, topicSpecs } from '../../lib/kafka/topics';
import { type RunningBroker, startBroker } from '../../lib/local/broker';

declare global {
  var __TEST_BROKER__: RunningBroker | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (!process.env.KAFKA_BROKERS) {
    const broker = await startBroker();
    globalThis.__TEST_BROKER__ = broker;
    process.env.KAFKA_BROKERS = broker.brokers;
  }
  process.env.REDIS_PREFIX ??= `test:${process.pid}:${Date.now()}:`;
  process.env.LOG_LEVEL ??= 'SILENT';
  await provision(new Kafka({ brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }), topicSpecs({ replicationFactor: 1 }));
}
