/**
 * What Lambda's Kafka event source mapping does with a partition after an invocation, or before one
 * with the records at its head: a pure function of (invocation outcome, partition state, mapping).
 * lib/local/offline-kafka/poller.ts applies the decisions; nothing here touches Kafka.
 *
 * The rules, from the AWS Lambda developer guide (kafka-retry-configurations.html,
 * kafka-on-failure.html, with-msk-process.html; see shared/reference/lambda-kafka-esm.md):
 * - Success (or any response without ReportBatchItemFailures): every partition commits.
 * - Reported item failures: each failed partition commits up to its LOWEST failed offset and is
 *   delivered again from there; the partitions without failures commit.
 * - A thrown error, a timeout, or an invalid response fails the whole batch: with
 *   BisectBatchOnFunctionError a batch of more than one record is halved (halving does not count
 *   as a retry); otherwise every record of the batch uses up one retry.
 * - A record that failed MaximumRetryAttempts + 1 times goes to the on-failure destination (without
 *   one it is discarded) and is committed. With infinite retries (-1) and a destination Lambda
 *   applies 10.
 * - Records older than MaximumRecordAgeInSeconds, or one alone over the 6 MB payload limit, go to
 *   the destination without an invocation.
 *
 * @example
 * const policy = failurePolicy(mapping);
 * const { verdict, partitions } = afterInvocation({ ok: false, error: 'Unhandled: boom' }, [{ key: 't-0', offsets: [4, 5], attempts: new Map() }], policy);
 * // verdict.kind 'failed'; partitions[0].decision: { action: 'retry', done: 0, attempt: 1, failures: [[4, 1], [5, 1]] }
 */
import type { LambdaKafkaRecord } from '../../kafka/lambda-event';
import type { MappingConfig } from './config';
import type { FailureCondition } from './dead-letter';
import type { InvokeOutcome } from './invoke';
import { MAX_PAYLOAD_BYTES } from './payload';
import { interpret, type Verdict } from './result';

/** Where records whose retries are exhausted go. */
export type Destination = { kind: 'kafka'; topic: string } | { kind: 'not-emulated'; target: string } | { kind: 'none' };

/** The mapping's settings that decide what happens to a failed record. */
export interface FailurePolicy {
  reportBatchItemFailures: boolean;
  /** Failed invocations a record may have and still be retried (MaximumRetryAttempts, see {@link effectiveMaxRetries}). */
  maxRetries: number;
  bisectOnError: boolean;
  /** -1: records never expire. */
  maximumRecordAgeSeconds: number;
  destination: Destination;
}

type PolicySettings = Pick<
  MappingConfig,
  'reportBatchItemFailures' | 'maximumRetryAttempts' | 'bisectOnError' | 'maximumRecordAgeSeconds' | 'onFailureTopic' | 'onFailureOther'
>;

/** With infinite retries and a destination, Lambda caps retries at 10. */
export function effectiveMaxRetries(mapping: Pick<MappingConfig, 'maximumRetryAttempts' | 'onFailureTopic' | 'onFailureOther'>): number {
  if (mapping.maximumRetryAttempts >= 0) return mapping.maximumRetryAttempts;
  return mapping.onFailureTopic || mapping.onFailureOther ? 10 : Number.POSITIVE_INFINITY;
}

export function failurePolicy(mapping: PolicySettings): FailurePolicy {
  let destination: Destination = { kind: 'none' };
  if (mapping.onFailureTopic) destination = { kind: 'kafka', topic: mapping.onFailureTopic };
  else if (mapping.onFailureOther) destination = { kind: 'not-emulated', target: mapping.onFailureOther };
  return {
    reportBatchItemFailures: mapping.reportBatchItemFailures,
    maxRetries: effectiveMaxRetries(mapping),
    bisectOnError: mapping.bisectOnError,
    maximumRecordAgeSeconds: mapping.maximumRecordAgeSeconds,
    destination,
  };
}

/** A partition's part of the batch just invoked. */
export interface InvokedPartition {
  /** `<topic>-<partition>`. */
  key: string;
  /** Offsets of its records in the batch, in order. */
  offsets: readonly number[];
  /** Failed invocations so far per offset. */
  attempts: ReadonlyMap<number, number>;
  /** Last offset of the batch that started a bisection still going on. */
  bisectUntil?: number;
}

/** Failure counts to record, `[offset, failed invocations]`. */
type Failures = [offset: number, attempt: number][];

/**
 * What to do with one partition. `done` records (from the start of its part of the batch) are
 * committed first; `attempt` is the failure count the retry backoff (or a retry after the
 * destination could not be written) is sized by.
 */
export type PartitionDecision =
  /** Commit the first `done` records (all of them) and go on. */
  | { action: 'commit'; done: number }
  /** Commit the first `done`, record `failures`, deliver again from the next one after a backoff. */
  | { action: 'retry'; done: number; attempt: number; failures: Failures }
  /** Commit the first `done`, record `failures`, send the next `count` to the destination, commit them and go on. */
  | { action: 'divert'; done: number; count: number; condition: FailureCondition; reason: string; attempt: number; failures: Failures }
  /** Nothing committed: deliver again in batches of at most `sizeLimit` until past `bisectUntil` (not a retry). */
  | { action: 'bisect'; sizeLimit: number; bisectUntil: number };

export interface BatchDecision {
  /** What Lambda made of the outcome (lib/local/offline-kafka/result.ts). */
  verdict: Verdict;
  /** One decision per partition, in the order given. */
  partitions: PartitionDecision[];
}

/** What each partition of an invoked batch does next, given the invocation's outcome. */
export function afterInvocation(outcome: InvokeOutcome, batch: readonly InvokedPartition[], policy: FailurePolicy): BatchDecision {
  const verdict = interpret(outcome, offsetsByKey(batch), policy.reportBatchItemFailures);
  if (verdict.kind === 'success') return { verdict, partitions: batch.map((p) => ({ action: 'commit', done: p.offsets.length })) };
  if (verdict.kind === 'partial') return { verdict, partitions: batch.map((p) => afterItemFailure(p, verdict.failed.get(p.key), policy)) };
  const count = batch.reduce((sum, p) => sum + p.offsets.length, 0);
  if (policy.bisectOnError && count > 1) {
    const sizeLimit = Math.ceil(count / 2);
    const partitions = batch.map((p): PartitionDecision => ({ action: 'bisect', sizeLimit, bisectUntil: Math.max(p.bisectUntil ?? -1, last(p.offsets)) }));
    return { verdict, partitions };
  }
  return { verdict, partitions: batch.map((p) => afterBatchFailure(p, verdict.reason, policy)) };
}

/** Item failure at `failedOffset` (none: the partition succeeded): commit before it, retry it or give it up. */
function afterItemFailure(partition: InvokedPartition, failedOffset: number | undefined, policy: FailurePolicy): PartitionDecision {
  if (failedOffset === undefined) return { action: 'commit', done: partition.offsets.length };
  const done = partition.offsets.indexOf(failedOffset);
  const attempt = (partition.attempts.get(failedOffset) ?? 0) + 1;
  const failures: Failures = [[failedOffset, attempt]];
  if (attempt <= policy.maxRetries) return { action: 'retry', done, attempt, failures };
  return { action: 'divert', done, count: 1, condition: 'RetryAttemptsExhausted', reason: `reported as failed ${attempt} time(s)`, attempt, failures };
}

/** The whole batch failed: every record uses up one retry; the leading ones past the limit are given up. */
function afterBatchFailure(partition: InvokedPartition, reason: string, policy: FailurePolicy): PartitionDecision {
  const failures: Failures = partition.offsets.map((offset) => [offset, (partition.attempts.get(offset) ?? 0) + 1]);
  const attempt = failures[0]?.[1] ?? 1;
  if (attempt <= policy.maxRetries) return { action: 'retry', done: 0, attempt, failures };
  let count = 0;
  while (count < failures.length && (failures[count]?.[1] ?? 0) > policy.maxRetries) count++;
  return { action: 'divert', done: 0, count, condition: 'RetryAttemptsExhausted', reason, attempt, failures };
}

/** What to do with the records at a partition's head before they are invoked. */
export type HeadDecision = { action: 'invoke' } | { action: 'divert'; count: number; condition: FailureCondition; reason: string };

/**
 * Of `records` from index `head` on: those at the head older than MaximumRecordAgeInSeconds go to
 * the destination; then a head record too big for one invocation on its own (`headFits` false)
 * does; otherwise the head is invoked.
 */
export function beforeInvocation(
  records: readonly Pick<LambdaKafkaRecord, 'timestamp'>[],
  head: number,
  headFits: boolean,
  policy: Pick<FailurePolicy, 'maximumRecordAgeSeconds'>,
  now: number,
): HeadDecision {
  if (policy.maximumRecordAgeSeconds >= 0) {
    const oldest = now - policy.maximumRecordAgeSeconds * 1000;
    let expired = 0;
    while (head + expired < records.length && (records[head + expired]?.timestamp ?? oldest) < oldest) expired++;
    if (expired > 0) {
      return {
        action: 'divert',
        count: expired,
        condition: 'RecordAgeExceeded',
        reason: `older than MaximumRecordAgeInSeconds (${policy.maximumRecordAgeSeconds})`,
      };
    }
  }
  if (head < records.length && !headFits) {
    return {
      action: 'divert',
      count: 1,
      condition: 'MaximumPayloadSizeExceeded',
      reason: `record exceeds the ${MAX_PAYLOAD_BYTES}-byte invocation payload limit`,
    };
  }
  return { action: 'invoke' };
}

function offsetsByKey(batch: readonly InvokedPartition[]): Record<string, { offset: number }[]> {
  const records: Record<string, { offset: number }[]> = {};
  for (const p of batch) records[p.key] = p.offsets.map((offset) => ({ offset }));
  return records;
}

function last(offsets: readonly number[]): number {
  return offsets[offsets.length - 1] ?? -1;
}
