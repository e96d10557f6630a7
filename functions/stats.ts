/**
 * GET /stats — the numbers behind the dashboard: top pages and search terms, orders per step,
 * videos per status, for every consumer group its lag and dead-letter depth, and the operator
 * console's live figures (records/s per group and topic over the last 5 minutes, p50/p99 latency:
 * lib/stores/live-figures.ts).
 *
 * Redis and Kafka are read in parallel; if Kafka cannot be asked within a few seconds the groups
 * come back with `lag: null` and an `error`, and the rest of the answer still arrives.
 */
import { deadLetterTopicFor, topics } from '../events/catalog';
import { errorMessage } from '../lib/errors';
import { httpApi, json } from '../lib/http/api';
import { kafka } from '../lib/kafka/client';
import { containerConnection } from '../lib/kafka/connection';
import { consumerGroupHealth, type GroupHealth } from '../lib/kafka/lag';
import { log } from '../lib/log';
import { analyticsStore } from '../lib/stores/analytics';
import { type LiveWindow, liveFigures } from '../lib/stores/live-figures';
import { orderStore } from '../lib/stores/orders';
import { videoStore } from '../lib/stores/videos';
import { withTimeout } from '../lib/timeout';

/** Longest wait for Kafka's offsets before answering without them. */
const KAFKA_BUDGET_MS = 4000;
const TOP = 10;

/** Every consumer group of the catalog with the topic it reads. */
export const groupsToWatch = topics.flatMap((topic) => topic.consumerGroups.map((group) => ({ group, topic: topic.name })));

const statsAdmin = containerConnection(() => kafka().admin());

/** Disconnects the container's admin client (tests and graceful shutdown). */
export function disconnectStatsAdmin(): Promise<void> {
  return statsAdmin.close();
}

async function groupHealth(): Promise<GroupHealth[]> {
  try {
    return await withTimeout(
      statsAdmin.get().then((client) => consumerGroupHealth(client, groupsToWatch)),
      KAFKA_BUDGET_MS,
      'no answer from Kafka',
    );
  } catch (error) {
    const message = errorMessage(error);
    log.warn('consumer group health unavailable', { error: message });
    // A stuck connection is not reused by the next request.
    await disconnectStatsAdmin().catch(() => {});
    return groupsToWatch.map(({ group, topic }) => ({
      group,
      topic,
      lag: null,
      partitions: [],
      deadLetterTopic: deadLetterTopicFor(group),
      deadLetters: null,
      error: message,
    }));
  }
}

/** The operator console's figures, as the API names things. */
function liveView(live: LiveWindow) {
  return {
    bucket_seconds: live.bucketSeconds,
    window_seconds: live.windowSeconds,
    groups: live.groups.map(({ group, topic, recordsPerSecond, latencyMs, totals }) => ({
      group,
      topic,
      records_per_second: recordsPerSecond,
      latency_ms: latencyMs,
      totals: { received: totals.received, processed: totals.processed, dead_lettered: totals.deadLettered, failed: totals.failed, skipped: totals.skipped },
    })),
    topics: live.topics.map(({ topic, recordsPerSecond }) => ({ topic, records_per_second: recordsPerSecond })),
  };
}

const docs = {
  responses: { 200: { description: 'Top pages and search terms, orders per step, videos per status, lag and dead letters per consumer group.' } },
};

export const handler = httpApi({ docs }, async () => {
  const [pages, searchTerms, totals, orderSteps, videos, groups, live] = await Promise.all([
    analyticsStore.topPages(TOP),
    analyticsStore.topSearchTerms(TOP),
    analyticsStore.totals(),
    orderStore.countBySteps(),
    videoStore.countByStatus(),
    groupHealth(),
    liveFigures.window(groupsToWatch),
  ]);
  return json(
    200,
    {
      generated_at: new Date().toISOString(),
      pages,
      search_terms: searchTerms,
      totals,
      orders: { by_step: orderSteps },
      videos: { by_status: videos },
      consumer_groups: groups.map(({ group, topic, lag, deadLetters, deadLetterTopic, error }) => ({
        group,
        topic,
        lag,
        dead_letters: deadLetters,
        dead_letter_topic: deadLetterTopic,
        ...(error ? { error } : {}),
      })),
      live: liveView(live),
    },
    { 'cache-control': 'no-store' },
  );
});
