/**
 * `npm run reset`: deletes the data of `npm run dev`, the local broker's (`.local/kafka`) and
 * Redis's (every key under the local stage's prefix) together, so topics start over empty and no
 * consumer state of their old records is left (lib/local/dev-data.ts). Stop `npm run dev` /
 * `npm run kafka` first. The broker's data goes first: should Redis fail after it, the next
 * `npm run dev` sees a new cluster and clears the Redis data itself.
 */
import { waitUntilReady } from '../lib/local/broker';
import { connectDevRedis, DEV_BROKERS, DEV_REDIS_PREFIX, devKafkaDataDir, resetDevData } from '../lib/local/dev-data';

async function main(): Promise<void> {
  if (process.env.KAFKA_BROKERS) {
    throw new Error(
      `KAFKA_BROKERS is set (${process.env.KAFKA_BROKERS}): that broker is not the one npm run dev manages, so reset will not touch it. Unset KAFKA_BROKERS to reset the local broker and Redis together.`,
    );
  }
  const running = await waitUntilReady(DEV_BROKERS, 1500).then(
    () => true,
    () => false,
  );
  if (running) throw new Error(`A Kafka broker is running at ${DEV_BROKERS}: stop npm run dev (or npm run kafka) first, then run npm run reset again.`);
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = await connectDevRedis(redisUrl);
  try {
    const dataDir = devKafkaDataDir();
    const { keys } = await resetDevData(redis, DEV_REDIS_PREFIX, dataDir);
    console.log(`Reset: deleted ${dataDir} and ${keys} Redis keys under "${DEV_REDIS_PREFIX}" at ${redisUrl}. npm run dev starts from empty topics.`);
  } finally {
    redis.disconnect();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
