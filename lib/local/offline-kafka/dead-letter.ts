/**
 * The record written to a `kafka://<topic>` on-failure destination: the original key, value and
 * headers (repeats kept) plus failure metadata headers, named as every dead letter of the project
 * (`x-dlq-*`, lib/kafka/dead-letter-headers.ts) so `npm run dlq` lists and redrives these too; the
 * condition names are Lambda's (`RetryAttemptsExhausted`, `MaximumPayloadSizeExceeded`, and
 * `RecordAgeExceeded` for records past MaximumRecordAgeInSeconds).
 * UNVERIFIED: AWS does not document the header names Lambda itself uses on a Kafka destination.
 */
import type { KafkaMessage, Message } from 'kafkajs';
import { deadLetterHeaders, headerPairs } from '../../kafka/dead-letter-headers';

export type FailureCondition = 'RetryAttemptsExhausted' | 'MaximumPayloadSizeExceeded' | 'RecordAgeExceeded';

export interface FailureInfo {
  condition: FailureCondition;
  error: string;
  group: string;
  functionName: string;
  eventSourceArn?: string;
  attempts: number;
}

export function failureMessage(topic: string, partition: number, message: KafkaMessage, info: FailureInfo, now = new Date()): Message {
  const headers = deadLetterHeaders(headerPairs(message.headers), {
    condition: info.condition,
    error: info.error,
    errorClass: info.condition === 'RetryAttemptsExhausted' ? 'FunctionError' : info.condition,
    source: { topic, partition, offset: Number(message.offset), timestamp: Number(message.timestamp) },
    group: info.group,
    attempts: info.attempts,
    failedAt: now.toISOString(),
    functionName: info.functionName,
    ...(info.eventSourceArn ? { eventSourceArn: info.eventSourceArn } : {}),
  });
  return { key: message.key, value: message.value, headers };
}
