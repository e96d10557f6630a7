/**
 * Dead letters of a consumer group: writing them (`<group>.dlq`), listing them, and redriving
 * them to their source topic for that group only.
 *
 * A dead letter is the original record (key, value bytes and every header, repeats kept) plus
 * `x-dlq-*` headers saying why. Redrive republishes the original key, value and headers (so
 * `ce_id`, the idempotency key, is kept) plus `x-redrive-group: <group>`, which every other
 * group's runtime skips. Which dead letters were redriven is kept in the consumer group
 * `<group>.dlq-redrive`: its committed offset covers the redriven prefix, and offsets redriven
 * one by one above it are kept in Redis until the prefix catches up. Each dead letter is redriven
 * once. Should the process die between the acknowledged republish and that bookkeeping, a second
 * redrive republishes the same event id, which the group's idempotency skips: no effect twice.
 *
 * @example
 * await publishDeadLetter('inventory-service', deadLetterMessage(record, 'inventory-service', error, 3));
 * const letters = await listDeadLetters('inventory-service', { limit: 20 });
 * const report = await redriveDeadLetters('inventory-service', { offsets: [4, 7] });
 */

import { randomUUID } from 'node:crypto';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { DEAD_LETTER_RETENTION_MS, deadLetterTopicFor } from '../../events/catalog';
import { kafka } from '../kafka/client';
import { DEAD_LETTER_HEADER, HEADER, headersAsStrings } from '../kafka/headers';
import { sendMessages } from '../kafka/publisher';
import { keyPrefix, redis } from '../stores/redis';
import { type DecodedRecord, headerBuffer, headerEntries } from './decode';
import { contentDigest, fallbackEventId } from './record-id';

/** Headers a dead letter carries on top of the original ones. */
export const DLQ_HEADER = DEAD_LETTER_HEADER;

const MAX_ERROR_LENGTH = 2000;

/** The consumer group that remembers which dead letters of `group` were redriven. */
export function redriveGroupFor(group: string): string {
  return `${group}.dlq-redrive`;
}

/** The dead-letter copy of `record`: original key, value bytes and headers, plus the reason headers. */
export function deadLetterMessage(record: DecodedRecord, group: string, error: Error, attempts: number, failedAt = new Date()): Message {
  const headers: IHeaders = {};
  for (const [name, raw] of headerEntries(record.rawHeaders)) {
    // Drop reason headers of an earlier failure (a redriven record that failed again): this one wins.
    if (name.startsWith('x-dlq-')) continue;
    const value = headerBuffer(raw);
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else headers[name] = [...(Array.isArray(existing) ? existing : [existing]), value] as Buffer[];
  }
  headers[DLQ_HEADER.error] = error.message.slice(0, MAX_ERROR_LENGTH);
  headers[DLQ_HEADER.errorClass] = error.name || error.constructor.name;
  headers[DLQ_HEADER.topic] = record.topic;
  headers[DLQ_HEADER.partition] = String(record.partition);
  headers[DLQ_HEADER.offset] = String(record.offset);
  headers[DLQ_HEADER.timestamp] = String(record.timestamp);
  headers[DLQ_HEADER.group] = group;
  headers[DLQ_HEADER.attempts] = String(attempts);
  headers[DLQ_HEADER.failedAt] = failedAt.toISOString();
  return { key: record.keyBytes, value: record.valueBytes, headers };
}

/** Writes a dead letter with acks=all; throws when Kafka did not acknowledge it. */
export async function publishDeadLetter(group: string, message: Message): Promise<void> {
  await sendMessages(deadLetterTopicFor(group), [message]);
}

/** A dead letter as listed. */
export interface DeadLetter {
  partition: number;
  offset: number;
  eventId: string;
  key: string | null;
  value: Buffer | null;
  /** Every header as a string (last value wins). */
  headers: Record<string, string>;
  error: string;
  errorClass: string;
  source: { topic: string; partition: number; offset: number };
  attempts: number;
  failedAt: string;
  /** Already redriven by an earlier `redrive`. */
  redriven: boolean;
  /** The raw message, for republishing. */
  message: KafkaMessage;
}

/** Lists `group`'s dead letters in offset order (at most `limit`, oldest first). */
export async function listDeadLetters(group: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
  const topic = deadLetterTopicFor(group);
  const { low, high } = await watermarks(topic);
  const redriven = await redrivenState(group, topic);
  const reader = `${group}.dlq-list-${randomUUID()}`;
  const messages = await readRange(reader, topic, low, high, { keepOpen: false });
  await deleteGroup(reader);
  const letters = messages.map(({ partition, message }) => toDeadLetter(partition, message, redriven));
  return options.limit === undefined ? letters : letters.slice(0, options.limit);
}

export interface RedriveReport {
  redriven: { partition: number; offset: number; eventId: string; topic: string }[];
  alreadyRedriven: number[];
  notFound: number[];
}

/**
 * Republishes dead letters of `group` to their source topics (acks=all), targeted at `group`, then
 * records them as redriven. `offsets` picks dead letters (partition 0 of the dead-letter topic, or
 * `partition:offset`); `all` takes every one not yet redriven.
 */
export async function redriveDeadLetters(group: string, selection: { offsets?: (number | string)[]; all?: boolean }): Promise<RedriveReport> {
  const topic = deadLetterTopicFor(group);
  const wanted = new Set((selection.offsets ?? []).map((o) => (String(o).includes(':') ? String(o) : `0:${o}`)));
  if (!selection.all && wanted.size === 0) throw new Error('Say which dead letters to redrive: --offsets 1,2 or --all');
  const { low, high } = await watermarks(topic);
  const state = await redrivenState(group, topic);
  const start = new Map([...low].map(([p, l]) => [p, Math.max(l, state.committed.get(p) ?? -1)]));
  const groupId = redriveGroupFor(group);
  const report: RedriveReport = { redriven: [], alreadyRedriven: [], notFound: [] };

  const reading = await readRange(groupId, topic, start, high, { keepOpen: true });
  try {
    const letters = reading.messages.map(({ partition, message }) => toDeadLetter(partition, message, state));
    const found = new Set(letters.map((l) => `${l.partition}:${l.offset}`));
    for (const id of wanted) {
      if (found.has(id)) continue;
      const [p, o] = id.split(':').map(Number) as [number, number];
      if (o < (start.get(p) ?? 0) && o >= (low.get(p) ?? 0)) report.alreadyRedriven.push(o);
      else report.notFound.push(o);
    }
    const chosen = letters.filter((l) => selection.all || wanted.has(`${l.partition}:${l.offset}`));
    for (const letter of chosen.filter((l) => l.redriven)) report.alreadyRedriven.push(letter.offset);
    const todo = chosen.filter((l) => !l.redriven);

    // Republish in dead-letter order, one send per source topic, acknowledged by all in-sync replicas.
    const byTopic = new Map<string, DeadLetter[]>();
    for (const letter of todo) byTopic.set(letter.source.topic, [...(byTopic.get(letter.source.topic) ?? []), letter]);
    for (const [source, batch] of byTopic) {
      await sendMessages(
        source,
        batch.map((letter) => redriveMessage(letter, group)),
      );
      for (const letter of batch) {
        report.redriven.push({ partition: letter.partition, offset: letter.offset, eventId: letter.eventId, topic: source });
      }
    }

    // Bookkeeping: remember the redriven offsets, then move the committed prefix over them.
    const sparseKey = redrivenKey(group);
    if (todo.length > 0) {
      await redis().hset(sparseKey, Object.fromEntries(todo.map((l) => [`${l.partition}:${l.offset}`, new Date().toISOString()])));
      await redis().pexpire(sparseKey, DEAD_LETTER_RETENTION_MS);
      for (const l of todo) state.sparse.add(`${l.partition}:${l.offset}`);
    }
    const commits: { topic: string; partition: number; offset: string }[] = [];
    for (const [partition, from] of start) {
      let next = from;
      const end = high.get(partition) ?? from;
      while (next < end && state.sparse.has(`${partition}:${next}`)) next++;
      if (next > from) commits.push({ topic, partition, offset: String(next) });
    }
    if (commits.length > 0) {
      await reading.consumer.commitOffsets(commits);
      const covered = [...state.sparse].filter((id) => {
        const [p, o] = id.split(':').map(Number) as [number, number];
        const committed = commits.find((c) => c.partition === p);
        return committed !== undefined && o < Number(committed.offset);
      });
      if (covered.length > 0) await redis().hdel(sparseKey, ...covered);
    }
  } finally {
    await reading.consumer.disconnect();
  }
  return report;
}

/** The message a dead letter is redriven as: original key, value and headers, `x-redrive-group`, same event id. */
export function redriveMessage(letter: DeadLetter, group: string): Message {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(letter.message.headers ?? {})) {
    if (name.startsWith('x-dlq-') || name === HEADER.redriveGroup || value === undefined) continue;
    headers[name] = value;
  }
  headers[HEADER.id] ??= letter.eventId;
  headers[HEADER.redriveGroup] = group;
  return { key: letter.message.key, value: letter.message.value, headers };
}

function redrivenKey(group: string): string {
  return `${keyPrefix()}dlq-redriven:${group}`;
}

interface RedrivenState {
  committed: Map<number, number>;
  sparse: Set<string>;
}

async function redrivenState(group: string, topic: string): Promise<RedrivenState> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId: redriveGroupFor(group), topics: [topic] });
    const committed = new Map((offsets[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    const sparse = new Set(Object.keys(await redis().hgetall(redrivenKey(group))));
    return { committed, sparse };
  } finally {
    await admin.disconnect();
  }
}

function toDeadLetter(partition: number, message: KafkaMessage, state: RedrivenState): DeadLetter {
  const headers = headersAsStrings(message.headers);
  const offset = Number(message.offset);
  const source = {
    topic: headers[DLQ_HEADER.topic] ?? '',
    partition: Number(headers[DLQ_HEADER.partition] ?? -1),
    offset: Number(headers[DLQ_HEADER.offset] ?? -1),
  };
  return {
    partition,
    offset,
    // Without ce_id: the fallback id the consumer used, rebuilt from the original coordinates, timestamp, key and value.
    eventId:
      headers[HEADER.id] || fallbackEventId({ ...source, timestamp: Number(headers[DLQ_HEADER.timestamp] ?? 0) }, contentDigest(message.key, message.value)),
    key: message.key ? message.key.toString('utf8') : null,
    value: message.value,
    headers,
    error: headers[DLQ_HEADER.error] ?? '',
    errorClass: headers[DLQ_HEADER.errorClass] ?? '',
    source,
    attempts: Number(headers[DLQ_HEADER.attempts] ?? 0),
    failedAt: headers[DLQ_HEADER.failedAt] ?? '',
    redriven: offset < (state.committed.get(partition) ?? -1) || state.sparse.has(`${partition}:${offset}`),
    message,
  };
}

async function watermarks(topic: string): Promise<{ low: Map<number, number>; high: Map<number, number> }> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return {
      low: new Map(offsets.map((o) => [o.partition, Number(o.low)])),
      high: new Map(offsets.map((o) => [o.partition, Number(o.high)])),
    };
  } finally {
    await admin.disconnect();
  }
}

async function deleteGroup(groupId: string): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
}

type Read = { partition: number; message: KafkaMessage }[];
type Consumer = ReturnType<ReturnType<typeof kafka>['consumer']>;

/** Reads `[from, to)` of every partition of `topic` in group `groupId` (no commits). */
async function readRange(groupId: string, topic: string, from: Map<number, number>, to: Map<number, number>, options: { keepOpen: false }): Promise<Read>;
async function readRange(
  groupId: string,
  topic: string,
  from: Map<number, number>,
  to: Map<number, number>,
  options: { keepOpen: true },
): Promise<{ messages: Read; consumer: Consumer }>;
async function readRange(
  groupId: string,
  topic: string,
  from: Map<number, number>,
  to: Map<number, number>,
  options: { keepOpen: boolean },
): Promise<Read | { messages: Read; consumer: Consumer }> {
  const pending = new Set([...to].filter(([p, high]) => high > (from.get(p) ?? 0)).map(([p]) => p));
  // Short fetch waits: disconnect waits for the fetch in flight.
  const consumer = kafka().consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 200, retry: { retries: 3 } });
  const messages: Read = [];
  if (pending.size === 0 && !options.keepOpen) return messages;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    if (pending.size > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Timed out reading ${topic}`)), 60_000);
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const offset = Number(message.offset);
              const end = to.get(partition) ?? 0;
              if (offset >= (from.get(partition) ?? 0) && offset < end) messages.push({ partition, message });
              if (offset >= end - 1 && pending.delete(partition) && pending.size === 0) {
                clearTimeout(timer);
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
    } else {
      // Nothing to read, but the caller may commit: join the group so commits are accepted.
      await consumer.run({ autoCommit: false, eachMessage: async () => {} });
      consumer.pause([{ topic }]);
    }
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
  messages.sort((a, b) => a.partition - b.partition || Number(a.message.offset) - Number(b.message.offset));
  if (options.keepOpen) return { messages, consumer };
  await consumer.disconnect();
  return messages;
}
