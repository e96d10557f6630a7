/**
 * The data of `npm run dev`: the local broker's log directory and the Redis keys under the local
 * stage's prefix. They only make sense together: Redis holds what the consumers applied
 * (markers, counters, order steps) of the records in that broker's topics. Redis kept while the
 * broker's data is new (a fresh clone, a deleted `.local/kafka`) shows counts of records that no
 * longer exist, and markers of records that do not exist yet.
 *
 * So both are reset together (`npm run reset`, {@link resetDevData}), and `npm run dev` pairs
 * Redis with the broker's cluster id ({@link pairWithCluster}): Redis data written against
 * another cluster is cleared before the triggers start.
 *
 * @example
 * await pairWithCluster(redis, DEV_REDIS_PREFIX, clusterId, { brokerIsNew: true }); // { status: 'cleared', cleared: 812 }
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import Redis from 'ioredis';
import type { Kafka } from 'kafkajs';

/** Where `npm run dev` and `npm run kafka` run the local broker. */
export const DEV_BROKERS = '127.0.0.1:9092';

/** Where they keep its data, relative to the project (git-ignored). */
export const DEV_KAFKA_DATA_DIR = '.local/kafka';

/** {@link DEV_KAFKA_DATA_DIR} as an absolute path. */
export function devKafkaDataDir(): string {
  return resolve(__dirname, '../..', DEV_KAFKA_DATA_DIR);
}

/**
 * The Redis key prefix serverless.yml gives the `local` stage (`${self:service}:${sls:stage}:`);
 * test/local/dev-data.unit.test.ts checks the two agree.
 */
export const DEV_REDIS_PREFIX = 'kafka-lambda-system:local:';

/** Connects to the Redis of `npm run dev` (`REDIS_URL`, default 127.0.0.1:6379), failing at once with how to start one. */
export async function connectDevRedis(url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch {
    client.disconnect();
    throw new Error(`Redis is not reachable at ${url}. Start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`);
  }
}

/** Key (under the prefix) holding the id of the Kafka cluster the prefix's data belongs to. */
const CLUSTER_STAMP = 'kafka-cluster-id';

/** A SCAN MATCH pattern for keys starting with `prefix` (glob characters in it taken literally). */
function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\*?[\]]/g, '\\$&')}*`;
}

/** Deletes every key under `prefix` (SCAN + UNLINK, never KEYS). Resolves how many were deleted. */
export async function clearRedisPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', prefixPattern(prefix), 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

async function hasKeys(redis: Redis, prefix: string): Promise<boolean> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', prefixPattern(prefix), 'COUNT', 1000);
    if (keys.length > 0) return true;
    cursor = next;
  } while (cursor !== '0');
  return false;
}

export interface Pairing {
  /**
   * `same`: the data belongs to this cluster. `new`: there was none. `adopted`: data without a
   * stamp (written before stamps existed) next to a broker that kept its data: kept. `cleared`:
   * the data belonged to another cluster, or had no stamp while the broker's data is new.
   */
  status: 'same' | 'new' | 'adopted' | 'cleared';
  /** Keys deleted. */
  cleared: number;
  /** The cluster the data belonged to, when it said. */
  previous?: string;
}

/**
 * Makes the Redis data under `prefix` belong to Kafka cluster `clusterId`: clears it when it was
 * written against another cluster (or, unstamped, when `brokerIsNew`), then stamps it.
 */
export async function pairWithCluster(redis: Redis, prefix: string, clusterId: string, options: { brokerIsNew: boolean }): Promise<Pairing> {
  const stampKey = `${prefix}${CLUSTER_STAMP}`;
  const previous = (await redis.get(stampKey)) ?? undefined;
  if (previous === clusterId) return { status: 'same', cleared: 0, previous };
  let pairing: Pairing;
  if (previous === undefined && !(await hasKeys(redis, prefix))) pairing = { status: 'new', cleared: 0 };
  else if (previous === undefined && !options.brokerIsNew) pairing = { status: 'adopted', cleared: 0 };
  else pairing = { status: 'cleared', cleared: await clearRedisPrefix(redis, prefix), ...(previous === undefined ? {} : { previous }) };
  await redis.set(stampKey, clusterId);
  return pairing;
}

/**
 * Pairs the Redis data under `prefix` with the cluster `kafka` reaches ({@link pairWithCluster}).
 * `brokerIsNew`: the broker's storage was formatted just now.
 */
export async function pairWithBroker(redis: Redis, kafka: Kafka, prefix: string, brokerIsNew: boolean): Promise<Pairing & { clusterId: string }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { clusterId } = await admin.describeCluster();
    return { ...(await pairWithCluster(redis, prefix, clusterId, { brokerIsNew })), clusterId };
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the broker's data directory and every Redis key under `prefix`. The broker must not be running. */
export async function resetDevData(redis: Redis, prefix: string, dataDir: string): Promise<{ keys: number }> {
  rmSync(dataDir, { recursive: true, force: true });
  return { keys: await clearRedisPrefix(redis, prefix) };
}
