/**
 * The analytics mappings' FilterCriteria, run by the local triggers of `serverless offline` (as
 * `npm run dev` runs them) with the real functions: a click reaches neither page-views nor
 * search-terms, a page view only page-views, a search only search-terms, and the filtered-out
 * records are committed without an invocation (the groups' lag is 0 afterwards).
 *
 * What reached a function is read from its exactly-once markers: the analytics functions mark
 * every event of every batch they are invoked with, counted or not, under this run's Redis prefix.
 */
import { randomUUID } from 'node:crypto';
import { userEvents } from '../../events/catalog';
import { signLocalToken } from '../../lib/http/local-jwt';
import { groupLag } from '../../lib/local/offline-kafka/lag';
import { analyticsStore } from '../../lib/stores/analytics';
import { wasApplied } from '../../lib/stores/once';
import { closeRedis } from '../../lib/stores/redis';
import { endOffsets, readRecords, testKafka } from '../support/kafka';
import { type ProjectOffline, startProjectOffline } from '../support/offline';

let offline: ProjectOffline;

beforeAll(async () => {
  offline = await startProjectOffline('filters-test', 'Kafka trigger(s) running');
}, 180_000);

afterAll(async () => {
  await offline?.stop();
  await closeRedis();
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; serverless offline said:\n${offline.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

it('delivers page views only to page-views and searches only to search-terms, and commits the rest', async () => {
  const run = randomUUID().slice(0, 8);
  const session = `filters-${run}`;
  const path = `/filters-${run}`;
  const term = `filters ${run}`;
  const from = await endOffsets(userEvents.name);
  const token = await signLocalToken({ sub: `user-${run}` });
  // One session, so one partition: for page-views the search and the click trail the page view,
  // for search-terms the page view comes first and the click last.
  const response = await fetch(`${offline.base}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify([
      { type: 'page_view', session_id: session, payload: { path } },
      { type: 'search', session_id: session, payload: { query: term } },
      { type: 'click', session_id: session, payload: { path, target: 'buy' } },
    ]),
  });
  expect(response.status).toBe(204);
  const records = await readRecords(userEvents.name, from);
  expect(records.map((r) => JSON.parse(String(r.message.value)).type)).toEqual(['page_view', 'search', 'click']);
  const [pageView, search, click] = records.map((r) => String(r.message.headers?.ce_id));

  const admin = testKafka().admin();
  await admin.connect();
  try {
    const lag = (group: string) => groupLag(admin, { group, topic: userEvents.name, functionKey: group });
    await waitFor(async () => (await lag('page-views')).lag === 0 && (await lag('search-terms')).lag === 0, 'both analytics groups to catch up');
    // Committed past the three records: the filtered-out ones at the tail too.
    const partition = records[0]?.partition as number;
    const last = Number(records[2]?.message.offset);
    for (const group of ['page-views', 'search-terms']) {
      const committed = (await lag(group)).partitions.find((p) => p.partition === partition)?.committed;
      expect({ group, committedPastTheClick: (committed ?? -1) > last }).toEqual({ group, committedPastTheClick: true });
    }
  } finally {
    await admin.disconnect();
  }

  const reached = async (group: string) => ({
    page_view: await wasApplied(group, pageView as string),
    search: await wasApplied(group, search as string),
    click: await wasApplied(group, click as string),
  });
  expect(await reached('page-views')).toEqual({ page_view: true, search: false, click: false });
  expect(await reached('search-terms')).toEqual({ page_view: false, search: true, click: false });
  expect(await analyticsStore.pageViews(path)).toBe(1);
  expect(await analyticsStore.searches(term)).toBe(1);
  // The triggers say what they skipped.
  expect(offline.output()).toMatch(/pageViews \[page-views\].*filtered out/);
  expect(offline.output()).toMatch(/searchTerms \[search-terms\].*filtered out/);
}, 180_000);
