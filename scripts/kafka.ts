/**
 * `npm run kafka`: runs the local broker in the foreground until Ctrl-C.
 * `npm run kafka -- fetch`: only downloads the pinned Kafka jars (used by CI).
 */
import { ensureKafkaJars, KAFKA_VERSION, startBroker } from '../lib/local/broker';
import { devKafkaDataDir } from '../lib/local/dev-data';

async function main(): Promise<void> {
  if (process.argv[2] === 'fetch') {
    console.log(`Kafka ${KAFKA_VERSION} jars in ${ensureKafkaJars()}`);
    return;
  }
  const broker = await startBroker({ port: Number(process.env.KAFKA_PORT ?? 9092), dataDir: process.env.KAFKA_DATA_DIR ?? devKafkaDataDir() });
  console.log(`Kafka ${KAFKA_VERSION} ready at ${broker.brokers} (data in ${broker.dataDir}). Ctrl-C stops it.`);
  const stop = () => broker.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  setInterval(() => {}, 1 << 30);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
