/**
 * The operator console's live figures: per consumer group and 10-second bucket, what the runtime
 * counted in its invocations (the same figures as its EMF line, lib/telemetry/metrics.ts) and a
 * histogram of each processed record's latency (record appended to Kafka → processed). Kept in
 * Redis for 6 minutes, so the console works wherever the functions run, without CloudWatch.
 *
 * One MULTI per invocation (a handful of HINCRBYs); `LIVE_FIGURES=off` switches it off.
 *
 * @example
 * await liveFigures.record(CONSUMER_GROUP.payment, { received: 100, processed: 99, deadLettered: 1, failed: 0, skipped: 0, latenciesMs });
 * const view = await liveFigures.window([{ group: CONSUMER_GROUP.payment, topic: 'order.placed' }]);
 */
import { keyPrefix, redis } from './redis';

export const BUCKET_SECONDS = 10;
export const WINDOW_SECONDS = 300;
const KEEP_SECONDS = WINDOW_SECONDS + 60;
/** Latency buckets grow by 25%: a percentile read from them is within 25% of the true one. */
const GROWTH = 1.25;
const LOG_GROWTH = Math.log(GROWTH);
/** 1.25^90 ms is about 21 days: beyond any record's age. */
const MAX_BUCKET = 90;

/** What one invocation of a group did, as the console counts it. */
export interface InvocationCounts {
  received: number;
  processed: number;
  deadLettered: number;
  failed: number;
  skipped: number;
  /** Each processed record's latency: now − record timestamp when it was done. */
  latenciesMs: readonly number[];
}

/** One group's last five minutes. */
export interface GroupFigures {
  group: string;
  topic: string;
  /** Records received per second, one value per bucket, oldest first; the last bucket is the current one. */
  recordsPerSecond: number[];
  /** Processing latency percentiles over the window (null before any record was processed). */
  latencyMs: { p50: number; p99: number } | null;
  /** Totals over the window. */
  totals: Omit<InvocationCounts, 'latenciesMs'>;
}

export interface LiveWindow {
  bucketSeconds: number;
  windowSeconds: number;
  groups: GroupFigures[];
  /** Per topic: records/s delivered to its busiest group (every group reads every record of its topic, filters aside). */
  topics: { topic: string; recordsPerSecond: number[] }[];
}

const COUNTS = ['received', 'processed', 'deadLettered', 'failed', 'skipped'] as const;

/** The histogram bucket of a latency: the smallest `i` with latency ≤ 1.25^i ms. */
export function latencyBucket(ms: number): number {
  if (ms <= 1) return 0;
  return Math.min(MAX_BUCKET, Math.ceil(Math.log(ms) / LOG_GROWTH - 1e-9));
}

/** The `q` quantile (0..1) of a histogram `{ bucket: count }`, as its bucket's upper bound in ms. */
export function quantile(histogram: ReadonlyMap<number, number>, q: number): number | null {
  const total = [...histogram.values()].reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket) ?? 0;
    if (seen >= rank) return Math.round(GROWTH ** bucket);
  }
  return null;
}

const bucketOf = (ms: number) => Math.floor(ms / 1000 / BUCKET_SECONDS);
const keyOf = (group: string, bucket: number) => `${keyPrefix()}live:${group}:${bucket}`;

export const liveFigures = {
  enabled(): boolean {
    return process.env.LIVE_FIGURES !== 'off';
  },

  /** Adds one invocation's counts to the current bucket of `group`. */
  async record(group: string, counts: InvocationCounts, now = Date.now()): Promise<void> {
    if (counts.received === 0) return;
    const key = keyOf(group, bucketOf(now));
    const histogram = new Map<number, number>();
    for (const ms of counts.latenciesMs) {
      const bucket = latencyBucket(ms);
      histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
    }
    const multi = redis().multi();
    for (const name of COUNTS) if (counts[name] > 0) multi.hincrby(key, name, counts[name]);
    for (const [bucket, n] of histogram) multi.hincrby(key, `l${bucket}`, n);
    await multi.expire(key, KEEP_SECONDS).exec();
  },

  /** The last five minutes of each group, and per topic, in one round trip. */
  async window(groups: readonly { group: string; topic: string }[], now = Date.now()): Promise<LiveWindow> {
    const last = bucketOf(now);
    const buckets = Array.from({ length: WINDOW_SECONDS / BUCKET_SECONDS }, (_, i) => last - WINDOW_SECONDS / BUCKET_SECONDS + 1 + i);
    const pipeline = redis().pipeline();
    for (const { group } of groups) for (const bucket of buckets) pipeline.hgetall(keyOf(group, bucket));
    const replies = (await pipeline.exec()) ?? [];
    // The current bucket has only run for part of its 10 seconds.
    const elapsed = Math.max(1, (now / 1000) % BUCKET_SECONDS);
    const figures = groups.map(({ group, topic }, g) => {
      const hashes = buckets.map((_, b) => (replies[g * buckets.length + b]?.[1] ?? {}) as Record<string, string>);
      return groupFigures(group, topic, hashes, elapsed);
    });
    return { bucketSeconds: BUCKET_SECONDS, windowSeconds: WINDOW_SECONDS, groups: figures, topics: topicFigures(figures) };
  },
};

function groupFigures(group: string, topic: string, hashes: Record<string, string>[], elapsedInLast: number): GroupFigures {
  const totals = { received: 0, processed: 0, deadLettered: 0, failed: 0, skipped: 0 };
  const histogram = new Map<number, number>();
  const recordsPerSecond = hashes.map((hash, i) => {
    for (const name of COUNTS) totals[name] += Number(hash[name] ?? 0);
    for (const [field, value] of Object.entries(hash)) {
      if (field.startsWith('l')) histogram.set(Number(field.slice(1)), (histogram.get(Number(field.slice(1))) ?? 0) + Number(value));
    }
    const seconds = i === hashes.length - 1 ? elapsedInLast : BUCKET_SECONDS;
    return Number((Number(hash.received ?? 0) / seconds).toFixed(1));
  });
  const p50 = quantile(histogram, 0.5);
  const p99 = quantile(histogram, 0.99);
  return { group, topic, recordsPerSecond, latencyMs: p50 === null || p99 === null ? null : { p50, p99 }, totals };
}

function topicFigures(groups: GroupFigures[]): LiveWindow['topics'] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, recordsPerSecond } of groups) {
    const current = byTopic.get(topic);
    byTopic.set(topic, current ? current.map((value, i) => Math.max(value, recordsPerSecond[i] ?? 0)) : [...recordsPerSecond]);
  }
  return [...byTopic].map(([topic, recordsPerSecond]) => ({ topic, recordsPerSecond }));
}
