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
  const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  await provision(kafka, topicSpecs({ replicationFactor: 1 }));
  // A fresh broker loads its transaction coordinator on the first idempotent producer, answering
  // "coordinator is loading" meanwhile: let this silent client take that, not a test's logging one.
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.disconnect();
}
