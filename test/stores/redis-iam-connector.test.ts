/**
 * The token-password client against the real local Redis: a fresh password is taken for every
 * connection attempt, so a reconnect (ElastiCache closes IAM connections after 12 hours, tokens
 * expire after 15 minutes) authenticates with a new token. The ACL user stands in for an
 * IAM-enabled ElastiCache user; its password is the "token" the test hands out.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { TokenPasswordRedis } from '../../lib/stores/redis-iam';

const URL = 'redis://127.0.0.1:6379';
const user = `iam-test-${randomUUID().slice(0, 8)}`;
const prefix = process.env.REDIS_PREFIX ?? 'test:';
let admin: Redis;

beforeAll(async () => {
  admin = new Redis(URL);
  await admin.call('ACL', 'SETUSER', user, 'on', '>token-1', '>token-2', `~${prefix}*`, '+@all');
});

afterAll(async () => {
  await admin.call('ACL', 'DELUSER', user);
  await admin.quit();
});

test('signs a password for each connection attempt and authenticates with it', async () => {
  const handedOut: string[] = [];
  const tokens = ['token-1', 'token-2'];
  const client = new TokenPasswordRedis(URL, { username: user, lazyConnect: true }, async () => {
    const token = tokens[handedOut.length] ?? 'expired';
    handedOut.push(token);
    return token;
  });
  try {
    await client.connect();
    expect(await client.call('ACL', 'WHOAMI')).toBe(user);
    await client.set(`${prefix}iam:${user}`, '1', 'EX', 60);
    // A reconnect (as after ElastiCache's 12-hour cut-off) takes a new token.
    const reconnected = new Promise((resolve) => client.once('ready', resolve));
    client.disconnect(true);
    await reconnected;
    expect(await client.call('ACL', 'WHOAMI')).toBe(user);
    expect(handedOut).toEqual(['token-1', 'token-2']);
  } finally {
    client.disconnect();
  }
});

test('a connection with a refused token fails to authenticate', async () => {
  const client = new TokenPasswordRedis(
    URL,
    { username: user, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null },
    async () => 'not-a-valid-token',
  );
  const errors: string[] = [];
  client.on('error', (error: Error) => errors.push(error.message));
  try {
    await expect(client.connect()).rejects.toThrow();
    expect(errors.join('\n')).toMatch(/WRONGPASS/);
  } finally {
    client.disconnect();
  }
});
