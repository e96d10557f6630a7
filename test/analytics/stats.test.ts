/**
 * GET /stats and the lag / dead-letter numbers behind it, against the real broker and Redis.
 */
import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { consumerGroups, type OrderPlaced, userEvents } from '../../events/catalog';
import { disconnectStatsAdmin, handler as stats } from '../../functions/stats';
import { consumerGroupHealth } from '../../lib/kafka/lag';
import { disconnectProducer, sendMessages } from '../../lib/kafka/publisher';
import { applyAggregateOnce, pageViewCommands } from '../../lib/stores/analytics';
import { orderStore } from '../../lib/stores/orders';
import { closeRedis } from '../../lib/stores/redis';
import { videoStore } from '../../lib/stores/videos';
import { invokeHttp } from '../support/http';
import { endOffsets, testKafka } from '../support/kafka';

// This file's counters start empty: its own Redis prefix (still under the run's, cleaned at teardown).
process.env.REDIS_PREFIX = `${process.env.REDIS_PREFIX ?? 'test:'}stats-${randomUUID().slice(0, 8)}:`;

let admin: Admin;

/** What page-views has still to read, straight from the broker: end offsets minus its commits (low watermark where none). */
async function brokerLag(group: string, topic: string): Promise<number> {
  const [marks, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
  const commits = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return marks.reduce((sum, m) => {
    const from = commits.get(m.partition) ?? -1;
    return sum + Number(m.high) - (from >= 0 ? from : Number(m.low));
  }, 0);
}

beforeAll(async () => {
  admin = testKafka().admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.disconnect();
  await disconnectStatsAdmin();
  await disconnectProducer();
  await closeRedis();
});

test('lag counts what a group has not committed (from the start when it committed nothing); dead letters count the DLQ', async () => {
  const topic = `lag-test-${randomUUID().slice(0, 8)}`;
  const group = `lag-group-${randomUUID().slice(0, 8)}`;
  const idle = `idle-group-${randomUUID().slice(0, 8)}`;
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: 2, replicationFactor: 1 },
      { topic: `${group}.dlq`, numPartitions: 1, replicationFactor: 1 },
    ],
  });
  await sendMessages(topic, [
    ...Array.from({ length: 6 }, (_, i) => ({ partition: 0, key: 'a', value: `a${i}` })),
    ...Array.from({ length: 4 }, (_, i) => ({ partition: 1, key: 'b', value: `b${i}` })),
  ]);
  await sendMessages(`${group}.dlq`, [
    { key: 'x', value: 'dead-1' },
    { key: 'y', value: 'dead-2' },
  ]);
  // The group processed 5 records of partition 0 and 1 of partition 1.
  await admin.setOffsets({
    groupId: group,
    topic,
    partitions: [
      { partition: 0, offset: '5' },
      { partition: 1, offset: '1' },
    ],
  });

  const [health, idleHealth] = await consumerGroupHealth(admin, [
    { group, topic },
    { group: idle, topic },
  ]);
  expect(health).toMatchObject({ group, topic, lag: 4, deadLetters: 2, deadLetterTopic: `${group}.dlq` });
  expect(health?.partitions).toEqual([
    { partition: 0, committed: 5, end: 6, lag: 1 },
    { partition: 1, committed: 1, end: 4, lag: 3 },
  ]);
  // Never committed: everything is still to be read. No dead-letter topic: unknown, not zero.
  expect(idleHealth).toMatchObject({ lag: 10, deadLetters: null });
});

test('GET /stats answers top pages, search terms, orders per step, videos per status, and every group’s lag and dead letters', async () => {
  const run = randomUUID().slice(0, 8);
  const path = `/stats-${run}`;
  const events = Array.from({ length: 1000 }, () => ({
    type: 'page_view' as const,
    user_id: 'u',
    session_id: 's',
    payload: { path },
    timestamp: new Date().toISOString(),
  }));
  // The only counted path under this file's prefix, so it ranks first.
  await applyAggregateOnce(`stats-${run}`, [{ eventId: randomUUID(), value: events[0] as (typeof events)[number] }], () => pageViewCommands(events));
  const order: OrderPlaced = {
    order_id: randomUUID(),
    customer_id: 'c',
    items: [{ product_id: 'p', quantity: 1, price: 1 }],
    total: 1,
    created_at: new Date().toISOString(),
  };
  await orderStore.completeStep(`inventory-${run}`, order, randomUUID(), 'reserved');
  await videoStore.completeStep(`transcode-${run}`, randomUUID(), { video_id: randomUUID(), user_id: 'u' }, 'transcoded');

  const response = await invokeHttp(stats, { method: 'GET', path: '/stats', subject: 'viewer' });
  expect(response.status).toBe(200);
  const body = response.json as Record<string, unknown> & {
    pages: { path: string; views: number }[];
    orders: { by_step: { group: string; status: string; count: number }[] };
    videos: { by_status: Record<string, number> };
    consumer_groups: { group: string; topic: string; lag: number | null; dead_letters: number | null }[];
  };
  expect(body.pages[0]).toEqual({ path, views: 1000 });
  expect(body).toHaveProperty('search_terms');
  expect(body.orders.by_step).toContainEqual({ group: `inventory-${run}`, status: 'reserved', count: 1 });
  expect(Object.keys(body.videos.by_status)).toEqual(['uploaded', 'transcoded', 'ready', 'indexed']);
  expect(body.videos.by_status.transcoded).toBeGreaterThanOrEqual(1);

  expect(body.consumer_groups.map((g) => g.group).sort()).toEqual([...consumerGroups].sort());
  // Other suites may have run page-views' trigger (and committed) before this one: compare with the broker.
  // Nothing consumes while this suite runs, so the figure holds still between the two reads.
  const pageViews = body.consumer_groups.find((g) => g.group === 'page-views');
  expect(pageViews).toMatchObject({ topic: userEvents.name, lag: await brokerLag('page-views', userEvents.name), dead_letters: expect.any(Number) });
  const dlq = await endOffsets('page-views.dlq');
  expect(pageViews?.dead_letters).toBe([...dlq.values()].reduce((a, b) => a + b, 0));
});

test('GET /stats needs a token', async () => {
  expect((await invokeHttp(stats, { method: 'GET', path: '/stats', subject: null })).status).toBe(401);
});
