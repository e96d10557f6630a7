/**
 * What the consumer runtime hands its handlers, and its retry settings. The event it reads and the
 * response it returns are the wire format's (lib/kafka/lambda-event.ts).
 *
 * @example
 * const retry: RetryOptions = { attempts: 3, baseDelayMs: 50, maxDelayMs: 1000 };
 */

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

/** Retry settings of one record: attempts in all (first try included) and full-jitter backoff bounds. */
export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}
