/**
 * page-views and search-terms against the real broker and Redis: events go in through POST /events
 * (handler in-process, JWT claims as the gateway passes them), are read back from Kafka, and are
 * delivered to the consumers as Lambda's Kafka trigger would — then delivered again.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { userEvents } from '../../events/catalog';
import { handler as postEvents } from '../../functions/events';
import { handler as pageViews } from '../../functions/pageViews';
import { handler as searchTerms } from '../../functions/searchTerms';
import { disconnectProducer } from '../../lib/kafka/publisher';
import { analyticsStore, pageViewsKey, searchTermsKey } from '../../lib/stores/analytics';
import { closeRedis } from '../../lib/stores/redis';
import { invokeHttp, lambdaContext } from '../support/http';
import { endOffsets, mskEventOf, type ReadRecord, readRecords } from '../support/kafka';

afterAll(async () => {
  await disconnectProducer();
  await closeRedis();
});

interface Planned {
  type: 'page_view' | 'search' | 'click';
  session_id: string;
  payload: Record<string, string>;
}

/** `count` page views spread over `sessions` sessions and `paths` paths, with searches and clicks mixed in. */
function plan(run: string, count: number, sessions: number, paths: string[]): { events: Planned[]; expected: Map<string, number> } {
  const events: Planned[] = [];
  const expected = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const path = paths[(i * 7) % paths.length] as string;
    expected.set(path, (expected.get(path) ?? 0) + 1);
    const session_id = `s-${run}-${i % sessions}`;
    // Query strings and trailing slashes count as the same page.
    events.push({ type: 'page_view', session_id, payload: { path: i % 5 === 0 ? `${path}/?ref=${i}` : path, referrer: 'https://example.com' } });
    if (i % 4 === 0) events.push({ type: 'search', session_id, payload: { query: `Kafka ${run}` } });
    if (i % 6 === 0) events.push({ type: 'click', session_id, payload: { target: 'buy' } });
  }
  return { events, expected };
}

/** Posts the events as one array, then some one by one, as the caller `user-<run>`. */
async function post(run: string, events: Planned[]): Promise<void> {
  const split = Math.floor(events.length * 0.8);
  const batch = await invokeHttp(postEvents, { path: '/events', body: events.slice(0, split), subject: `user-${run}` });
  expect(batch.status).toBe(204);
  for (const event of events.slice(split)) {
    const single = await invokeHttp(postEvents, { path: '/events', body: event, subject: `user-${run}` });
    expect(single.status).toBe(204);
  }
}

/** Every record of this run's sessions written since `since`, as read back from Kafka. */
async function recordsOf(run: string, since: Map<number, number>): Promise<ReadRecord[]> {
  const records = await readRecords(userEvents.name, since);
  return records.filter((r) => r.message.key?.toString().startsWith(`s-${run}-`));
}

/**
 * Counts the Redis commands named `command` on `key` as Redis runs them (commands run by Lua
 * scripts included). `settle()` resolves once every command issued before it has been seen.
 */
async function watchCommands(command: string, key: string): Promise<{ settle: () => Promise<number>; stop: () => void }> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const client = new Redis(url);
  const monitor = await client.monitor();
  let seen = 0;
  const markers = new Map<string, () => void>();
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[0]?.toUpperCase() === command && args[1] === key) seen++;
    if (args[0]?.toUpperCase() === 'ECHO') markers.get(args[1] as string)?.();
  });
  return {
    // The monitor feed is in execution order: once our marker shows up, everything before it has.
    settle: async () => {
      const marker = `settle-${randomUUID()}`;
      const arrived = new Promise<void>((resolve) => markers.set(marker, resolve));
      const probe = new Redis(url);
      await probe.echo(marker);
      await arrived;
      probe.disconnect();
      return seen;
    },
    stop: () => {
      monitor.disconnect();
      client.disconnect();
    },
  };
}

test('N page views over several sessions are counted exactly N after a batch is delivered twice, one increment per path per batch', async () => {
  const run = randomUUID().slice(0, 8);
  const paths = [`/p-${run}/home`, `/p-${run}/pricing`, `/p-${run}/docs/intro`];
  const { events, expected } = plan(run, 60, 5, paths);
  const since = await endOffsets(userEvents.name);
  await post(run, events);

  const records = await recordsOf(run, since);
  expect(records).toHaveLength(events.length);
  // Keyed by session: several sessions, several partitions.
  expect(new Set(records.map((r) => r.partition)).size).toBeGreaterThan(1);
  const batch = mskEventOf(records);

  const increments = await watchCommands('ZINCRBY', pageViewsKey());
  try {
    const first = await pageViews(batch, lambdaContext(60_000));
    expect(first.batchItemFailures).toEqual([]);
    // Forced redelivery: Lambda delivers the same batch again.
    const second = await pageViews(batch, lambdaContext(60_000));
    expect(second.batchItemFailures).toEqual([]);
    // One ZINCRBY per path for the first delivery, none for the second.
    expect(await increments.settle()).toBe(paths.length);
  } finally {
    increments.stop();
  }

  let total = 0;
  for (const path of paths) {
    const views = await analyticsStore.pageViews(path);
    expect(views).toBe(expected.get(path));
    total += views;
  }
  expect(total).toBe(60);
});

test('a redelivery that overlaps an earlier batch (Lambda restarts at the failed offset) counts each event once', async () => {
  const run = randomUUID().slice(0, 8);
  const paths = [`/o-${run}/a`, `/o-${run}/b`];
  const { events, expected } = plan(run, 40, 4, paths);
  const since = await endOffsets(userEvents.name);
  await post(run, events);
  const records = await recordsOf(run, since);
  expect(records).toHaveLength(events.length);

  // First delivery: only the first half of each partition; then everything from the start again.
  const byPartition = new Map<number, ReadRecord[]>();
  for (const r of records) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
  const firstHalf = [...byPartition.values()].flatMap((list) => list.slice(0, Math.ceil(list.length / 2)));
  expect((await pageViews(mskEventOf(firstHalf), lambdaContext(60_000))).batchItemFailures).toEqual([]);
  const partial = (await analyticsStore.pageViews(paths[0] as string)) + (await analyticsStore.pageViews(paths[1] as string));
  expect(partial).toBeGreaterThan(0);
  expect(partial).toBeLessThan(40);

  expect((await pageViews(mskEventOf(records), lambdaContext(60_000))).batchItemFailures).toEqual([]);
  for (const path of paths) expect(await analyticsStore.pageViews(path)).toBe(expected.get(path));
});

test('search-terms reads the same stream in its own group: terms counted once, page views untouched', async () => {
  const run = randomUUID().slice(0, 8);
  const paths = [`/s-${run}/x`];
  const { events } = plan(run, 20, 3, paths);
  const searches = events.filter((e) => e.type === 'search').length;
  const since = await endOffsets(userEvents.name);
  await post(run, events);
  const batch = mskEventOf(await recordsOf(run, since));

  const increments = await watchCommands('ZINCRBY', searchTermsKey());
  try {
    expect((await searchTerms(batch, lambdaContext(60_000))).batchItemFailures).toEqual([]);
    expect((await searchTerms(batch, lambdaContext(60_000))).batchItemFailures).toEqual([]);
    expect(await increments.settle()).toBe(1);
  } finally {
    increments.stop();
  }
  // `Kafka <run>` is counted as `kafka <run>`.
  expect(await analyticsStore.searches(`kafka ${run}`)).toBe(searches);
  // page-views has not seen these events yet: its own group, its own pace.
  expect(await analyticsStore.pageViews(paths[0] as string)).toBe(0);
  expect((await pageViews(batch, lambdaContext(60_000))).batchItemFailures).toEqual([]);
  expect(await analyticsStore.pageViews(paths[0] as string)).toBe(20);
});
