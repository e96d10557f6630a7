/**
 * Lambda's Kafka event, built from kafkajs messages in exactly the shape AWS delivers it:
 * records keyed `<topic>-<partition>`, numeric partition/offset/timestamp, base64 key and value,
 * headers as an array of one-entry objects whose value is the header's bytes as numbers.
 */
import type { KafkaMessage } from 'kafkajs';

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

export interface LambdaKafkaEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  eventSourceArn?: string;
  bootstrapServers: string;
  records: Record<string, LambdaKafkaRecord[]>;
}

/** Lambda's synchronous invocation payload limit. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** `order.placed-3`: the key of a partition's records (the topic may contain dashes itself). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** One Kafka message as Lambda's record. */
export function toLambdaRecord(topic: string, partition: number, message: KafkaMessage): LambdaKafkaRecord {
  // kafkajs keeps the batch's timestamp type on each message (untyped); 1 = LOG_APPEND_TIME.
  const timestampType = (message as KafkaMessage & { batchContext?: { timestampType?: number } }).batchContext?.timestampType;
  const record: LambdaKafkaRecord = {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType: timestampType === 1 ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    headers: [],
  };
  // UNVERIFIED: whether Lambda omits a null key/value or sends null; the docs' samples only show
  // present ones and @types/aws-lambda types them as strings, so a null one is left out.
  if (message.key) record.key = message.key.toString('base64');
  if (message.value) record.value = message.value.toString('base64');
  for (const [name, raw] of Object.entries(message.headers ?? {})) {
    const values = Array.isArray(raw) ? raw : [raw];
    for (const value of values) {
      if (value === undefined) continue;
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
      record.headers.push({ [name]: Array.from(bytes) });
    }
  }
  return record;
}

export function buildEvent(
  source: { kind: 'msk' | 'kafka'; eventSourceArn?: string; brokers: string[] },
  records: Record<string, LambdaKafkaRecord[]>,
): LambdaKafkaEvent {
  if (source.kind === 'msk') {
    return { eventSource: 'aws:kafka', eventSourceArn: source.eventSourceArn, bootstrapServers: source.brokers.join(','), records };
  }
  return { eventSource: 'SelfManagedKafka', bootstrapServers: source.brokers.join(','), records };
}

/** Bytes a record adds to the event's JSON (its text plus a separating comma). */
export function recordSize(record: LambdaKafkaRecord): number {
  return Buffer.byteLength(JSON.stringify(record)) + 1;
}

/** Bytes of the event around its records (envelope plus one partition key). */
export function envelopeSize(source: { kind: 'msk' | 'kafka'; eventSourceArn?: string; brokers: string[] }, key: string): number {
  return Buffer.byteLength(JSON.stringify(buildEvent(source, { [key]: [] })));
}

/**
 * How many of `records` (from the start) fit in one invocation: at most `limit` records and
 * {@link MAX_PAYLOAD_BYTES} of JSON. 0 means the first record alone is too big.
 */
export function fitCount(records: LambdaKafkaRecord[], limit: number, envelopeBytes: number, maxBytes = MAX_PAYLOAD_BYTES): number {
  let bytes = envelopeBytes;
  let count = 0;
  for (const record of records) {
    if (count >= limit) break;
    const size = recordSize(record);
    if (bytes + size > maxBytes) break;
    bytes += size;
    count++;
  }
  return count;
}
