/**
 * The dev data pairing and reset (lib/local/dev-data.ts) against the real Redis and the test
 * broker's cluster id. Never the dev prefix: each test works under its own prefix inside the run's.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { clearRedisPrefix, pairWithBroker, pairWithCluster, resetDevData } from '../../lib/local/dev-data';
import { testKafka } from '../support/kafka';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
let clusterId: string;

beforeAll(async () => {
  const admin = testKafka().admin();
  await admin.connect();
  clusterId = (await admin.describeCluster()).clusterId;
  await admin.disconnect();
});

afterAll(async () => {
  await redis.quit();
});

const scope = () => `${process.env.REDIS_PREFIX}dev-data-${randomUUID().slice(0, 8)}:`;

describe('clearRedisPrefix', () => {
  it('deletes every key under the prefix and nothing else, reading glob characters literally', async () => {
    const base = scope();
    const prefix = `${base}x[1]*:`;
    const keys = Array.from({ length: 2500 }, (_, i) => `${prefix}k${i}`);
    await redis.mset(...keys.flatMap((k) => [k, '1']));
    await redis.set(`${base}x1:other`, 'kept');
    await redis.set(`${base}x[1]*-sibling`, 'kept');
    expect(await clearRedisPrefix(redis, prefix)).toBe(keys.length);
    expect(await redis.exists(...keys)).toBe(0);
    expect(await redis.mget(`${base}x1:other`, `${base}x[1]*-sibling`)).toEqual(['kept', 'kept']);
    await redis.del(`${base}x1:other`, `${base}x[1]*-sibling`);
  });
});

describe('pairWithCluster', () => {
  it('stamps empty data, keeps data of the same cluster, clears data of another cluster', async () => {
    const prefix = scope();
    expect(await pairWithCluster(redis, prefix, clusterId, { brokerIsNew: true })).toEqual({ status: 'new', cleared: 0 });
    await redis.set(`${prefix}applied:page-views:e-1`, '1');
    expect(await pairWithCluster(redis, prefix, clusterId, { brokerIsNew: false })).toEqual({ status: 'same', cleared: 0, previous: clusterId });
    expect(await redis.get(`${prefix}applied:page-views:e-1`)).toBe('1');

    const reset = randomUUID(); // a broker whose data was reset gets another cluster id
    expect(await pairWithCluster(redis, prefix, reset, { brokerIsNew: true })).toEqual({ status: 'cleared', cleared: 2, previous: clusterId });
    expect(await redis.exists(`${prefix}applied:page-views:e-1`)).toBe(0);
    expect(await pairWithCluster(redis, prefix, reset, { brokerIsNew: false })).toMatchObject({ status: 'same' });
    await clearRedisPrefix(redis, prefix);
  });

  it('unstamped data (written before stamps) is cleared next to a new broker and kept next to one that kept its data', async () => {
    const fresh = scope();
    await redis.set(`${fresh}analytics:page-views`, '1');
    expect(await pairWithCluster(redis, fresh, clusterId, { brokerIsNew: true })).toEqual({ status: 'cleared', cleared: 1 });
    expect(await redis.exists(`${fresh}analytics:page-views`)).toBe(0);

    const kept = scope();
    await redis.set(`${kept}analytics:page-views`, '1');
    expect(await pairWithCluster(redis, kept, clusterId, { brokerIsNew: false })).toEqual({ status: 'adopted', cleared: 0 });
    expect(await redis.get(`${kept}analytics:page-views`)).toBe('1');
    expect(await pairWithCluster(redis, kept, clusterId, { brokerIsNew: false })).toMatchObject({ status: 'same' });
    await clearRedisPrefix(redis, fresh);
    await clearRedisPrefix(redis, kept);
  });
});

describe('pairWithBroker', () => {
  it('stamps the data with the cluster id the broker reports, and clears data stamped by another cluster', async () => {
    const prefix = scope();
    await redis.set(`${prefix}kafka-cluster-id`, 'a-deleted-cluster');
    await redis.set(`${prefix}applied:page-views:e-1`, '1');
    expect(await pairWithBroker(redis, testKafka(), prefix, false)).toEqual({ status: 'cleared', cleared: 2, previous: 'a-deleted-cluster', clusterId });
    expect(await redis.get(`${prefix}kafka-cluster-id`)).toBe(clusterId);
    expect(await redis.exists(`${prefix}applied:page-views:e-1`)).toBe(0);
    await clearRedisPrefix(redis, prefix);
  });
});

describe('resetDevData', () => {
  it('removes the broker data directory and the Redis data together', async () => {
    const prefix = scope();
    const dataDir = join(mkdtempSync(join(tmpdir(), 'dev-data-')), 'kafka');
    mkdirSync(join(dataDir, 'logs'), { recursive: true });
    writeFileSync(join(dataDir, 'logs', 'meta.properties'), 'cluster.id=x\n');
    await redis.set(`${prefix}applied:g:e`, '1');
    await redis.set(`${prefix}kafka-cluster-id`, clusterId);
    expect(await resetDevData(redis, prefix, dataDir)).toEqual({ keys: 2 });
    expect(existsSync(dataDir)).toBe(false);
    expect(await redis.exists(`${prefix}applied:g:e`, `${prefix}kafka-cluster-id`)).toBe(0);
  });
});
