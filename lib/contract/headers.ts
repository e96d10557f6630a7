/**
 * What each record header means, for the contract documents. The header names themselves come
 * from lib/kafka/headers.ts (HEADER) and lib/kafka/dead-letter-headers.ts (DEAD_LETTER_HEADER): a header added there appears in the
 * AsyncAPI document on the next `npm run contract`; describe it here.
 */
import { DEAD_LETTER_HEADER } from '../kafka/dead-letter-headers';
import { eventHeaders, HEADER } from '../kafka/headers';

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  ce_id: 'CloudEvents `id`: unique per event; the idempotency key of every consumer (a redelivered or redriven record keeps it).',
  ce_type: 'CloudEvents `type` of the topic (e.g. `com.example.order.placed`).',
  ce_source: 'CloudEvents `source`: who published the event (e.g. `checkout`).',
  ce_time: 'CloudEvents `time`: when the event happened (RFC 3339).',
  ce_specversion: 'CloudEvents spec version, `1.0` (Kafka protocol binding, binary content mode).',
  'content-type': 'Media type of the value: `application/json`.',
  'x-redrive-group': 'Set on a redriven dead letter: only this consumer group processes the record; the others skip it.',
  traceparent: 'W3C Trace Context `traceparent` of the publishing request.',
  tracestate: 'W3C Trace Context `tracestate` (vendor data) of the publishing request.',
  'x-dlq-condition': "Lambda's failure condition (`RetryAttemptsExhausted`, `RecordAgeExceeded`, ...); on-failure destination records only.",
  'x-dlq-error': 'Why the record could never be processed (error message, truncated).',
  'x-dlq-error-class': 'Error class: `ValidationError`, `DecodeError`, `NonRetryableError`, `FunctionError`, ...',
  'x-dlq-topic': 'Topic the record was read from.',
  'x-dlq-partition': 'Partition it was read from.',
  'x-dlq-offset': 'Its offset there.',
  'x-dlq-timestamp': 'Its Kafka timestamp (epoch milliseconds).',
  'x-dlq-group': 'Consumer group that gave up on it.',
  'x-dlq-attempts': 'Attempts made before giving up.',
  'x-dlq-failed-at': 'When it was dead-lettered (RFC 3339).',
  'x-dlq-function': 'Function of the event source mapping (on-failure destination records).',
  'x-dlq-event-source-arn': 'Event source ARN of the mapping (on-failure destination records).',
};

export function headerDescription(name: string): string {
  return DESCRIPTIONS[name] ?? `Header \`${name}\`.`;
}

/** Headers every published record carries: those `eventHeaders` always writes. */
export const alwaysPresentEventHeaders: readonly string[] = Object.keys(eventHeaders({ id: 'i', type: 't', source: 's', time: 't' }));

/** Every event header the system knows (HEADER), the always-present ones first. */
export const eventHeaderNames: readonly string[] = [...new Set([...alwaysPresentEventHeaders, ...Object.values(HEADER)])];

/** The `x-dlq-*` headers a dead letter carries. */
export const deadLetterHeaderNames: readonly string[] = Object.values(DEAD_LETTER_HEADER);

/** Always written on a dead letter, by the consumer runtime and by the on-failure destination alike. */
export const alwaysPresentDeadLetterHeaders: readonly string[] = [
  DEAD_LETTER_HEADER.error,
  DEAD_LETTER_HEADER.errorClass,
  DEAD_LETTER_HEADER.topic,
  DEAD_LETTER_HEADER.partition,
  DEAD_LETTER_HEADER.offset,
  DEAD_LETTER_HEADER.timestamp,
  DEAD_LETTER_HEADER.group,
  DEAD_LETTER_HEADER.attempts,
  DEAD_LETTER_HEADER.failedAt,
];
