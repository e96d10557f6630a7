/**
 * One Redis connection per container, shared by every store. While Redis is down a command waits
 * in the offline queue for one reconnect attempt at most (maxRetriesPerRequest 1), then fails, so
 * a consumer reports its records as failed instead of hanging.
 */
import Redis from 'ioredis';
import { config } from '../config';

let client: Redis | undefined;

export function redis(): Redis {
  client ??= new Redis(config().REDIS_URL, {
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 3000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  return client;
}

/** Key prefix of this stage / test run. */
export function keyPrefix(): string {
  return config().REDIS_PREFIX;
}

export async function closeRedis(): Promise<void> {
  const current = client;
  client = undefined;
  if (current) await current.quit().catch(() => current.disconnect());
}
