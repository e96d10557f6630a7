/**
 * How many bytes Lambda's Kafka event (lib/kafka/lambda-event.ts) takes as JSON, computed without
 * serialising it, and how many records fit in one invocation under the 6 MB payload limit.
 *
 * @example
 * const envelope = bareEnvelopeSize(mapping) + partitionFrameSize('order.placed-3');
 * fitCount(records, 100, envelope); // records (from the start) that fit in one invocation
 */
import { buildEvent, type EventSource, type LambdaKafkaRecord } from '../../kafka/lambda-event';

/** Lambda's synchronous invocation payload limit. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

const digits = (n: number): number => String(n).length;
// `{"topic":,"partition":,"offset":,"timestamp":,"timestampType":"","headers":[]}` plus a comma.
const RECORD_FRAME = '{"topic":,"partition":,"offset":,"timestamp":,"timestampType":"","headers":[]}'.length + 1;
const jsonBytes = (text: string): number => Buffer.byteLength(JSON.stringify(text));

/**
 * Bytes a record adds to the event's JSON (its text plus a separating comma), computed without
 * serialising it: the same as `Buffer.byteLength(JSON.stringify(record)) + 1`, several times faster.
 */
export function recordSize(record: LambdaKafkaRecord): number {
  let size = RECORD_FRAME + jsonBytes(record.topic) + digits(record.partition) + digits(record.offset) + digits(record.timestamp) + record.timestampType.length;
  // base64 needs no escaping.
  if (record.key !== undefined) size += ',"key":""'.length + record.key.length;
  if (record.value !== undefined) size += ',"value":""'.length + record.value.length;
  for (let i = 0; i < record.headers.length; i++) {
    const header = record.headers[i] as Record<string, number[]>;
    for (const name in header) {
      const bytes = header[name] as number[];
      // {"name":[b,b,b]} and a comma between headers
      size += jsonBytes(name) + 5 + (i > 0 ? 1 : 0) + Math.max(0, bytes.length - 1);
      for (const b of bytes) size += b < 10 ? 1 : b < 100 ? 2 : 3;
    }
  }
  return size;
}

/** Bytes of the event around its records (envelope plus one partition key). */
export function envelopeSize(source: EventSource, key: string): number {
  return Buffer.byteLength(JSON.stringify(buildEvent(source, { [key]: [] })));
}

/** Bytes of the event with no partition at all (`"records":{}`). */
export function bareEnvelopeSize(source: EventSource): number {
  return Buffer.byteLength(JSON.stringify(buildEvent(source, {})));
}

/** Bytes one more partition adds to `records`: `"<key>":[]` and a separating comma. */
export function partitionFrameSize(key: string): number {
  return jsonBytes(key) + ':[]'.length + 1;
}

function sizeBound(record: LambdaKafkaRecord): number {
  let size = 200 + record.topic.length * 6 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const header of record.headers) {
    for (const name in header) size += 8 + name.length * 6 + (header[name] as number[]).length * 4;
  }
  return size;
}

/**
 * How many of `records` (from the start) fit in one invocation: at most `limit` records and
 * {@link MAX_PAYLOAD_BYTES} of JSON. 0 means the first record alone is too big.
 */
export function fitCount(records: LambdaKafkaRecord[], limit: number, envelopeBytes: number, maxBytes = MAX_PAYLOAD_BYTES): number {
  return fitRecords(records, limit, envelopeBytes, maxBytes).count;
}

/**
 * {@link fitCount}, plus the bytes the event has with those records (an upper bound when the cheap
 * estimate already shows they fit): what the next partition of a batch still has room for.
 */
export function fitRecords(records: LambdaKafkaRecord[], limit: number, envelopeBytes: number, maxBytes = MAX_PAYLOAD_BYTES): { count: number; bytes: number } {
  const candidates = Math.min(limit, records.length);
  // Fast path: a cheap upper bound of the JSON size (no header name needs more than 6 bytes per
  // character escaped, no byte more than 4 characters) shows that all candidates fit.
  let bound = envelopeBytes;
  for (let i = 0; i < candidates && bound <= maxBytes; i++) bound += sizeBound(records[i] as LambdaKafkaRecord);
  if (bound <= maxBytes) return { count: candidates, bytes: bound };
  let bytes = envelopeBytes;
  let count = 0;
  for (const record of records) {
    if (count >= limit) break;
    const size = recordSize(record);
    if (bytes + size > maxBytes) break;
    bytes += size;
    count++;
  }
  return { count, bytes };
}
