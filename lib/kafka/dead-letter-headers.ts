/**
 * The dead-letter header codec: what a record on a dead-letter topic says about why it is there
 * (`x-dlq-*`), written by the consumer runtime (lib/consumer/dead-letters.ts) and the local
 * on-failure destination (lib/local/offline-kafka/dead-letter.ts), read by the dead-letter
 * operations (lib/operations/dead-letters.ts: `npm run dlq` and the console's redrive route).
 *
 * A dead letter keeps every original header, repeats and order kept, minus the reason headers of an
 * earlier failure (a redriven record that failed again: this failure wins).
 *
 * @example
 * const headers = deadLetterHeaders(headerPairs(message.headers), {
 *   error: 'Invalid order', errorClass: 'SchemaViolationError', group: CONSUMER_GROUP.payment, attempts: 1,
 *   source: { topic: 'order.placed', partition: 2, offset: 41, timestamp: 1767268800000 },
 * });
 * const reason = deadLetterReasonOf(headersAsStrings(headers));   // { error: 'Invalid order', ... }
 */
import type { IHeaders } from 'kafkajs';

export const DEAD_LETTER_HEADER = {
  /** Lambda's failure condition (`RetryAttemptsExhausted`, ...), on-failure destination records only. */
  condition: 'x-dlq-condition',
  error: 'x-dlq-error',
  errorClass: 'x-dlq-error-class',
  topic: 'x-dlq-topic',
  partition: 'x-dlq-partition',
  offset: 'x-dlq-offset',
  timestamp: 'x-dlq-timestamp',
  group: 'x-dlq-group',
  attempts: 'x-dlq-attempts',
  failedAt: 'x-dlq-failed-at',
  functionName: 'x-dlq-function',
  eventSourceArn: 'x-dlq-event-source-arn',
} as const;

const REASON_PREFIX = 'x-dlq-';
/** Error messages are cut here: a header is not the place for a stack of pages. */
const MAX_ERROR_LENGTH = 2000;

/** Why a record is on a dead-letter topic. */
export interface DeadLetterReason {
  error: string;
  errorClass: string;
  /** Lambda's condition, for records its (local) on-failure destination wrote. */
  condition?: string;
  /** Where the record was read. */
  source: { topic: string; partition: number; offset: number; timestamp: number };
  group: string;
  attempts: number;
  /** ISO 8601. */
  failedAt?: string;
  functionName?: string;
  eventSourceArn?: string;
}

/** One header occurrence: name and value. */
export type HeaderPair = readonly [name: string, value: Buffer | string];

/** kafkajs headers as occurrences in order, a repeated header (array value) once per value. */
export function* headerPairs(headers: IHeaders | undefined): Generator<HeaderPair> {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const one of value) yield [name, one];
    else yield [name, value];
  }
}

/**
 * The original headers of a record, without any reason header and without the names in `drop`:
 * what a dead letter and a redriven record carry on. Repeats are kept, in order.
 */
export function originalHeaders(pairs: Iterable<HeaderPair>, drop: readonly string[] = []): IHeaders {
  const headers: IHeaders = {};
  for (const [name, value] of pairs) {
    if (name.startsWith(REASON_PREFIX) || drop.includes(name)) continue;
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else headers[name] = [...(Array.isArray(existing) ? existing : [existing]), value] as Buffer[];
  }
  return headers;
}

/** The headers of a dead letter: the original ones and the reason. */
export function deadLetterHeaders(pairs: Iterable<HeaderPair>, reason: DeadLetterReason): IHeaders {
  const headers = originalHeaders(pairs);
  if (reason.condition !== undefined) headers[DEAD_LETTER_HEADER.condition] = reason.condition;
  headers[DEAD_LETTER_HEADER.error] = reason.error.slice(0, MAX_ERROR_LENGTH);
  headers[DEAD_LETTER_HEADER.errorClass] = reason.errorClass;
  headers[DEAD_LETTER_HEADER.topic] = reason.source.topic;
  headers[DEAD_LETTER_HEADER.partition] = String(reason.source.partition);
  headers[DEAD_LETTER_HEADER.offset] = String(reason.source.offset);
  headers[DEAD_LETTER_HEADER.timestamp] = String(reason.source.timestamp);
  headers[DEAD_LETTER_HEADER.group] = reason.group;
  headers[DEAD_LETTER_HEADER.attempts] = String(reason.attempts);
  headers[DEAD_LETTER_HEADER.failedAt] = reason.failedAt ?? new Date().toISOString();
  if (reason.functionName !== undefined) headers[DEAD_LETTER_HEADER.functionName] = reason.functionName;
  if (reason.eventSourceArn !== undefined) headers[DEAD_LETTER_HEADER.eventSourceArn] = reason.eventSourceArn;
  return headers;
}

/** The reason a dead letter's headers (as strings) give; missing numbers read as -1, missing texts as ''. */
export function deadLetterReasonOf(headers: Readonly<Record<string, string>>): DeadLetterReason {
  const number = (name: string) => {
    const text = headers[name];
    return text === undefined || text === '' || Number.isNaN(Number(text)) ? -1 : Number(text);
  };
  const optional = (field: 'condition' | 'failedAt' | 'functionName' | 'eventSourceArn') => {
    const text = headers[DEAD_LETTER_HEADER[field]];
    return text === undefined ? {} : { [field]: text };
  };
  return {
    error: headers[DEAD_LETTER_HEADER.error] ?? '',
    errorClass: headers[DEAD_LETTER_HEADER.errorClass] ?? '',
    source: {
      topic: headers[DEAD_LETTER_HEADER.topic] ?? '',
      partition: number(DEAD_LETTER_HEADER.partition),
      offset: number(DEAD_LETTER_HEADER.offset),
      timestamp: Math.max(0, number(DEAD_LETTER_HEADER.timestamp)),
    },
    group: headers[DEAD_LETTER_HEADER.group] ?? '',
    attempts: Math.max(0, number(DEAD_LETTER_HEADER.attempts)),
    ...optional('condition'),
    ...optional('failedAt'),
    ...optional('functionName'),
    ...optional('eventSourceArn'),
  };
}
