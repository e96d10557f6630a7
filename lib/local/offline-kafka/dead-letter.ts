/**
 * The record written to a `kafka://<topic>` on-failure destination: the original key, value and
 * headers (repeats kept) plus failure metadata headers, named as every dead letter of the project
 * (`x-dlq-*`, lib/kafka/headers.ts) so `npm run dlq` lists and redrives these too; the
 * condition names are Lambda's (`RetryAttemptsExhausted`, `MaximumPayloadSizeExceeded`, and
 * `RecordAgeExceeded` for records past MaximumRecordAgeInSeconds).
 * UNVERIFIED: AWS does not document the header names Lambda itself uses on a Kafka destination.
 */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { DEAD_LETTER_HEADER } from '../../kafka/headers';

export type FailureCondition = 'RetryAttemptsExhausted' | 'MaximumPayloadSizeExceeded' | 'RecordAgeExceeded';

export const FAILURE_HEADER = DEAD_LETTER_HEADER;

export interface FailureInfo {
  condition: FailureCondition;
  error: string;
  group: string;
  functionName: string;
  eventSourceArn?: string;
  attempts: number;
}

export function failureMessage(topic: string, partition: number, message: KafkaMessage, info: FailureInfo, now = new Date()): Message {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    // A redriven record that failed again: this failure's metadata replaces the earlier one.
    if (name.startsWith('x-dlq-') || value === undefined) continue;
    headers[name] = value;
  }
  headers[FAILURE_HEADER.condition] = info.condition;
  headers[FAILURE_HEADER.error] = info.error.slice(0, 2000);
  headers[FAILURE_HEADER.errorClass] = info.condition === 'RetryAttemptsExhausted' ? 'FunctionError' : info.condition;
  headers[FAILURE_HEADER.topic] = topic;
  headers[FAILURE_HEADER.partition] = String(partition);
  headers[FAILURE_HEADER.offset] = String(message.offset);
  headers[FAILURE_HEADER.timestamp] = String(message.timestamp);
  headers[FAILURE_HEADER.group] = info.group;
  headers[FAILURE_HEADER.attempts] = String(info.attempts);
  headers[FAILURE_HEADER.failedAt] = now.toISOString();
  headers[FAILURE_HEADER.functionName] = info.functionName;
  if (info.eventSourceArn) headers[FAILURE_HEADER.eventSourceArn] = info.eventSourceArn;
  return { key: message.key, value: message.value, headers };
}
