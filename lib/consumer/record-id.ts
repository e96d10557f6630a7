/**
 * The identity of a Kafka record that carries no event id (`ce_id`), and the content digest that
 * applied markers keep (lib/consumer/idempotency.ts).
 *
 * Records from producers that do not set `ce_id` (Kafka Connect, other teams' services, CLI
 * tools) are deduplicated by an id derived from the record itself. It must be
 * - the same for every redelivery of the record: so it is built only from what Kafka stores with
 *   the record and hands back unchanged on every fetch;
 * - different for a record of another incarnation of the topic: offsets alone are not (issue 15).
 *   A topic deleted and created again, a cluster replaced or restored, or a local broker whose data
 *   was reset starts again at offset 0, while markers stay in Redis for 21 days; the old form
 *   `<topic>-<partition>-<offset>` then matched a marker of an old record and the new record was
 *   skipped as "already applied".
 *
 * So the id is `<topic>-<partition>-<offset>@<timestamp>#<digest>`: the coordinates (readable in
 * logs), the record's timestamp (CREATE_TIME set by the producer, or LOG_APPEND_TIME set by the
 * broker, stored in the log either way), and 128 bits of SHA-256 over the key and value bytes.
 * A new record only gets the id of an old one if it has the same coordinates, the same
 * millisecond timestamp and the same key and value bytes: a copy of that very record (a restore
 * or a mirror that kept offsets and timestamps), which is right to treat as already applied.
 * Headers are left out: the dead-letter copy keeps the record's key, value, coordinates and
 * timestamp exactly (lib/operations/dead-letters.ts recomputes the id from them), not its header
 * order.
 *
 * Nothing stronger is on offer:
 * - Lambda's Kafka event gives per record only topic, partition, offset, timestamp,
 *   timestampType, key, value and headers, plus the cluster's `eventSourceArn` (MSK) or
 *   `bootstrapServers` per event (https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html,
 *   "Example event"; https://docs.aws.amazon.com/lambda/latest/dg/with-kafka.html). The MSK ARN
 *   changes when a cluster is replaced, but not when a topic is re-created, and self-managed
 *   clusters have no ARN: it would add nothing the timestamp and digest do not.
 * - Kafka topic ids (KIP-516, https://cwiki.apache.org/confluence/display/KAFKA/KIP-516%3A+Topic+Identifiers)
 *   tell topic incarnations apart, but they are not stored with records, Lambda does not pass
 *   them on, and kafkajs 2.2.4 speaks Metadata up to v6 and Fetch up to v11 (topic ids arrive in
 *   Metadata v10 / Fetch v13). Looking one up per invocation would also race with a re-creation
 *   between Lambda's fetch and the lookup, and would cost a round trip per batch.
 *
 * @example
 * const digest = contentDigest(Buffer.from('s-1'), Buffer.from('{"type":"page_view"}'));
 * fallbackEventId({ topic: 'user.events', partition: 0, offset: 42, timestamp: 1764620000000 }, digest);
 * // 'user.events-0-42@1764620000000#ULqUfOfpgKCHiPHDxsvNG1'
 */
import { hash } from 'node:crypto';

/** Where a record sits in Kafka and the timestamp Kafka stored with it. */
export interface RecordCoordinates {
  topic: string;
  partition: number;
  offset: number;
  /** Epoch ms (CREATE_TIME or LOG_APPEND_TIME), as Lambda's event gives it. */
  timestamp: number;
}

/** Length of a {@link contentDigest}: 128 bits in base64url. */
export const CONTENT_DIGEST_LENGTH = 22;

const NULL_LENGTH = 0xffffffff;

/**
 * 128 bits (base64url) of SHA-256 over the key and value bytes, each preceded by its length, so a
 * null key or value, an empty one, and bytes moved between key and value all digest differently.
 */
export function contentDigest(key: Buffer | null, value: Buffer | null): string {
  const keyLength = key?.length ?? 0;
  const valueLength = value?.length ?? 0;
  const bytes = Buffer.allocUnsafe(8 + keyLength + valueLength);
  bytes.writeUInt32BE(key ? keyLength : NULL_LENGTH, 0);
  key?.copy(bytes, 4);
  bytes.writeUInt32BE(value ? valueLength : NULL_LENGTH, 4 + keyLength);
  value?.copy(bytes, 8 + keyLength);
  return hash('sha256', bytes, 'base64url').slice(0, CONTENT_DIGEST_LENGTH);
}

/** The event id of a record without `ce_id`: its coordinates, timestamp and content digest (see above). */
export function fallbackEventId(at: RecordCoordinates, digest: string): string {
  return `${at.topic}-${at.partition}-${at.offset}@${at.timestamp}#${digest}`;
}

/**
 * The fallback id used before issue 15 (`<topic>-<partition>-<offset>`). Only read, never written:
 * markers under it are honoured for redeliveries already in flight when the new form was deployed
 * (lib/consumer/idempotency.ts). Remove it 21 days (the marker TTL) after every stage runs the new form.
 */
export function legacyFallbackEventId(at: Pick<RecordCoordinates, 'topic' | 'partition' | 'offset'>): string {
  return `${at.topic}-${at.partition}-${at.offset}`;
}
