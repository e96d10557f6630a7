/**
 * One partition of a batch, strictly in offset order: each record is skipped (redrive for another
 * group, already applied; a colliding one, same event id but other content, is also logged and
 * counted), counted (applied by a batch handler before this pass), run (with in-process retries),
 * or dead-lettered; the partition stops at its first record that is none of these, and that
 * record's offset is what Lambda must redeliver from.
 *
 * @example
 * const outcome = await processPartition(batch, decodePartition(batch), settings);
 * if (outcome.failedOffset !== undefined) failures.push({ partition: batch.id, offset: outcome.failedOffset });
 */
import type { TopicDefinition } from '../../events/catalog';
import { errorMessage } from '../errors';
import { HEADER } from '../kafka/headers';
import type { PartitionBatch, RawKafkaRecord } from '../kafka/lambda-event';
import { log } from '../log';
import { activeTraceId } from '../telemetry/trace';
import { backoffDelay, sleep } from './backoff';
import type { TimeBudget } from './budget';
import { deadLetterMessage, publishDeadLetter } from './dead-letters';
import { type DecodedRecord, decodeRecord, type KeyCache } from './decode';
import { asError, InProgressElsewhereError, isRetryable } from './errors';
import type { IdempotencySession } from './idempotency';
import { type Invocation, inRecordSpan, recordBatchedSpan } from './telemetry';
import type { ConsumerRecord } from './types';

export interface PartitionSettings {
  group: string;
  topic: TopicDefinition;
  handler: (value: never, record: ConsumerRecord) => Promise<void>;
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  budget: TimeBudget;
  idempotency: IdempotencySession;
  /** The invocation's trace (lib/consumer/telemetry.ts). */
  invocation: Invocation;
}

export interface PartitionOutcome {
  succeeded: number;
  deadLettered: number;
  /** Skipped as already applied (or redriven for another group); includes {@link collidingMarkers}. */
  skipped: number;
  /**
   * Skipped as already applied although the marker was written for other content (same event id,
   * other key or value): a producer reusing ids, or an id that collided. Logged at WARN one by one.
   */
  collidingMarkers: number;
  /** Records not processed: the failed one and every one after it. */
  failed: number;
  /** First offset Lambda must redeliver, when the partition stopped early. */
  failedOffset?: number;
  /** In-process retries (attempts after the first). */
  retried: number;
  /** Dead letters by reason (error class). */
  deadLetterReasons: Record<string, number>;
  /** Age (now − record timestamp) of the partition's first record when it was processed. */
  oldestAgeMs?: number;
  /** Each processed record's latency, record timestamp → done (the operator console's percentiles). */
  latenciesMs: number[];
}

type RecordOutcome = 'succeeded' | 'dead-lettered' | 'skipped' | 'skipped-colliding' | 'failed';

/** Processes `records` (already decoded) of one partition in order; never throws for a record. */
export async function processPartition(batch: PartitionBatch, records: DecodedRecord[], settings: PartitionSettings): Promise<PartitionOutcome> {
  const outcome: PartitionOutcome = {
    succeeded: 0,
    deadLettered: 0,
    skipped: 0,
    collidingMarkers: 0,
    failed: 0,
    retried: 0,
    deadLetterReasons: {},
    latenciesMs: [],
  };
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as DecodedRecord;
    if (settings.budget.expired()) {
      log.warn('time budget spent: leaving the rest of the partition for redelivery', {
        group: settings.group,
        topicPartition: batch.id,
        offset: record.offset,
        unprocessed: records.length - i,
      });
      return stop(outcome, record.offset, records.length - i);
    }
    if (i === 0 && record.timestamp > 0) outcome.oldestAgeMs = Math.max(0, Date.now() - record.timestamp);
    if (record.batched) {
      recordBatchedSpan(record, settings.invocation);
      succeeded(outcome, record);
      continue;
    }
    const result = await inRecordSpan(record, settings.invocation, () => processRecord(record, settings, outcome));
    if (result === 'failed') return stop(outcome, record.offset, records.length - i);
    if (result === 'succeeded') succeeded(outcome, record);
    else if (result === 'dead-lettered') outcome.deadLettered++;
    else {
      outcome.skipped++;
      if (result === 'skipped-colliding') outcome.collidingMarkers++;
    }
  }
  return outcome;
}

function succeeded(outcome: PartitionOutcome, record: DecodedRecord): void {
  outcome.succeeded++;
  if (record.timestamp > 0) outcome.latenciesMs.push(Date.now() - record.timestamp);
}

function stop(outcome: PartitionOutcome, offset: number, unprocessed: number): PartitionOutcome {
  outcome.failedOffset = offset;
  outcome.failed = unprocessed;
  return outcome;
}

async function processRecord(record: DecodedRecord, settings: PartitionSettings, outcome: PartitionOutcome): Promise<RecordOutcome> {
  const { group, idempotency } = settings;
  // A dead letter redriven for another group: that group alone processes it.
  if (record.redriveGroup !== undefined && record.redriveGroup !== group) return 'skipped';
  if (record.problem) return deadLetter(record, record.problem, 1, settings, outcome);
  const value = record.value;
  // The batch handler's view when it had one; else a view not kept on the record (kept, 10,000 of
  // them would outlive the young generation for nothing).
  const consumerRecord = record.view ?? new RecordView(record, group);

  for (let attempt = 1; ; attempt++) {
    let claimed = false;
    try {
      let state = idempotency.claimed(record.eventId);
      if (state === undefined) state = await idempotency.claim(record.eventId);
      if (state === 'applied') return alreadyApplied(record, settings);
      if (state === 'held') throw new InProgressElsewhereError(`event ${record.eventId} is being processed by another invocation`);
      claimed = true;
      await settings.handler(value as never, consumerRecord);
      idempotency.completed(record.eventId, record.contentDigest);
      return 'succeeded';
    } catch (thrown) {
      if (claimed) idempotency.abandoned(record.eventId);
      const error = asError(thrown);
      if (!isRetryable(error)) return deadLetter(record, error, attempt, settings, outcome);
      const delay = backoffDelay(attempt, settings);
      if (attempt >= settings.attempts || !settings.budget.allows(delay)) {
        log.error('record failed: reported for redelivery', {
          group,
          topicPartition: record.partitionId,
          offset: record.offset,
          eventId: record.eventId,
          trace_id: activeTraceId(),
          attempts: attempt,
          error: { name: error.name, message: error.message },
        });
        return 'failed';
      }
      log.debug('record failed: retrying', {
        group,
        topicPartition: record.partitionId,
        offset: record.offset,
        eventId: record.eventId,
        trace_id: activeTraceId(),
        attempt,
        delayMs: delay,
      });
      outcome.retried++;
      await sleep(delay);
    }
  }
}

/**
 * An already applied record is skipped. If its marker holds the digest of other content, this is
 * not a redelivery but another record under the same event id (a producer reusing `ce_id`, or an
 * id that collided): still skipped, since the event id is what idempotency promises, but reported
 * instead of silently dropped. Markers that hold no digest (`1`) cannot tell and are trusted.
 */
function alreadyApplied(record: DecodedRecord, settings: PartitionSettings): RecordOutcome {
  const applied = settings.idempotency.appliedDigest(record.eventId);
  if (applied === undefined || applied === record.contentDigest) return 'skipped';
  log.warn('event id already applied with other content: skipped, not applied', {
    group: settings.group,
    topicPartition: record.partitionId,
    offset: record.offset,
    eventId: record.eventId,
  });
  return 'skipped-colliding';
}

/** Dead-letters `record`; when Kafka does not acknowledge, the record fails instead (never dropped). */
async function deadLetter(
  record: DecodedRecord,
  error: Error,
  attempts: number,
  settings: PartitionSettings,
  outcome: PartitionOutcome,
): Promise<RecordOutcome> {
  const fields = {
    group: settings.group,
    topicPartition: record.partitionId,
    offset: record.offset,
    eventId: record.eventId,
    trace_id: activeTraceId(),
    attempts,
    error: { name: error.name, message: error.message },
  };
  try {
    await publishDeadLetter(settings.group, deadLetterMessage(record, settings.group, error, attempts));
    log.warn('record dead-lettered', fields);
    const reason = error.name || error.constructor.name;
    outcome.deadLetterReasons[reason] = (outcome.deadLetterReasons[reason] ?? 0) + 1;
    return 'dead-lettered';
  } catch (publishError) {
    log.error('record could not be dead-lettered: reported for redelivery', { ...fields, deadLetterError: errorMessage(publishError) });
    return 'failed';
  }
}

/** Decodes a partition's records' bytes and headers (done before any record runs so ids can be claimed in bulk). */
export function decodePartition(batch: PartitionBatch, keys: KeyCache = new Map()): DecodedRecord[] {
  const records = new Array<DecodedRecord>(batch.records.length);
  for (let i = 0; i < records.length; i++) records[i] = decodeRecord(batch, batch.records[i] as RawKafkaRecord, keys);
  return records;
}

/** What the handler receives for `record` (one per record, made when first needed). */
export function consumerRecordOf(record: DecodedRecord, group: string): ConsumerRecord {
  record.view ??= new RecordView(record, group);
  return record.view;
}

/** A {@link ConsumerRecord} over a decoded record: header strings are made only if the handler reads them. */
class RecordView implements ConsumerRecord {
  readonly #record: DecodedRecord;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: string;
  readonly key: string | null;
  readonly eventId: string;

  constructor(
    record: DecodedRecord,
    readonly group: string,
  ) {
    this.#record = record;
    this.topic = record.topic;
    this.partition = record.partition;
    this.offset = record.offset;
    this.timestamp = record.timestamp;
    this.timestampType = record.timestampType;
    this.key = record.key;
    this.eventId = record.eventId;
  }

  get headers(): Record<string, string> {
    return this.#record.headers;
  }

  get eventType(): string | undefined {
    return this.#record.headers[HEADER.type];
  }

  get source(): string | undefined {
    return this.#record.headers[HEADER.source];
  }

  toJSON(): ConsumerRecord {
    const { topic, partition, offset, timestamp, timestampType, key, headers, eventId, group, eventType, source } = this;
    return { topic, partition, offset, timestamp, timestampType, key, headers, eventId, group, eventType, source };
  }
}
