/**
 * Writing a consumer group's dead letters (`<group>.dlq`), on the hot path of the runtime: the
 * original record (key, value bytes and every header, repeats kept) plus `x-dlq-*` headers saying
 * why (lib/kafka/dead-letter-headers.ts). Listing and redriving them: lib/operations/dead-letters.ts.
 *
 * @example
 * await publishDeadLetter(CONSUMER_GROUP.payment, deadLetterMessage(record, CONSUMER_GROUP.payment, error, 3));
 */
import type { Message } from 'kafkajs';
import { deadLetterTopicFor } from '../../events/catalog';
import { deadLetterHeaders, type HeaderPair } from '../kafka/dead-letter-headers';
import { sendMessages } from '../kafka/publisher';
import { type DecodedRecord, headerBuffer, headerEntries } from './decode';

function* rawHeaderPairs(record: DecodedRecord): Generator<HeaderPair> {
  for (const [name, raw] of headerEntries(record.rawHeaders)) yield [name, headerBuffer(raw)];
}

/** The dead-letter copy of `record`: original key, value bytes and headers, plus the reason headers. */
export function deadLetterMessage(record: DecodedRecord, group: string, error: Error, attempts: number, failedAt = new Date()): Message {
  const headers = deadLetterHeaders(rawHeaderPairs(record), {
    error: error.message,
    errorClass: error.name || error.constructor.name,
    source: { topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp },
    group,
    attempts,
    failedAt: failedAt.toISOString(),
  });
  return { key: record.keyBytes, value: record.valueBytes, headers };
}

/** Writes a dead letter with acks=all; throws when Kafka did not acknowledge it. */
export async function publishDeadLetter(group: string, message: Message): Promise<void> {
  await sendMessages(deadLetterTopicFor(group), [message]);
}
