/**
 * How far behind each consumer group is, and how many records it dead-lettered.
 *
 * - lag: per partition, the topic's end offset minus the group's committed offset. A partition
 *   with no committed offset counts from the partition's start offset, because every mapping
 *   starts at TRIM_HORIZON (serverless.yml): all of it is still to be read.
 * - dead letters: records currently on `<group>.dlq` (end offset minus start offset; redriven
 *   ones stay until retention removes them); null when that topic does not exist.
 *
 * The one lag computation of the project: `GET /stats` (functions/stats.ts) and the local trigger's
 * lag report (lib/local/offline-kafka/lag.ts) both read it.
 *
 * @example
 * const health = await consumerGroupHealth(admin, [{ group: CONSUMER_GROUP.pageViews, topic: 'user.events' }]);
 * // [{ group: CONSUMER_GROUP.pageViews, topic: 'user.events', lag: 12, deadLetters: 0, partitions: [...] }]
 * const partitions = await partitionLags(admin, CONSUMER_GROUP.pageViews, 'user.events');
 * // [{ partition: 0, committed: 40, end: 52, lag: 12 }, ...]
 */

import type { Admin } from 'kafkajs';
import { deadLetterTopicFor } from '../../events/catalog';
import { errorMessage } from '../errors';
import { isRetriable } from './retriable';

export interface PartitionLag {
  partition: number;
  /** Next offset the group will read; null when it has committed nothing. */
  committed: number | null;
  end: number;
  lag: number;
}

export interface GroupHealth {
  group: string;
  topic: string;
  /** Records written and not yet processed by the group; null when Kafka could not say. */
  lag: number | null;
  partitions: PartitionLag[];
  deadLetterTopic: string;
  /** Records on the dead-letter topic; null when it does not exist or Kafka could not say. */
  deadLetters: number | null;
  error?: string;
}

interface Watermarks {
  low: number;
  high: number;
}

async function watermarks(admin: Admin, topic: string): Promise<Map<number, Watermarks>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
}

/** Retries `call` a few times on errors Kafka marks retriable (the group coordinator loading or moving). */
async function retrying<T>(call: () => Promise<T>, attempts = 4, delayMs = 200): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isRetriable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** Lag of `group` on `topic` given the topic's watermarks. */
async function lagOf(admin: Admin, group: string, topic: string, marks: Map<number, Watermarks>): Promise<PartitionLag[]> {
  const [committed] = await retrying(() => admin.fetchOffsets({ groupId: group, topics: [topic] }));
  const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return [...marks]
    .sort(([a], [b]) => a - b)
    .map(([partition, { low, high }]) => {
      const offset = byPartition.get(partition);
      const position = offset === undefined || offset < 0 ? null : offset;
      return { partition, committed: position, end: high, lag: Math.max(0, high - Math.max(position ?? low, low)) };
    });
}

/** Lag of `group` on each partition of `topic` (in partition order). */
export async function partitionLags(admin: Admin, group: string, topic: string): Promise<PartitionLag[]> {
  return lagOf(admin, group, topic, await watermarks(admin, topic));
}

/** Lag and dead-letter depth of every `{ group, topic }`; one failing group does not hide the others. */
export async function consumerGroupHealth(admin: Admin, groups: readonly { group: string; topic: string }[]): Promise<GroupHealth[]> {
  // Asking for the offsets of a missing topic makes kafkajs retry for seconds: look first.
  const existing = new Set(await admin.listTopics());
  const topicMarks = new Map<string, Promise<Map<number, Watermarks>>>();
  const marksOf = (topic: string) => {
    let marks = topicMarks.get(topic);
    if (!marks) {
      marks = existing.has(topic) ? watermarks(admin, topic) : Promise.reject(new Error(`topic ${topic} does not exist`));
      // Handled by each caller; this keeps a rejection nobody awaited yet from being reported as unhandled.
      marks.catch(() => {});
      topicMarks.set(topic, marks);
    }
    return marks;
  };
  return Promise.all(
    groups.map(async ({ group, topic }): Promise<GroupHealth> => {
      const deadLetterTopic = deadLetterTopicFor(group);
      const health: GroupHealth = { group, topic, lag: null, partitions: [], deadLetterTopic, deadLetters: null };
      const [lag, dlq] = await Promise.allSettled([
        marksOf(topic).then((marks) => lagOf(admin, group, topic, marks)),
        marksOf(deadLetterTopic).then((marks) => [...marks.values()].reduce((sum, m) => sum + Math.max(0, m.high - m.low), 0)),
      ]);
      if (lag.status === 'fulfilled') {
        health.partitions = lag.value;
        health.lag = lag.value.reduce((sum, p) => sum + p.lag, 0);
      } else {
        health.error = `lag: ${errorMessage(lag.reason)}`;
      }
      if (dlq.status === 'fulfilled') health.deadLetters = dlq.value;
      else if (existing.has(deadLetterTopic)) health.error = [health.error, `dead letters: ${errorMessage(dlq.reason)}`].filter(Boolean).join('; ');
      return health;
    }),
  );
}
