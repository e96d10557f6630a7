/**
 * Reading what really is on a topic, and turning it into the event Lambda's Kafka trigger would
 * deliver (the shape documented in shared/reference/lambda-kafka-esm.md).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { MSKEvent } from 'aws-lambda';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { buildEvent, groupByPartition, toLambdaRecord } from '../../lib/kafka/lambda-event';
import { ensureKafkaJars } from '../../lib/local/broker';

export interface ReadRecord {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

export function testKafka(): Kafka {
  return new Kafka({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING, clientId: 'test' });
}

/** End offset (next offset to be written) of every partition of a topic. */
export async function endOffsets(topic: string, kafka: Kafka = testKafka()): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Total records written to a topic since `before` was taken. */
export async function recordsSince(topic: string, before: Map<number, number>, kafka: Kafka = testKafka()): Promise<number> {
  const after = await endOffsets(topic, kafka);
  let count = 0;
  for (const [partition, high] of after) count += high - (before.get(partition) ?? 0);
  return count;
}

/** Reads every record of `topic` between `from` (per-partition offsets) and the current end. */
export async function readRecords(topic: string, from: Map<number, number>, kafka: Kafka = testKafka()): Promise<ReadRecord[]> {
  const to = await endOffsets(topic, kafka);
  const wanted = [...to].filter(([p, high]) => high > (from.get(p) ?? 0));
  if (wanted.length === 0) return [];
  const records: ReadRecord[] = [];
  const consumer = kafka.consumer({ groupId: `test-reader-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic });
  const done = new Promise<void>((resolve) => {
    const remaining = new Map(wanted);
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const end = remaining.get(partition);
        if (end === undefined || Number(message.offset) >= end) return;
        records.push({ topic, partition, message });
        if (Number(message.offset) === end - 1) remaining.delete(partition);
        if (remaining.size === 0) resolve();
      },
    });
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const [partition] of wanted) consumer.seek({ topic, partition, offset: String(from.get(partition) ?? 0) });
  });
  await done;
  await consumer.disconnect();
  return records.sort((a, b) => a.partition - b.partition || Number(a.message.offset) - Number(b.message.offset));
}

/** The MSK event Lambda would deliver for these records (lib/kafka/lambda-event.ts: grouped by `<topic>-<partition>`, base64, header byte arrays). */
export function mskEventOf(records: ReadRecord[]): MSKEvent {
  const event = buildEvent(
    {
      kind: 'msk',
      eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/local/00000000-0000-0000-0000-000000000000-1',
      brokers: process.env.KAFKA_BROKERS ? process.env.KAFKA_BROKERS.split(',') : [],
    },
    groupByPartition(records.map(({ topic, partition, message }) => toLambdaRecord(topic, partition, message))),
  );
  // The handlers take @types/aws-lambda's MSKEvent, which types key and value as always present;
  // Lambda leaves them out for a keyless record or a tombstone, as the built event does.
  return event as MSKEvent;
}

/** The partitions the Java Kafka client would choose for `keys` (runs Kafka's own murmur2 in a JVM). */
export function javaPartitions(partitions: number, keys: string[]): number[] {
  const out = execFileSync('java', ['-cp', `${ensureKafkaJars()}/*`, join(__dirname, 'JavaPartition.java'), String(partitions), ...keys], { encoding: 'utf8' });
  return out.trim().split('\n').map(Number);
}
