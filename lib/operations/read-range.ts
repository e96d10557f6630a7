/**
 * Reading a stretch of a topic outside any event source mapping, for operations tooling: its
 * watermarks, a group's committed offsets, and `[from, to)` of every partition through a
 * short-lived consumer group that commits nothing by itself.
 *
 * @example
 * const { low, high } = await watermarks(deadLetterTopicFor(CONSUMER_GROUP.payment));
 * const { messages, consumer } = await readRange(`${CONSUMER_GROUP.payment}.dlq-list-1`, deadLetterTopicFor(CONSUMER_GROUP.payment), low, high);
 * await consumer.disconnect();
 */
import type { Admin, KafkaMessage } from 'kafkajs';
import { kafka } from '../kafka/client';
import { withTimeout } from '../timeout';

/** Longest wait for the rest of a range to arrive. */
const READ_TIMEOUT_MS = 60_000;

async function withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Each partition's low and high watermark (first offset kept, next offset to be written). */
export function watermarks(topic: string): Promise<{ low: Map<number, number>; high: Map<number, number> }> {
  return withAdmin(async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return {
      low: new Map(offsets.map((o) => [o.partition, Number(o.low)])),
      high: new Map(offsets.map((o) => [o.partition, Number(o.high)])),
    };
  });
}

/** `groupId`'s committed offset on each partition of `topic` (-1 where it committed none). */
export function committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  return withAdmin(async (admin) => {
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((offsets[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  });
}

/** Deletes a reader's group; a group already gone is fine. */
export async function deleteGroup(groupId: string): Promise<void> {
  await withAdmin((admin) =>
    admin.deleteGroups([groupId]).then(
      () => undefined,
      () => undefined,
    ),
  );
}

export type Read = { partition: number; message: KafkaMessage }[];
type Consumer = ReturnType<ReturnType<typeof kafka>['consumer']>;
/** What was read, with the consumer still in the group: the caller commits, then disconnects it. */
export interface OpenRead {
  messages: Read;
  consumer: Consumer;
}

/**
 * Reads `[from, to)` of every partition of `topic` in group `groupId` (no commits), sorted by
 * partition and offset. The consumer stays in the group: the caller commits, if it wants, then
 * disconnects it.
 */
export async function readRange(groupId: string, topic: string, from: Map<number, number>, to: Map<number, number>): Promise<OpenRead> {
  const pending = new Set([...to].filter(([p, high]) => high > (from.get(p) ?? 0)).map(([p]) => p));
  // Short fetch waits: disconnect waits for the fetch in flight.
  const consumer = kafka().consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 200, retry: { retries: 3 } });
  const messages: Read = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    if (pending.size > 0) await withTimeout(readUntilEnd(consumer, topic, from, to, pending, messages), READ_TIMEOUT_MS, `reading ${topic}`);
    else {
      // Nothing to read, but the caller may commit: join the group so commits are accepted.
      await consumer.run({ autoCommit: false, eachMessage: async () => {} });
      consumer.pause([{ topic }]);
    }
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
  messages.sort((a, b) => a.partition - b.partition || Number(a.message.offset) - Number(b.message.offset));
  return { messages, consumer };
}

/** Runs `consumer` from `from` until every pending partition reached `to`, collecting into `messages`, then pauses it. */
function readUntilEnd(
  consumer: Consumer,
  topic: string,
  from: Map<number, number>,
  to: Map<number, number>,
  pending: Set<number>,
  messages: Read,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const offset = Number(message.offset);
          const end = to.get(partition) ?? 0;
          if (offset >= (from.get(partition) ?? 0) && offset < end) messages.push({ partition, message });
          if (offset >= end - 1 && pending.delete(partition) && pending.size === 0) {
            consumer.pause([{ topic }]);
            resolve();
          }
        },
      })
      .catch(reject);
    for (const [partition, offset] of from) {
      if (pending.has(partition)) consumer.seek({ topic, partition, offset: String(offset) });
    }
  });
}
