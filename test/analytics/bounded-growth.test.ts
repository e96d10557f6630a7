/**
 * Bounded growth against the real Redis: 100,000 distinct page paths (one view each, as a client
 * flooding `POST /events` with made-up paths would produce) mixed with 50 pages that matter. The
 * counter keeps at most MAX_RANKED_MEMBERS members, its memory stops growing, and the pages that
 * matter keep exact counts. Also: the confirmations outbox is capped and per-order views expire.
 *
 * Writes go through the page-views consumer's own path (pageViewCommands + applied markers in one
 * script), under a prefix of this file's own inside the run's REDIS_PREFIX.
 * BOUNDED_FIGURES=1 prints the measured figures on stderr.
 */
import { randomUUID } from 'node:crypto';
import type { UserEvent } from '../../events/catalog';
import { resetConfig } from '../../lib/config';
import { analyticsStore, MAX_RANKED_MEMBERS, pageViewCommands, pageViewsKey } from '../../lib/stores/analytics';
import { applyAllOnce, applyOnce } from '../../lib/stores/once';
import { MAX_SENT_CONFIRMATIONS, ORDER_VIEW_TTL_SECONDS, orderKey, orderStore, sentConfirmationCommands, sentConfirmationsKey } from '../../lib/stores/orders';
import { closeRedis, redis } from '../../lib/stores/redis';

const DISTINCT_PATHS = 100_000;
const BATCH = 500;
const HOT = 50;
const runPrefix = process.env.REDIS_PREFIX ?? 'test:';
const prefix = `${runPrefix}bounded-${randomUUID().slice(0, 8)}:`;

beforeAll(() => {
  process.env.REDIS_PREFIX = prefix;
  resetConfig();
});

afterAll(async () => {
  // 100,000 applied markers (they would expire in 21 days): removed now.
  let cursor = '0';
  do {
    const [next, keys] = await redis().scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    if (keys.length > 0) await redis().unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  await closeRedis();
  process.env.REDIS_PREFIX = runPrefix;
  resetConfig();
});

const view = (path: string): UserEvent => ({ type: 'page_view', user_id: 'u', session_id: 's', payload: { path }, timestamp: '2026-12-01T00:00:00Z' });
const memoryOf = async (key: string) => Number(await redis().call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));

/** Keys under this file's prefix, applied markers apart. */
async function countKeys(): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis().scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    count += keys.filter((key) => !key.startsWith(`${prefix}applied:`)).length;
    cursor = next;
  } while (cursor !== '0');
  return count;
}

test('100,000 distinct paths: the counter stays at most MAX_RANKED_MEMBERS members and its memory stops growing; the pages that matter stay exact', async () => {
  const group = `page-views-bounded-${randomUUID().slice(0, 8)}`;
  // Page i gets (i % 7) + 2 views in every batch: always more than a one-off path.
  const hot = Array.from({ length: HOT }, (_, i) => ({ path: `/product/${i}`, perBatch: (i % 7) + 2 }));
  const expected = new Map(hot.map((page) => [page.path, 0]));
  const samples: { paths: number; members: number; bytes: number }[] = [];

  for (let sent = 0; sent < DISTINCT_PATHS; sent += BATCH) {
    const events = Array.from({ length: BATCH }, (_, i) => view(`/search/${sent + i}-${randomUUID().slice(0, 6)}`));
    for (const page of hot) {
      for (let n = 0; n < page.perBatch; n++) events.push(view(page.path));
      expected.set(page.path, (expected.get(page.path) ?? 0) + page.perBatch);
    }
    const ids = events.map(() => randomUUID());
    await applyAllOnce(group, ids, pageViewCommands(events));
    if ((sent + BATCH) % 20_000 === 0)
      samples.push({ paths: sent + BATCH, members: await redis().zcard(pageViewsKey()), bytes: await memoryOf(pageViewsKey()) });
  }

  const members = await redis().zcard(pageViewsKey());
  const bounded = await memoryOf(pageViewsKey());
  expect(members).toBe(MAX_RANKED_MEMBERS);
  // Memory plateaus: after 100,000 paths it is what it was after 20,000 (within 10 %).
  const first = samples[0] as { bytes: number };
  expect(bounded).toBeLessThanOrEqual(first.bytes * 1.1);

  // Exact for the pages that matter: every hot page's count, and the top 10 in order.
  for (const [path, views] of expected) expect({ path, views: await analyticsStore.pageViews(path) }).toEqual({ path, views });
  const top = [...expected].sort((a, b) => b[1] - a[1] || b[0].localeCompare(a[0])).slice(0, 10);
  expect(await analyticsStore.topPages(10)).toEqual(top.map(([path, views]) => ({ path, views })));
  expect((await analyticsStore.totals()).page_views).toBe(DISTINCT_PATHS + [...expected.values()].reduce((a, b) => a + b, 0));

  // The same members without pruning, for comparison.
  const unboundedKey = `${prefix}unbounded`;
  for (let i = 0; i < DISTINCT_PATHS; i += 10_000) {
    const chunk = Array.from({ length: 10_000 }, (_, j) => [1, `/search/${i + j}-${randomUUID().slice(0, 6)}`]).flat();
    await redis().zadd(unboundedKey, ...(chunk as (string | number)[]));
  }
  const unbounded = await memoryOf(unboundedKey);
  await redis().unlink(unboundedKey);
  expect(bounded * 20).toBeLessThan(unbounded);
  // Besides the markers (which expire), the flood wrote two keys: the counter and the totals.
  expect(await countKeys()).toBe(2);

  if (process.env.BOUNDED_FIGURES) {
    process.stderr.write(`${JSON.stringify({ members, bounded_bytes: bounded, unbounded_bytes: unbounded, samples })}\n`);
  }
}, 300_000);

test('the confirmations outbox keeps the newest MAX_SENT_CONFIRMATIONS; order views expire', async () => {
  const group = `email-bounded-${randomUUID().slice(0, 8)}`;
  const total = MAX_SENT_CONFIRMATIONS + 200;
  for (let i = 0; i < total; i += 200) {
    await Promise.all(Array.from({ length: 200 }, (_, j) => applyOnce(group, randomUUID(), sentConfirmationCommands(JSON.stringify({ n: i + j })))));
  }
  expect(await redis().llen(sentConfirmationsKey())).toBe(MAX_SENT_CONFIRMATIONS);
  // The newest are kept, the oldest dropped.
  const kept = (await redis().lrange(sentConfirmationsKey(), 0, -1)).map((entry) => (JSON.parse(entry) as { n: number }).n);
  expect(Math.max(...kept)).toBe(total - 1);
  expect(kept).not.toContain(0);
  const outboxBytes = await memoryOf(sentConfirmationsKey());
  expect(outboxBytes).toBeLessThan(2 * 1024 * 1024);
  if (process.env.BOUNDED_FIGURES) process.stderr.write(`${JSON.stringify({ outbox_entries: kept.length, outbox_bytes: outboxBytes })}\n`);

  const order = {
    order_id: randomUUID(),
    customer_id: 'c-bounded',
    items: [{ product_id: 'p', quantity: 1, price: 1 }],
    total: 1,
    created_at: '2026-12-01T00:00:00Z',
  };
  await orderStore.completeStep(group, order, randomUUID(), 'confirmation-sent');
  const ttl = await redis().ttl(orderKey(order.order_id));
  expect(ttl).toBeGreaterThan(ORDER_VIEW_TTL_SECONDS - 60);
  expect(ttl).toBeLessThanOrEqual(ORDER_VIEW_TTL_SECONDS);
});
