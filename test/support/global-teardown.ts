/** Stops the test broker (no JVM outlives the run) and removes the run's Redis keys. */
import Redis from 'ioredis';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__TEST_BROKER__?.stop();
  const prefix = process.env.REDIS_PREFIX;
  if (prefix?.startsWith('test:')) {
    const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
    await client.quit();
  }
}
