/**
 * Decoding of Lambda's Kafka events (MSK and self-managed alike): partition keys, base64 keys and
 * values, byte-array headers, event ids, then the value against its topic's zod schema.
 *
 * Decoding never throws for one bad record: the record comes back with a `problem`, which the
 * runtime dead-letters. Only an event that is not a Kafka event at all throws.
 *
 * @example
 * const batches = partitionsOf(event);                // [{ id: 'order.placed-3', records: [...] }]
 * const record = decodeRecord(batches[0].id, raw);    // key, headers, eventId, valueBytes
 * const value = parseValue(orderPlaced, record);      // typed, or throws SchemaViolationError
 */
import type { TopicDefinition } from '../../events/catalog';
import { HEADER } from '../kafka/headers';
import { type NonRetryableError, SchemaViolationError, UndecodableRecordError } from './errors';
import type { RawKafkaEvent, RawKafkaRecord } from './types';

/** One `records` entry: the partition's identifier exactly as Lambda sent it, and its records in offset order. */
export interface PartitionBatch {
  /** `<topic>-<partition>`, echoed verbatim in batchItemFailures. */
  id: string;
  topic: string;
  partition: number;
  records: RawKafkaRecord[];
}

/** A record with its bytes decoded; `problem` is set when it can never be processed. */
export interface DecodedRecord {
  partitionId: string;
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string;
  key: string | null;
  keyBytes: Buffer | null;
  /** Null for a tombstone. */
  valueBytes: Buffer | null;
  /** Every header in order as delivered (repeats kept), for the dead-letter copy (see {@link headerBuffer}). */
  rawHeaders: [string, HeaderBytes][];
  /** Header values as UTF-8; the last value of a repeated header wins. */
  headers: Record<string, string>;
  eventId: string;
  /** Why the record can never be processed (it is dead-lettered). */
  problem?: NonRetryableError;
  /** The validated value, once {@link validateRecord} ran without a problem. */
  value?: unknown;
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

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/**
 * Strict base64: Lambda always pads, so the length is a multiple of 4 and no character may be
 * skipped by Node's lenient decoder (a skipped character shows as a shorter result).
 */
export function decodeBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined;
}

/** Decodes one raw record; never throws for bad content (see {@link DecodedRecord.problem}). */
export function decodeRecord(batch: Pick<PartitionBatch, 'id' | 'topic' | 'partition'>, raw: RawKafkaRecord): DecodedRecord {
  const topic = typeof raw.topic === 'string' && raw.topic !== '' ? raw.topic : batch.topic;
  const partition = raw.partition === undefined || raw.partition === null ? batch.partition : Number(raw.partition);
  const offset = Number(raw.offset);
  const problems: string[] = [];

  const rawHeaders: [string, HeaderBytes][] = [];
  const headers: Record<string, string> = {};
  if (Array.isArray(raw.headers)) {
    for (const entry of raw.headers) {
      if (entry === null || typeof entry !== 'object') continue;
      for (const name in entry) {
        const value = entry[name];
        const text = headerText(value);
        if (text === undefined) {
          problems.push(`header "${name}" is not a byte array`);
          continue;
        }
        rawHeaders.push([name, value as HeaderBytes]);
        headers[name] = text;
      }
    }
  }

  let keyBytes: Buffer | null = null;
  let key: string | null = null;
  if (typeof raw.key === 'string') {
    const bytes = decodeBase64(raw.key);
    if (bytes) {
      keyBytes = bytes;
      key = lenientUtf8.decode(bytes);
    } else {
      keyBytes = Buffer.from(raw.key, 'utf8');
      problems.push('key is not valid base64');
    }
  }

  let valueBytes: Buffer | null = null;
  if (typeof raw.value === 'string') {
    const bytes = decodeBase64(raw.value);
    if (bytes) valueBytes = bytes;
    else {
      // Keep what Lambda sent, so the dead letter still shows it.
      valueBytes = Buffer.from(raw.value, 'utf8');
      problems.push('value is not valid base64');
    }
  } else if (raw.value !== undefined && raw.value !== null) {
    problems.push('value is not a string');
  }

  if (!Number.isFinite(offset)) problems.push('offset is not a number');
  const eventId = headers[HEADER.id] || `${topic}-${partition}-${raw.offset}`;
  const record: DecodedRecord = {
    partitionId: batch.id,
    topic,
    partition,
    offset,
    timestamp: Number(raw.timestamp ?? 0),
    timestampType: raw.timestampType ?? 'CREATE_TIME',
    key,
    keyBytes,
    valueBytes,
    rawHeaders,
    headers,
    eventId,
  };
  if (problems.length > 0) record.problem = new UndecodableRecordError(problems.join('; '));
  return record;
}

/** A header value as Lambda sends it: bytes as numbers (a string is read as UTF-8 text). */
export type HeaderBytes = number[] | string;

/** The bytes of a header value. */
export function headerBuffer(value: HeaderBytes): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
}

/** UTF-8 text of a header value, or undefined when it is not bytes. ASCII (the usual case) is decoded without a Buffer. */
function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return undefined;
  let ascii = true;
  for (let i = 0; i < value.length; i++) {
    const byte = value[i];
    if (typeof byte !== 'number' || byte < 0 || byte > 255 || (byte | 0) !== byte) return undefined;
    if (byte > 127) ascii = false;
  }
  if (ascii && value.length < 4096) return String.fromCharCode.apply(null, value as number[]);
  return lenientUtf8.decode(Buffer.from(value as number[]));
}

/**
 * Parses and validates a record's value against its topic's schema.
 *
 * Tombstones (null value) are dead-lettered as schema violations: no catalog topic is compacted
 * and no producer of ours writes tombstones, so a null value is not an event of that topic; the
 * dead-letter topic makes it visible instead of silently skipping it.
 */
export function parseValue<T extends TopicDefinition>(topic: T, record: DecodedRecord): unknown {
  if (record.valueBytes === null) throw new SchemaViolationError(`tombstone (null value) on ${topic.name}: not an event of this topic`);
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(record.valueBytes));
  } catch (error) {
    throw new UndecodableRecordError(`value is not UTF-8 JSON: ${(error as Error).message}`);
  }
  const result = topic.schema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(value)'}: ${issue.message}`)
      .join('; ');
    throw new SchemaViolationError(`value does not match ${topic.name} schema: ${issues}`);
  }
  return result.data;
}

/** Parses and validates `record`'s value in place: sets `value`, or `problem` when it cannot be processed. */
export function validateRecord(topic: TopicDefinition, record: DecodedRecord): void {
  if (record.problem) return;
  try {
    record.value = parseValue(topic, record);
  } catch (error) {
    record.problem = error as NonRetryableError;
  }
}
