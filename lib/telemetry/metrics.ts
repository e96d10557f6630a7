/**
 * Custom metrics in CloudWatch's Embedded Metric Format (Powertools Metrics): one EMF line per
 * invocation, written to stdout, which Lambda ships to CloudWatch Logs and CloudWatch turns into
 * metrics with no API call (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * The metric names live in lib/telemetry/metric-names.ts, where the alarms read them too.
 *
 * `POWERTOOLS_METRICS_DISABLED=true` turns them off; `POWERTOOLS_METRICS_NAMESPACE` sets the namespace.
 *
 * @example
 * const stats = newPublishStats();
 * await runWithContext(withPublishStats(activeContext(), stats), () => publish(orderPlaced, order));   // the publisher adds to stats
 * publishHttpMetrics('POST /checkout', 202, stats);
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type Context, createContextKey } from '@opentelemetry/api';
import { CONSUMER_METRIC, DEFAULT_METRICS_NAMESPACE, HTTP_METRIC } from './metric-names';
import { activeContext } from './trace';

let shared: Metrics | undefined;

function metrics(): Metrics {
  shared ??= new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_METRICS_NAMESPACE,
  });
  return shared;
}

/** Forgets the metrics instance, so the next flush reads the environment again (benchmarks switch metrics on and off). */
export function resetMetrics(): void {
  shared = undefined;
}

/** What one consumer invocation did, counted by the runtime (lib/consumer). */
export interface BatchFigures {
  received: number;
  processed: number;
  skipped: number;
  /** Skipped as applied although the marker was written for other content (issue 15): records not applied. */
  collidingMarkers: number;
  retried: number;
  failed: number;
  /** Dead letters by reason (the error class, as in `x-dlq-error-class`). */
  deadLettered: Readonly<Record<string, number>>;
  durationMs: number;
  /** Age of each partition's oldest record when it was processed. */
  recordAgesMs: readonly number[];
  /** Each processed record's latency (record timestamp → done): the console's percentiles, not an EMF metric. */
  latenciesMs: readonly number[];
}

/** EMF caps a metric at 100 values per line. */
const MAX_VALUES = 100;

/**
 * One EMF line for the group's invocation (dimension `group`), plus one per dead-letter reason
 * (dimensions `group`, `reason`). Written synchronously, so concurrent invocations in one process
 * (tests, benchmarks) never mix their dimensions.
 */
export function publishBatchMetrics(group: string, figures: BatchFigures): void {
  const m = metrics();
  m.addDimension('group', group);
  m.addMetric(CONSUMER_METRIC.received, MetricUnit.Count, figures.received);
  m.addMetric(CONSUMER_METRIC.processed, MetricUnit.Count, figures.processed);
  m.addMetric(CONSUMER_METRIC.skipped, MetricUnit.Count, figures.skipped);
  m.addMetric(CONSUMER_METRIC.retried, MetricUnit.Count, figures.retried);
  m.addMetric(CONSUMER_METRIC.failed, MetricUnit.Count, figures.failed);
  const deadLettered = Object.values(figures.deadLettered).reduce((sum, n) => sum + n, 0);
  m.addMetric(CONSUMER_METRIC.deadLettered, MetricUnit.Count, deadLettered);
  m.addMetric(CONSUMER_METRIC.batchDuration, MetricUnit.Milliseconds, figures.durationMs);
  for (const age of figures.recordAgesMs.slice(0, MAX_VALUES)) m.addMetric(CONSUMER_METRIC.recordAge, MetricUnit.Milliseconds, age);
  m.addMetric(CONSUMER_METRIC.collidingMarkers, MetricUnit.Count, figures.collidingMarkers);
  m.publishStoredMetrics();
  for (const [reason, count] of Object.entries(figures.deadLettered)) {
    const single = m.singleMetric();
    single.addDimensions({ group, reason });
    // A single metric is written as soon as it is added.
    single.addMetric(CONSUMER_METRIC.deadLettered, MetricUnit.Count, count);
  }
}

/** Events an HTTP invocation published, and how long each send took (filled by lib/kafka/publisher.ts). */
export interface PublishStats {
  events: number;
  latenciesMs: number[];
}

const PUBLISH_STATS = createContextKey('kafka-lambda-system.publish-stats');

export function newPublishStats(): PublishStats {
  return { events: 0, latenciesMs: [] };
}

/** `ctx` carrying `stats`, so publishes made under it are counted there. */
export function withPublishStats(ctx: Context, stats: PublishStats): Context {
  return ctx.setValue(PUBLISH_STATS, stats);
}

/** Counts a send of `events` events that took `latencyMs`, into the active invocation's stats (if any). */
export function recordPublish(events: number, latencyMs: number): void {
  const stats = activeContext().getValue(PUBLISH_STATS) as PublishStats | undefined;
  if (!stats) return;
  stats.events += events;
  stats.latenciesMs.push(latencyMs);
}

/** One EMF line for an HTTP invocation (dimension `route`): events published, publish latency, status class. */
export function publishHttpMetrics(route: string, statusCode: number, stats: PublishStats): void {
  const m = metrics();
  m.addDimension('route', route);
  m.addMetric(HTTP_METRIC.published, MetricUnit.Count, stats.events);
  for (const latency of stats.latenciesMs.slice(0, MAX_VALUES)) m.addMetric(HTTP_METRIC.publishLatency, MetricUnit.Milliseconds, latency);
  m.addMetric(HTTP_METRIC.responses(statusCode), MetricUnit.Count, 1);
  m.publishStoredMetrics();
}
