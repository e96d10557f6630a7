/**
 * The shapes the consumer runtime reads and returns.
 *
 * `@types/aws-lambda` types a record's `key` and `value` as always present and has no Kafka
 * batch response, so the runtime reads events through the looser {@link RawKafkaEvent} and
 * declares {@link KafkaBatchResponse} itself.
 *
 * @example
 * const response: KafkaBatchResponse = { batchItemFailures: [{ itemIdentifier: { partition: 'order.placed-3', offset: 42 } }] };
 */

/** A record as Lambda delivers it: base64 key and value (either may be absent or null), headers as byte arrays. */
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

/** What the handler receives next to the typed value. */
export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string;
  /** UTF-8 key, or null when the record has none. */
  key: string | null;
  /** Header values as UTF-8 strings; the last value of a repeated header wins. */
  headers: Record<string, string>;
  /**
   * `ce_id`, or when the record has none `<topic>-<partition>-<offset>@<timestamp>#<digest of key and value>`
   * (lib/consumer/record-id.ts): the idempotency key.
   */
  eventId: string;
  /** The consumer group this runtime runs for. */
  group: string;
  /** `ce_type`, when present. */
  eventType?: string;
  /** `ce_source`, when present. */
  source?: string;
}

/**
 * Partial batch response (`FunctionResponseTypes: [ReportBatchItemFailures]`).
 * UNVERIFIED upstream: an older AWS page named the field `topic-partition`; the current page and
 * this project use `partition`, whose value is the event's own `records` key (`<topic>-<partition>`).
 */
export interface KafkaBatchResponse {
  batchItemFailures: { itemIdentifier: { partition: string; offset: number } }[];
}

/** Retry settings of one record: attempts in all (first try included) and full-jitter backoff bounds. */
export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}
