/**
 * The names of the custom metrics the functions emit (CloudWatch EMF, lib/telemetry/metrics.ts),
 * in one place: the runtime writes them, the deploy plugin alarms and draws dashboards on them
 * (lib/deploy/alarms.ts). Every metric also carries the `service` dimension Powertools adds.
 */

/** Namespace of every custom metric (`POWERTOOLS_METRICS_NAMESPACE` overrides it). */
export const DEFAULT_METRICS_NAMESPACE = 'kafka-lambda-system';

/** Consumer runtime, dimension `group`, flushed once per invocation. */
export const CONSUMER_METRIC = {
  received: 'recordsReceived',
  processed: 'recordsProcessed',
  /** Skipped because this group already applied the event (a redelivery or a duplicate). */
  skipped: 'recordsSkippedApplied',
  /** Of those, skipped although the applied marker was written for other content (same event id, other key or value). */
  collidingMarkers: 'recordsCollidingMarker',
  /** In-process retries (attempts after the first), all records together. */
  retried: 'recordsRetried',
  /** Reported in batchItemFailures: the failed record and the rest of its partition. */
  failed: 'recordsReportedFailed',
  /** Dead-lettered; also emitted with the extra dimension `reason` (the error class). */
  deadLettered: 'recordsDeadLettered',
  batchDuration: 'batchDuration',
  /** Now − record timestamp when a partition's first (oldest) record is processed. */
  recordAge: 'recordAge',
} as const;

/** HTTP functions, dimension `route` (`POST /checkout`). */
export const HTTP_METRIC = {
  published: 'eventsPublished',
  publishLatency: 'publishLatency',
  /** `responses2xx`, `responses4xx`, `responses5xx`. */
  responses: (statusCode: number) => `responses${Math.floor(statusCode / 100)}xx`,
} as const;
