/**
 * One Redis connection per container, shared by every store. While Redis is down a command waits
 * in the offline queue for one reconnect attempt at most (maxRetriesPerRequest 1), then fails, so
 * a consumer reports its records as failed instead of hanging.
 */
import Redis, { type RedisOptions } from 'ioredis';
import { type Config, config } from '../config';
import { elastiCacheIamToken, TokenPasswordRedis } from './redis-iam';

let client: Redis | undefined;

export function redis(): Redis {
  if (client) return client;
  const settings = config();
  const options: RedisOptions = {
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 3000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
  client = settings.REDIS_AUTH === 'iam' ? iamClient(settings, options) : new Redis(settings.REDIS_URL, options);
  return client;
}

/**
 * On AWS (REDIS_AUTH=iam): connects as the ElastiCache user with a fresh IAM token as password for
 * every connection, signed with the function's role credentials. Nothing secret is configured.
 */
function iamClient(settings: Config, options: RedisOptions): Redis {
  const { REDIS_USER: userId, REDIS_CACHE_NAME: cacheName } = settings;
  if (!userId || !cacheName) throw new Error('REDIS_AUTH=iam needs REDIS_USER and REDIS_CACHE_NAME');
  if (!settings.REDIS_URL.startsWith('rediss://')) throw new Error('REDIS_AUTH=iam needs a rediss:// REDIS_URL (ElastiCache IAM authentication requires TLS)');
  return new TokenPasswordRedis(settings.REDIS_URL, { ...options, username: userId }, async () => {
    // Provided by the Lambda runtime (not bundled); memoized, refreshed before expiry.
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    credentials ??= defaultProvider();
    return elastiCacheIamToken({ userId, cacheName, serverless: settings.REDIS_SERVERLESS === 'true', region: settings.AWS_REGION, credentials });
  });
}

let credentials: ReturnType<typeof import('@aws-sdk/credential-provider-node').defaultProvider> | undefined;

/** Key prefix of this stage / test run. */
export function keyPrefix(): string {
  return config().REDIS_PREFIX;
}

export async function closeRedis(): Promise<void> {
  const current = client;
  client = undefined;
  if (current) await current.quit().catch(() => current.disconnect());
}
