/**
 * The Kafka consumer runtime for AWS Lambda: wraps a per-record handler ({@link kafkaConsumer}) or a
 * whole-batch handler ({@link kafkaBatchConsumer}) into a Lambda handler for an MSK or self-managed
 * Kafka event source mapping with `ReportBatchItemFailures`.
 *
 * - decodes and validates each record against its topic's zod schema (lib/consumer/decode.ts);
 * - runs partitions concurrently (bounded by `concurrency`), records of a partition in offset order;
 * - retries retryable failures in-process (exponential backoff, full jitter, bounded by attempts and
 *   the remaining time), stops the partition at its first record still failing and reports it;
 * - dead-letters records that can never succeed to `<group>.dlq` with reason headers;
 * - applies each event once per group (lib/consumer/idempotency.ts);
 * - stops taking records `safetyMarginMs` before the deadline and reports what is left;
 * - logs one JSON line per batch and per failed record, never record values, each with the trace id;
 * - traces the invocation and each record (OpenTelemetry, linked to the producers' traces) and
 *   writes one EMF metrics line per invocation (lib/consumer/telemetry.ts).
 * Errors outside record processing (not a Kafka event, a record of another topic) reject, failing
 * the whole batch: nothing is ever acknowledged by accident.
 *
 * The result is a plain async (event, context) function, so `middy(kafkaConsumer(...))` works. It
 * carries the group and topic it was built for (`handler.consumer`): packaging checks them against
 * the function's `msk` event (lib/deploy/consumer-groups.ts).
 *
 * @example
 * export const handler = kafkaConsumer({ group: CONSUMER_GROUP.inventory, topic: orderPlaced }, async (order, record) => {
 *   await orderStore.reserveStock(record.group, order, record.eventId);   // effect and "applied" marker, atomically
 * });
 * export const counter = kafkaBatchConsumer({ group: CONSUMER_GROUP.pageViews, topic: userEvents }, async (items) => {
 *   await applyAllOnce(CONSUMER_GROUP.pageViews, items.map((i) => i.record.eventId), pageViewCommands(items.map((i) => i.value)));
 * });
 */
import type { Context, MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda';
import type { EventOf, TopicDefinition } from '../../events/catalog';
import { type KafkaBatchResponse, type PartitionBatch, partitionsOf, type RawKafkaEvent } from '../kafka/lambda-event';
import { log } from '../log';
import type { BatchFigures } from '../telemetry/metrics';
import { runWithContext } from '../telemetry/trace';
import { TimeBudget } from './budget';
import { type DecodedRecord, type KeyCache, validateRecord } from './decode';
import { asError } from './errors';
import { IdempotencySession } from './idempotency';
import { consumerRecordOf, decodePartition, type PartitionOutcome, processPartition } from './partition';
import { mapBounded } from './pool';
import { startInvocation } from './telemetry';
import type { ConsumerRecord, RetryOptions } from './types';

export type { KafkaBatchResponse, RawKafkaEvent, RawKafkaRecord } from '../kafka/lambda-event';
export { backoffDelay } from './backoff';
export { NonRetryableError, RetryableError, SchemaViolationError, UndecodableRecordError } from './errors';
export type { ConsumerRecord, RetryOptions } from './types';

export interface KafkaConsumerOptions<T extends TopicDefinition> {
  /** Consumer group id of the event source mapping (also the idempotency and dead-letter scope). */
  group: string;
  /** The catalog topic the mapping reads. */
  topic: T;
  /** Partitions processed in parallel (default 8). */
  concurrency?: number;
  /** In-process retries of a retryable failure (defaults: 3 attempts in all, 100 ms base, 2 s cap). */
  retry?: RetryOptions;
  /** Time kept in reserve before the function's deadline (default 2,000 ms). */
  safetyMarginMs?: number;
  /**
   * How long an invocation waits for Redis to come back before reporting its records as failed
   * (default 5,000 ms, within the time budget). Waiting here, rather than failing at once, keeps
   * a short infrastructure outage from using up the mapping's retries, which would send the
   * records to the dead-letter topic for a fault that is not theirs.
   */
  infrastructureWaitMs?: number;
}

const DEFAULTS = { concurrency: 8, attempts: 3, baseDelayMs: 100, maxDelayMs: 2000, safetyMarginMs: 2000, infrastructureWaitMs: 5000 } as const;

/** The consumer group and topic a handler was built for. */
export interface ConsumerDeclaration {
  readonly group: string;
  /** Topic name. */
  readonly topic: string;
}

type KafkaLambdaHandler = ((event: MSKEvent | SelfManagedKafkaEvent, context: Context) => Promise<KafkaBatchResponse>) & {
  readonly consumer: ConsumerDeclaration;
};

/** One record handed to a batch handler. */
export interface BatchItem<V> {
  value: V;
  record: ConsumerRecord;
}

export interface KafkaBatchConsumerOptions<T extends TopicDefinition> extends KafkaConsumerOptions<T> {
  /**
   * Runs the records the batch handler did not apply, one at a time, with the runtime's retries
   * and dead-lettering: all of them when the batch handler threw, and records that could not be
   * claimed up front (leased elsewhere, Redis failing). Default: the batch handler on a batch of one.
   */
  perRecord?: (value: EventOf<T>, record: ConsumerRecord) => Promise<void>;
}

/** Builds the Lambda handler of one consumer group: `handler` runs once per record. */
export function kafkaConsumer<T extends TopicDefinition>(
  options: KafkaConsumerOptions<T>,
  handler: (value: EventOf<T>, record: ConsumerRecord) => Promise<void>,
): KafkaLambdaHandler {
  return buildConsumer(options, handler, undefined);
}

/**
 * Builds the Lambda handler of a consumer group whose effect is written per batch (counters,
 * aggregates): `handler` runs once per invocation with every valid record this group has not
 * applied yet, leased to this invocation (so no other invocation runs them meanwhile), unique by
 * event id, across all partitions. When it resolves they are all marked applied; when it throws,
 * none is, and they go through `options.perRecord` (default: `handler` with one item each), one
 * by one in offset order with retries, dead letters and partial batch failure reporting, exactly
 * like {@link kafkaConsumer}. Invalid records are dead-lettered, records redriven for another group
 * skipped, and already applied ones skipped, as there.
 *
 * Only for effects whose order does not matter (a batch spans partitions), and the handler must be
 * atomic with the events' applied markers (`applyAllOnce` from lib/stores/once.ts), so that a
 * handler whose effect landed but whose reply was lost is not applied again by the fallback.
 * It is not called when no record needs it.
 */
export function kafkaBatchConsumer<T extends TopicDefinition>(
  options: KafkaBatchConsumerOptions<T>,
  handler: (items: BatchItem<EventOf<T>>[]) => Promise<void>,
): KafkaLambdaHandler {
  const perRecord = options.perRecord ?? ((value: EventOf<T>, record: ConsumerRecord) => handler([{ value, record }]));
  return buildConsumer(options, perRecord, handler);
}

function buildConsumer<T extends TopicDefinition>(
  options: KafkaConsumerOptions<T>,
  handler: (value: EventOf<T>, record: ConsumerRecord) => Promise<void>,
  batchHandler: ((items: BatchItem<EventOf<T>>[]) => Promise<void>) | undefined,
): KafkaLambdaHandler {
  const { group, topic } = options;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULTS.concurrency);
  const attempts = Math.max(1, options.retry?.attempts ?? DEFAULTS.attempts);
  const baseDelayMs = options.retry?.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const maxDelayMs = options.retry?.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const safetyMarginMs = options.safetyMarginMs ?? DEFAULTS.safetyMarginMs;
  const infrastructureWaitMs = options.infrastructureWaitMs ?? DEFAULTS.infrastructureWaitMs;

  const lambdaHandler = async (event: MSKEvent | SelfManagedKafkaEvent, context: Context): Promise<KafkaBatchResponse> => {
    const started = Date.now();
    const budget = TimeBudget.of(context, safetyMarginMs, started);
    const batches = partitionsOf(event as unknown as RawKafkaEvent);
    const foreign = batches.find((b) => b.topic !== topic.name);
    if (foreign) {
      throw new Error(`Consumer group ${group} reads ${topic.name} but the batch has ${foreign.id}: check the event source mapping's topics`);
    }
    const keys: KeyCache = new Map();
    const decoded = batches.map((batch) => decodePartition(batch, keys));
    const invocation = startInvocation(topic.name, group, decoded);
    let outcome: { response: KafkaBatchResponse; figures: BatchFigures };
    try {
      const all: DecodedRecord[] = decoded.flat();
      // Redis checks and leases the batch while this process validates the values.
      const claiming = IdempotencySession.start(group, all, Math.max(budget.remaining() + safetyMarginMs, 1000));
      for (const records of decoded) for (const record of records) validateRecord(topic, record);
      const idempotency = await claiming;
      const waitUntil = Date.now() + Math.min(infrastructureWaitMs, budget.remaining());
      for (let delay = 250; idempotency.degraded && Date.now() + delay < waitUntil; delay = Math.min(delay * 2, 2000)) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        await idempotency.claimUnknown();
      }

      let outcomes: PartitionOutcome[];
      let batched = 0;
      try {
        if (batchHandler && !budget.expired()) batched = await runWithContext(invocation.context, () => runBatch(group, decoded, idempotency, batchHandler));
        outcomes = await mapBounded(batches, concurrency, (batch, i) =>
          processPartition(batch, decoded[i] ?? [], {
            group,
            topic,
            handler,
            attempts,
            baseDelayMs,
            maxDelayMs,
            budget,
            idempotency,
            invocation,
          }),
        );
      } finally {
        await idempotency.finish();
      }
      outcome = respond(group, batches, outcomes, all.length, started, batchHandler ? batched : undefined);
    } catch (error) {
      await invocation.finish({ ...NO_FIGURES, durationMs: Date.now() - started }, error);
      throw error;
    }
    await invocation.finish(outcome.figures);
    return outcome.response;
  };
  return Object.assign(lambdaHandler, { consumer: { group, topic: topic.name } });
}

const NO_FIGURES: BatchFigures = {
  received: 0,
  processed: 0,
  skipped: 0,
  collidingMarkers: 0,
  retried: 0,
  failed: 0,
  deadLettered: {},
  durationMs: 0,
  recordAgesMs: [],
  latenciesMs: [],
};

/**
 * Hands the batch handler every record it may apply: valid, for this group, leased by this
 * invocation in the bulk claim, first of its event id. Resolves how many it applied (0 when it threw:
 * the partition pass then runs them one by one).
 */
async function runBatch<V>(
  group: string,
  decoded: DecodedRecord[][],
  idempotency: IdempotencySession,
  batchHandler: (items: BatchItem<V>[]) => Promise<void>,
): Promise<number> {
  const records: DecodedRecord[] = [];
  const items: BatchItem<V>[] = [];
  for (const partition of decoded) {
    for (const record of partition) {
      if (record.problem || (record.redriveGroup !== undefined && record.redriveGroup !== group)) continue;
      // 'acquired' (and now running, so a repeat of the event id in the batch is not taken twice); anything else is left to the partition pass.
      if (idempotency.claimed(record.eventId) !== 'acquired') continue;
      records.push(record);
      items.push({ value: record.value as V, record: consumerRecordOf(record, group) });
    }
  }
  if (items.length === 0) return 0;
  try {
    await batchHandler(items);
  } catch (thrown) {
    for (const record of records) idempotency.abandoned(record.eventId);
    const error = asError(thrown);
    log.warn('batch handler failed: its records run one by one', { group, records: records.length, error: { name: error.name, message: error.message } });
    return 0;
  }
  for (const record of records) {
    record.batched = true;
    idempotency.completed(record.eventId, record.contentDigest);
  }
  return records.length;
}

/**
 * What one invocation did, logged as the `kafka batch processed` line. Every count is per
 * invocation, so each maps onto a metric as is (EMF `Count`, dimension `group`).
 */
export interface BatchSummary {
  group: string;
  records: number;
  partitions: number;
  succeeded: number;
  deadLettered: number;
  failed: number;
  /** Already applied, or redriven for another group; includes `collidingMarkers`. */
  skipped: number;
  /**
   * Records skipped as already applied whose marker was written for other content (same event id,
   * other key or value): each is also logged at WARN with group, topic-partition and offset.
   * Nonzero means records were not applied: the metric to alarm on.
   */
  collidingMarkers: number;
  durationMs: number;
  /** Records a batch handler applied (kafkaBatchConsumer only). */
  batched?: number;
}

function respond(
  group: string,
  batches: PartitionBatch[],
  outcomes: PartitionOutcome[],
  records: number,
  started: number,
  batched: number | undefined,
): { response: KafkaBatchResponse; figures: BatchFigures } {
  const response: KafkaBatchResponse = { batchItemFailures: [] };
  const figures: BatchFigures = { ...NO_FIGURES, received: records, deadLettered: {}, recordAgesMs: [], latenciesMs: [] };
  const deadLettered = figures.deadLettered as Record<string, number>;
  const ages = figures.recordAgesMs as number[];
  const latencies = figures.latenciesMs as number[];
  const summary: BatchSummary = {
    group,
    records,
    partitions: batches.length,
    succeeded: 0,
    deadLettered: 0,
    failed: 0,
    skipped: 0,
    collidingMarkers: 0,
    durationMs: 0,
    ...(batched === undefined ? {} : { batched }),
  };
  outcomes.forEach((outcome, i) => {
    summary.succeeded += outcome.succeeded;
    summary.deadLettered += outcome.deadLettered;
    summary.failed += outcome.failed;
    summary.skipped += outcome.skipped;
    summary.collidingMarkers += outcome.collidingMarkers;
    figures.retried += outcome.retried;
    for (const [reason, count] of Object.entries(outcome.deadLetterReasons)) deadLettered[reason] = (deadLettered[reason] ?? 0) + count;
    if (outcome.oldestAgeMs !== undefined) ages.push(outcome.oldestAgeMs);
    for (const ms of outcome.latenciesMs) latencies.push(ms);
    if (outcome.failedOffset !== undefined) {
      response.batchItemFailures.push({ itemIdentifier: { partition: (batches[i] as PartitionBatch).id, offset: outcome.failedOffset } });
    }
  });
  summary.durationMs = Date.now() - started;
  // Under serverless-offline the local trigger prints one line per invocation already: there a clean
  // batch's summary is DEBUG. One that dead-lettered, left failures or met colliding markers is INFO.
  const clean = summary.deadLettered === 0 && summary.failed === 0 && summary.collidingMarkers === 0;
  log[clean && process.env.IS_OFFLINE ? 'debug' : 'info']('kafka batch processed', {
    ...summary,
    failedPartitions: response.batchItemFailures.map((f) => `${f.itemIdentifier.partition}@${f.itemIdentifier.offset}`),
  });
  figures.processed = summary.succeeded;
  figures.skipped = summary.skipped;
  figures.collidingMarkers = summary.collidingMarkers;
  figures.failed = summary.failed;
  figures.durationMs = summary.durationMs;
  return { response, figures };
}
