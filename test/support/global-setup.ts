/**
 * Integration tier setup, once per run: checks the prerequisites, starts the run's own Kafka broker
 * (free ports, temp data dir) and creates the catalog's topics, and gives the run its own Redis
 * prefix. Nothing a run writes can reach a `npm run dev` system: a `KAFKA_BROKERS` or
 * `REDIS_PREFIX` inherited from the shell is replaced, and `serverless offline` children inherit
 * the run's values (serverless.yml reads both from the environment on the local stage).
 * `TEST_KAFKA_BROKERS` reuses a broker instead, for a faster loop: give it one no dev system uses.
 */
import { Kafka, logLevel } from 'kafkajs';
import { provision, topicSpecs } from '../../lib/kafka/topics';
import { type RunningBroker, startBroker } from '../../lib/local/broker';
import { exitIfPrerequisitesMissing } from './prerequisites';

declare global {
  var __TEST_BROKER__: RunningBroker | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  await exitIfPrerequisitesMissing();
  process.env.REDIS_PREFIX = `test:${process.pid}:${Date.now()}:`;
  process.env.LOG_LEVEL ??= 'SILENT';
  // EMF lines go to stdout: a quiet run keeps them off (test/telemetry/metrics.test.ts turns them on for itself).
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const reuse = process.env.TEST_KAFKA_BROKERS;
  if (reuse) {
    process.env.KAFKA_BROKERS = reuse;
  } else {
    const broker = await startBroker();
    globalThis.__TEST_BROKER__ = broker;
    process.env.KAFKA_BROKERS = broker.brokers;
  }
  const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  await provision(kafka, topicSpecs({ replicationFactor: 1 }));
  // A fresh broker loads its transaction coordinator on the first idempotent producer, answering
  // "coordinator is loading" meanwhile: let this silent client take that, not a test's logging one.
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.disconnect();
  process.stderr.write(`Integration setup: broker ${process.env.KAFKA_BROKERS}, Redis prefix ${process.env.REDIS_PREFIX} (${Date.now() - started} ms)\n`);
}
