/**
 * The Lambda Kafka wire format, in one place: the event a Kafka event source mapping delivers
 * (MSK `aws:kafka` and self-managed `SelfManagedKafka` alike), its partition keys both ways, how
 * one is built from Kafka messages (the local triggers, tests and benchmarks) and how one is read
 * (the consumer runtime). Shapes as documented in shared/reference/lambda-kafka-esm.md.
 *
 * - `records` is keyed `<topic>-<partition>`; the topic may contain dashes, so a key is split on its
 *   LAST dash. Each list is in offset order.
 * - A record: numeric partition/offset/timestamp, base64 key and value (either may be missing),
 *   headers as an array of one-entry objects whose value is the header's bytes as numbers:
 *   `[{ "ce_id": [49, 50, 51] }]`. A repeated header is one entry per value, in order.
 *
 * `@types/aws-lambda` types `key` and `value` as always present and has no Kafka batch response,
 * so events are read through the looser {@link RawKafkaEvent} and {@link KafkaBatchResponse} is ours.
 *
 * @example
 * const record = lambdaRecord({ topic: 'order.placed', partition: 3, offset: 42, timestamp: Date.now(), value: '{}', headers: { ce_id: 'e-1' } });
 * const event = buildEvent({ kind: 'msk', eventSourceArn, brokers: ['b-1:9092'] }, groupByPartition([record]));
 * partitionsOf(event);                  // [{ id: 'order.placed-3', topic: 'order.placed', partition: 3, records: [record] }]
 * parsePartitionKey('order.placed-v2-11'); // { topic: 'order.placed-v2', partition: 11 }
 */
import type { IHeaders, KafkaMessage } from 'kafkajs';

/** A record as this project builds it: exactly the shape AWS delivers. */
export interface LambdaKafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key?: string;
  value?: string;
  headers: Record<string, number[]>[];
}

/** An event as this project builds it. */
export interface LambdaKafkaEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  eventSourceArn?: string;
  bootstrapServers: string;
  records: Record<string, LambdaKafkaRecord[]>;
}

/** A record as the runtime reads it: base64 key and value (either may be absent or null), headers as byte arrays. */
export interface RawKafkaRecord {
  topic?: string;
  /** A number in every AWS sample; some third-party samples show a string, so both are read. */
  partition?: number | string;
  offset: number | string;
  timestamp?: number;
  timestampType?: string;
  key?: string | null;
  value?: string | null;
  /** `[{ "ce_id": [49, 50, 51] }]`; each object normally has one entry. */
  headers?: Record<string, number[] | string>[] | null;
}

/** MSK (`aws:kafka`) or self-managed Kafka (`SelfManagedKafka`) event, read loosely. */
export interface RawKafkaEvent {
  eventSource?: string;
  eventSourceArn?: string;
  bootstrapServers?: string;
  /** Keyed by `<topic>-<partition>`; each list is in offset order. */
  records: Record<string, RawKafkaRecord[]>;
}

/**
 * Partial batch response (`FunctionResponseTypes: [ReportBatchItemFailures]`).
 * UNVERIFIED upstream: an older AWS page named the field `topic-partition`; the current page and
 * this project use `partition`, whose value is the event's own `records` key (`<topic>-<partition>`).
 */
export interface KafkaBatchResponse {
  batchItemFailures: { itemIdentifier: { partition: string; offset: number } }[];
}

/** Where an event comes from: an MSK cluster (with its ARN) or a self-managed cluster. */
export interface EventSource {
  kind: 'msk' | 'kafka';
  eventSourceArn?: string;
  brokers: string[];
}

/** `order.placed-3`: the key of a partition's records (the topic may contain dashes itself). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Splits a `records` key on its LAST dash: `order.placed-v2-11` is topic `order.placed-v2`, partition 11. */
export function parsePartitionKey(id: string): { topic: string; partition: number } {
  const dash = id.lastIndexOf('-');
  const partition = dash > 0 ? Number(id.slice(dash + 1)) : Number.NaN;
  if (!Number.isInteger(partition) || partition < 0 || id.slice(dash + 1).trim() === '') {
    throw new Error(`Kafka event records key "${id}" is not "<topic>-<partition>"`);
  }
  return { topic: id.slice(0, dash), partition };
}

/** What a record is made of: bytes or UTF-8 text for key, value and headers (kafkajs's header shape). */
export interface RecordParts {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType?: LambdaKafkaRecord['timestampType'];
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: IHeaders;
}

/** One record in Lambda's shape. A repeated (array-valued) header becomes one entry per value, as Lambda sends it. */
export function lambdaRecord(parts: RecordParts): LambdaKafkaRecord {
  const record: LambdaKafkaRecord = {
    topic: parts.topic,
    partition: parts.partition,
    offset: parts.offset,
    timestamp: parts.timestamp,
    timestampType: parts.timestampType ?? 'CREATE_TIME',
    headers: [],
  };
  // UNVERIFIED: whether Lambda omits a null key/value or sends null; the docs' samples only show
  // present ones and @types/aws-lambda types them as strings, so a null one is left out.
  if (parts.key) record.key = base64(parts.key);
  if (parts.value) record.value = base64(parts.value);
  const headers = parts.headers;
  if (headers) {
    for (const name in headers) {
      const raw = headers[name];
      if (raw === undefined) continue;
      if (Array.isArray(raw)) {
        for (const value of raw) record.headers.push({ [name]: byteArray(value) });
      } else {
        record.headers.push({ [name]: byteArray(raw) });
      }
    }
  }
  return record;
}

/** One kafkajs message as Lambda's record. */
export function toLambdaRecord(topic: string, partition: number, message: KafkaMessage): LambdaKafkaRecord {
  // kafkajs keeps the batch's timestamp type on each message (untyped); 1 = LOG_APPEND_TIME.
  const timestampType = (message as KafkaMessage & { batchContext?: { timestampType?: number } }).batchContext?.timestampType;
  return lambdaRecord({
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType: timestampType === 1 ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    key: message.key,
    value: message.value,
    headers: message.headers,
  });
}

function base64(data: Buffer | string): string {
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64');
}

/** A header value's bytes as numbers (a plain loop: much faster than Array.from on a Buffer). */
function byteArray(value: Buffer | string): number[] {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  // push keeps the array packed, which the worker-thread message serialiser handles fastest.
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i] as number);
  return out;
}

/** `records` of an event: `list` grouped by `<topic>-<partition>`, each partition in the order given. */
export function groupByPartition(list: readonly LambdaKafkaRecord[]): Record<string, LambdaKafkaRecord[]> {
  const records: Record<string, LambdaKafkaRecord[]> = {};
  for (const record of list) {
    const key = partitionKey(record.topic, record.partition);
    const partition = records[key];
    if (partition) partition.push(record);
    else records[key] = [record];
  }
  return records;
}

/** The event Lambda delivers from `source` with these `records`. */
export function buildEvent(source: EventSource, records: Record<string, LambdaKafkaRecord[]>): LambdaKafkaEvent {
  if (source.kind === 'msk') {
    return { eventSource: 'aws:kafka', eventSourceArn: source.eventSourceArn, bootstrapServers: source.brokers.join(','), records };
  }
  return { eventSource: 'SelfManagedKafka', bootstrapServers: source.brokers.join(','), records };
}

/** One `records` entry: the partition's key exactly as Lambda sent it, and its records in offset order. */
export interface PartitionBatch {
  /** `<topic>-<partition>`, echoed verbatim in batchItemFailures. */
  id: string;
  topic: string;
  partition: number;
  records: RawKafkaRecord[];
}

/**
 * The event's partitions. Throws when the event is not a Kafka event (no `records` object, or an
 * entry that is not a list): that is a wiring bug and must fail the whole batch, not pass silently.
 */
export function partitionsOf(event: RawKafkaEvent): PartitionBatch[] {
  const records = (event as Partial<RawKafkaEvent> | null | undefined)?.records;
  if (records === null || typeof records !== 'object' || Array.isArray(records)) {
    throw new Error('Not a Kafka event: expected an object "records" keyed by "<topic>-<partition>"');
  }
  const batches: PartitionBatch[] = [];
  for (const [id, list] of Object.entries(records)) {
    if (!Array.isArray(list)) throw new Error(`Not a Kafka event: records["${id}"] is not a list`);
    const { topic, partition } = parsePartitionKey(id);
    batches.push({ id, topic, partition, records: inOffsetOrder(list) });
  }
  return batches;
}

/** Lambda sends records in offset order; sort defensively (stable) without copying when already sorted. */
function inOffsetOrder(list: RawKafkaRecord[]): RawKafkaRecord[] {
  for (let i = 1; i < list.length; i++) {
    if (Number((list[i] as RawKafkaRecord).offset) < Number((list[i - 1] as RawKafkaRecord).offset)) {
      return [...list].sort((a, b) => Number(a.offset) - Number(b.offset));
    }
  }
  return list;
}
