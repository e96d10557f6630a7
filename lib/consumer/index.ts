/**
 * The Kafka consumer runtime for AWS Lambda: wraps a per-record handler into a Lambda handler for
 * an MSK or self-managed Kafka event source mapping with `ReportBatchItemFailures`.
 *
 * - decodes and validates each record against its topic's zod schema (lib/consumer/decode.ts);
 * - runs partitions concurrently (bounded by `concurrency`), records of a partition in offset order;
 * - retries retryable failures in-process (exponential backoff, full jitter, bounded by attempts and
 *   the remaining time), stops the partition at its first record still failing and reports it;
 * - dead-letters records that can never succeed to `<group>.dlq` with reason headers;
 * - applies each event once per group (lib/consumer/idempotency.ts);
 * - stops taking records `safetyMarginMs` before the deadline and reports what is left;
 * - logs one JSON line per batch and per failed record, never record values.
 * Errors outside record processing (not a Kafka event, a record of another topic) reject, failing
 * the whole batch: nothing is ever acknowledged by accident.
 *
 * The result is a plain async (event, context) function, so `middy(kafkaConsumer(...))` works.
 *
 * @example
 * export const handler = kafkaConsumer({ group: 'inventory-service', topic: orderPlaced }, async (order, record) => {
 *   await applyOnce(record.group, record.eventId, [['HINCRBY', `stock:${order.items[0].product_id}`, 'reserved', 1]]);
 * });
 */
import type { Context, MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda';
import type { EventOf, TopicDefinition } from '../../events/catalog';
import { log } from '../log';
import { TimeBudget } from './budget';
import { type PartitionBatch, partitionsOf, validateRecord } from './decode';
import { IdempotencySession } from './idempotency';
import { decodePartition, type PartitionOutcome, processPartition } from './partition';
import { mapBounded } from './pool';
import type { ConsumerRecord, KafkaBatchResponse, RawKafkaEvent, RetryOptions } from './types';

export { backoffDelay } from './backoff';
export { DLQ_HEADER, listDeadLetters, redriveDeadLetters } from './dead-letters';
export { NonRetryableError, RetryableError, SchemaViolationError, UndecodableRecordError } from './errors';
export type { ConsumerRecord, KafkaBatchResponse, RawKafkaEvent, RawKafkaRecord, RetryOptions } from './types';

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
}

export const DEFAULTS = { concurrency: 8, attempts: 3, baseDelayMs: 100, maxDelayMs: 2000, safetyMarginMs: 2000 } as const;

/** Builds the Lambda handler of one consumer group. */
export function kafkaConsumer<T extends TopicDefinition>(
  options: KafkaConsumerOptions<T>,
  handler: (value: EventOf<T>, record: ConsumerRecord) => Promise<void>,
): (event: MSKEvent | SelfManagedKafkaEvent, context: Context) => Promise<KafkaBatchResponse> {
  const { group, topic } = options;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULTS.concurrency);
  const attempts = Math.max(1, options.retry?.attempts ?? DEFAULTS.attempts);
  const baseDelayMs = options.retry?.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const maxDelayMs = options.retry?.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const safetyMarginMs = options.safetyMarginMs ?? DEFAULTS.safetyMarginMs;

  return async (event, context) => {
    const started = Date.now();
    const budget = TimeBudget.of(context, safetyMarginMs, started);
    const batches = partitionsOf(event as unknown as RawKafkaEvent);
    const foreign = batches.find((b) => b.topic !== topic.name);
    if (foreign) {
      throw new Error(`Consumer group ${group} reads ${topic.name} but the batch has ${foreign.id}: check the event source mapping's topics`);
    }
    const decoded = batches.map(decodePartition);
    const eventIds = decoded.flatMap((records) => records.map((r) => r.eventId));
    // Redis checks and leases the batch while this process validates the values.
    const claiming = IdempotencySession.start(group, eventIds, Math.max(budget.remaining() + safetyMarginMs, 1000));
    for (const records of decoded) for (const record of records) validateRecord(topic, record);
    const idempotency = await claiming;

    let outcomes: PartitionOutcome[];
    try {
      outcomes = await mapBounded(batches, concurrency, (batch, i) =>
        processPartition(batch, decoded[i] ?? [], { group, topic, handler, attempts, baseDelayMs, maxDelayMs, budget, idempotency }),
      );
    } finally {
      await idempotency.finish();
    }
    return respond(group, batches, outcomes, eventIds.length, started);
  };
}

function respond(group: string, batches: PartitionBatch[], outcomes: PartitionOutcome[], records: number, started: number): KafkaBatchResponse {
  const response: KafkaBatchResponse = { batchItemFailures: [] };
  const summary = { group, records, partitions: batches.length, succeeded: 0, deadLettered: 0, failed: 0, skipped: 0, durationMs: 0 };
  outcomes.forEach((outcome, i) => {
    summary.succeeded += outcome.succeeded;
    summary.deadLettered += outcome.deadLettered;
    summary.failed += outcome.failed;
    summary.skipped += outcome.skipped;
    if (outcome.failedOffset !== undefined) {
      response.batchItemFailures.push({ itemIdentifier: { partition: (batches[i] as PartitionBatch).id, offset: outcome.failedOffset } });
    }
  });
  summary.durationMs = Date.now() - started;
  log.info('kafka batch processed', {
    ...summary,
    failedPartitions: response.batchItemFailures.map((f) => `${f.itemIdentifier.partition}@${f.itemIdentifier.offset}`),
  });
  return response;
}
