/**
 * Decoding of the records of Lambda's Kafka events (MSK and self-managed alike; the event itself is
 * split into partitions by lib/kafka/lambda-event.ts): base64 keys and values, byte-array headers,
 * event ids, then the value against its topic's zod schema.
 *
 * Decoding never throws for one bad record: the record comes back with a `problem`, which the
 * runtime dead-letters. Only an event that is not a Kafka event at all throws.
 *
 * @example
 * for (const batch of partitionsOf(event)) {          // lib/kafka/lambda-event.ts: { id: 'order.placed-3', topic, partition, records: [...] }
 *   for (const raw of batch.records) {
 *     const record = decodeRecord(batch, raw);       // key, headers, eventId, valueBytes; `problem` when undecodable
 *     validateRecord(orderPlaced, record);           // sets `value`, or `problem` (a SchemaViolationError)
 *   }
 * }
 */
import type { TopicDefinition } from '../../events/catalog';
import { errorMessage } from '../errors';
import { HEADER } from '../kafka/headers';
import type { PartitionBatch, RawKafkaRecord } from '../kafka/lambda-event';
import { TRACE_HEADER } from '../telemetry/trace';
import { type NonRetryableError, SchemaViolationError, UndecodableRecordError } from './errors';
import { contentDigest, fallbackEventId, legacyFallbackEventId } from './record-id';
import type { ConsumerRecord } from './types';

/**
 * A record with its bytes decoded; `problem` is set when it can never be processed.
 *
 * Headers are validated eagerly but turned into strings lazily: only the event id and the redrive
 * target are needed for every record, the rest only when a handler reads {@link headers}.
 */
export class DecodedRecord {
  /** The validated value, once {@link validateRecord} ran without a problem. */
  value?: unknown;
  /** Why the record can never be processed (it is dead-lettered). */
  problem?: NonRetryableError;
  /** Set when a batch handler applied this record's effect (lib/consumer kafkaBatchConsumer). */
  batched = false;
  /** What the handler sees (lib/consumer/partition.ts consumerRecordOf), once made. */
  view: ConsumerRecord | undefined = undefined;
  /** The W3C trace context the producer left (`traceparent`, `tracestate`), read in the same pass as the event id. */
  traceparent: string | undefined = undefined;
  tracestate: string | undefined = undefined;
  private decodedHeaders: Record<string, string> | undefined = undefined;
  private digest: string | undefined = undefined;

  constructor(
    /** `<topic>-<partition>`, echoed verbatim in batchItemFailures. */
    readonly partitionId: string,
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly timestamp: number,
    readonly timestampType: string,
    readonly key: string | null,
    readonly keyBytes: Buffer | null,
    /** Null for a tombstone. */
    readonly valueBytes: Buffer | null,
    /** The headers exactly as delivered (repeats kept, in order), for the dead-letter copy: see {@link headerEntries}. */
    readonly rawHeaders: RawHeaders,
    /** `ce_id`, or the fallback id of lib/consumer/record-id.ts when the record has none: the idempotency key. */
    readonly eventId: string,
    /** `x-redrive-group`, when present: the only group that processes this (redriven) record. */
    readonly redriveGroup: string | undefined,
    /** The pre-issue-15 fallback id, when {@link eventId} is a fallback id: markers under it may still be honoured. */
    readonly legacyEventId: string | undefined,
  ) {}

  /** Digest of the key and value bytes (lib/consumer/record-id.ts), made when first needed: what an applied marker keeps. */
  get contentDigest(): string {
    this.digest ??= contentDigest(this.keyBytes, this.valueBytes);
    return this.digest;
  }

  /** Sets the digest already made for the fallback id, so it is not computed twice. */
  withDigest(digest: string): this {
    this.digest = digest;
    return this;
  }

  /** Header values as UTF-8; the last value of a repeated header wins. Headers that are not bytes are left out. */
  get headers(): Record<string, string> {
    if (this.decodedHeaders === undefined) {
      const headers: Record<string, string> = {};
      for (const [name, value] of headerEntries(this.rawHeaders)) headers[name] = headerText(value);
      this.decodedHeaders = headers;
    }
    return this.decodedHeaders;
  }
}

/** `headers` of a raw record: objects normally holding one `name: bytes` entry each. */
export type RawHeaders = RawKafkaRecord['headers'];

/** The valid (byte-array) headers of `raw` in delivery order, repeats kept. */
export function* headerEntries(raw: RawHeaders): Generator<[string, HeaderBytes]> {
  if (!Array.isArray(raw)) return;
  for (const entry of raw) {
    if (entry === null || typeof entry !== 'object') continue;
    for (const name in entry) {
      const value = entry[name];
      if (isHeaderBytes(value)) yield [name, value];
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/**
 * Strict base64: Lambda always pads, so the length is a multiple of 4 and no character may be
 * skipped by Node's lenient decoder (a skipped character shows as a shorter result).
 */
function decodeBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined;
}

/** Keys seen earlier in the same batch (keys repeat: one per customer, session, video), so each is decoded once. */
export type KeyCache = Map<string, { bytes: Buffer; text: string } | null>;

/** Decodes one raw record; never throws for bad content (see {@link DecodedRecord.problem}). */
export function decodeRecord(batch: Pick<PartitionBatch, 'id' | 'topic' | 'partition'>, raw: RawKafkaRecord, keys?: KeyCache): DecodedRecord {
  const topic = typeof raw.topic === 'string' && raw.topic !== '' ? raw.topic : batch.topic;
  const partition = raw.partition === undefined || raw.partition === null ? batch.partition : Number(raw.partition);
  const offset = Number(raw.offset);
  let problems: string | undefined;

  const headers = readHeaders(raw.headers);
  if (headers.problems !== undefined) problems = addProblem(problems, headers.problems);
  const { id, redriveGroup, traceparent, tracestate } = headers;
  const rawHeaders = raw.headers;

  let keyBytes: Buffer | null = null;
  let key: string | null = null;
  if (typeof raw.key === 'string') {
    let known = keys?.get(raw.key);
    if (known === undefined) {
      const bytes = decodeBase64(raw.key);
      known = bytes ? { bytes, text: lenientUtf8.decode(bytes) } : null;
      keys?.set(raw.key, known);
    }
    if (known) {
      keyBytes = known.bytes;
      key = known.text;
    } else {
      keyBytes = Buffer.from(raw.key, 'utf8');
      problems = addProblem(problems, 'key is not valid base64');
    }
  }

  const value = decodeValue(raw.value);
  const valueBytes = value.bytes;
  if (value.problem !== undefined) problems = addProblem(problems, value.problem);

  if (!Number.isFinite(offset)) problems = addProblem(problems, 'offset is not a number');
  const timestamp = Number(raw.timestamp ?? 0);
  // No (or an empty) ce_id: an id derived from the record itself, unique across topic incarnations.
  const digest = id ? undefined : contentDigest(keyBytes, valueBytes);
  const at = { topic, partition, offset, timestamp };
  const record = new DecodedRecord(
    batch.id,
    topic,
    partition,
    offset,
    timestamp,
    raw.timestampType ?? 'CREATE_TIME',
    key,
    keyBytes,
    valueBytes,
    rawHeaders,
    digest === undefined ? (id as string) : fallbackEventId(at, digest),
    redriveGroup,
    digest === undefined ? undefined : legacyFallbackEventId(at),
  );
  if (digest !== undefined) record.withDigest(digest);
  record.traceparent = traceparent;
  record.tracestate = tracestate;
  if (problems !== undefined) record.problem = new UndecodableRecordError(problems);
  return record;
}

/** The headers every record needs, decoded in one pass that also validates all of them (the last value of a repeat wins). */
function readHeaders(rawHeaders: RawHeaders): { id?: string; redriveGroup?: string; traceparent?: string; tracestate?: string; problems?: string } {
  const found: { id?: string; redriveGroup?: string; traceparent?: string; tracestate?: string; problems?: string } = {};
  if (!Array.isArray(rawHeaders)) return found;
  for (let h = 0; h < rawHeaders.length; h++) {
    const entry = rawHeaders[h];
    if (entry === null || typeof entry !== 'object') continue;
    for (const name in entry) {
      const value = entry[name];
      if (!isHeaderBytes(value)) found.problems = addProblem(found.problems, `header "${name}" is not a byte array`);
      else if (name === HEADER.id) found.id = headerText(value);
      else if (name === HEADER.redriveGroup) found.redriveGroup = headerText(value);
      else if (name === TRACE_HEADER.parent) found.traceparent = headerText(value);
      else if (name === TRACE_HEADER.state) found.tracestate = headerText(value);
    }
  }
  return found;
}

/** A record's value bytes (null for a tombstone), and what is wrong with it if anything. */
function decodeValue(value: unknown): { bytes: Buffer | null; problem?: string } {
  if (typeof value === 'string') {
    const bytes = decodeBase64(value);
    // Not base64: keep what Lambda sent, so the dead letter still shows it.
    return bytes ? { bytes } : { bytes: Buffer.from(value, 'utf8'), problem: 'value is not valid base64' };
  }
  if (value !== undefined && value !== null) return { bytes: null, problem: 'value is not a string' };
  return { bytes: null };
}

function addProblem(problems: string | undefined, problem: string): string {
  return problems === undefined ? problem : `${problems}; ${problem}`;
}

/** A header value as Lambda sends it: bytes as numbers (a string is read as UTF-8 text). */
export type HeaderBytes = number[] | string;

/** The bytes of a header value. */
export function headerBuffer(value: HeaderBytes): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
}

/** Whether `value` is a header value: bytes as numbers 0-255 (or a string, read as UTF-8 text). */
function isHeaderBytes(value: unknown): value is HeaderBytes {
  if (typeof value === 'string') return true;
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const byte = value[i];
    if (typeof byte !== 'number' || (byte & 255) !== byte) return false;
  }
  return true;
}

/** UTF-8 text of a header value that passed {@link isHeaderBytes}. ASCII (the usual case) is decoded without a Buffer. */
function headerText(value: HeaderBytes): string {
  if (typeof value === 'string') return value;
  let ascii = value.length < 4096;
  for (let i = 0; ascii && i < value.length; i++) if ((value[i] as number) > 127) ascii = false;
  if (ascii) return String.fromCharCode.apply(null, value);
  return lenientUtf8.decode(Buffer.from(value));
}

/**
 * Parses and validates a record's value against its topic's schema.
 *
 * Tombstones (null value) are dead-lettered as schema violations: no catalog topic is compacted
 * and no producer of ours writes tombstones, so a null value is not an event of that topic; the
 * dead-letter topic makes it visible instead of silently skipping it.
 */
function parseValue<T extends TopicDefinition>(topic: T, record: DecodedRecord): unknown {
  if (record.valueBytes === null) throw new SchemaViolationError(`tombstone (null value) on ${topic.name}: not an event of this topic`);
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(record.valueBytes));
  } catch (error) {
    throw new UndecodableRecordError(`value is not UTF-8 JSON: ${errorMessage(error)}`);
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
