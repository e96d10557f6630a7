/**
 * Dead-letter operations for a consumer group: listing its dead letters (`<group>.dlq`) and
 * redriving them to their source topic for that group only. Used by `npm run dlq` and the
 * operator console's routes (functions/deadLetters.ts, functions/redrive.ts).
 *
 * Redrive republishes the original key, value and headers (so `ce_id`, the idempotency key, is
 * kept) plus `x-redrive-group: <group>`, which every other group's runtime skips. Which dead
 * letters were redriven is kept in the consumer group `<group>.dlq-redrive`: its committed offset
 * covers the redriven prefix, and offsets redriven one by one above it are kept in Redis
 * (lib/stores/redrives.ts) until the prefix catches up. Each dead letter is redriven once. Should
 * the process die between the acknowledged republish and that bookkeeping, a second redrive
 * republishes the same event id, which the group's idempotency skips: no effect twice.
 *
 * @example
 * const letters = await listDeadLetters(CONSUMER_GROUP.payment, { limit: 20 });
 * const report = await redriveDeadLetters(CONSUMER_GROUP.payment, { offsets: [4, 7] });
 */
import { randomUUID } from 'node:crypto';
import type { KafkaMessage, Message } from 'kafkajs';
import { deadLetterTopicFor, redriveGroupFor } from '../../events/catalog';
import { contentDigest, fallbackEventId } from '../consumer/record-id';
import { type DeadLetterReason, deadLetterReasonOf, headerPairs, originalHeaders } from '../kafka/dead-letter-headers';
import { HEADER, headersAsStrings } from '../kafka/headers';
import { sendMessages } from '../kafka/publisher';
import { redriveStore } from '../stores/redrives';
import { committedOffsets, deleteGroup, type OpenRead, readRange, watermarks } from './read-range';

/** A dead letter as listed. */
export interface DeadLetter extends DeadLetterReason {
  partition: number;
  offset: number;
  eventId: string;
  key: string | null;
  value: Buffer | null;
  /** Every header as a string (last value wins). */
  headers: Record<string, string>;
  /** Already redriven by an earlier `redrive`. */
  redriven: boolean;
  /** The raw message, for republishing. */
  message: KafkaMessage;
}

/**
 * Lists `group`'s dead letters in offset order (at most `limit`, oldest first), read in the
 * consumer group `reader` (default: one of its own, deleted afterwards like any reader's).
 */
export async function listDeadLetters(group: string, options: { limit?: number; reader?: string } = {}): Promise<DeadLetter[]> {
  const topic = deadLetterTopicFor(group);
  const { low, high } = await watermarks(topic);
  const redriven = await redrivenState(group, topic);
  const reader = options.reader ?? `${group}.dlq-list-${randomUUID()}`;
  const { messages, consumer } = await readRange(reader, topic, low, high);
  await consumer.disconnect();
  await deleteGroup(reader);
  const letters = messages.map(({ partition, message }) => toDeadLetter(partition, message, redriven));
  return options.limit === undefined ? letters : letters.slice(0, options.limit);
}

export interface RedriveReport {
  redriven: { partition: number; offset: number; eventId: string; topic: string }[];
  alreadyRedriven: number[];
  notFound: number[];
}

/** Which dead letters to redrive: offsets of partition 0 of the dead-letter topic (or `partition:offset`), or all not yet redriven. */
export type RedriveSelection = { offsets?: readonly (number | string)[]; all?: boolean };

/**
 * Republishes dead letters of `group` to their source topics (acks=all), targeted at `group`, then
 * records them as redriven.
 */
export async function redriveDeadLetters(group: string, selection: RedriveSelection): Promise<RedriveReport> {
  const topic = deadLetterTopicFor(group);
  const wanted = new Set((selection.offsets ?? []).map((o) => (String(o).includes(':') ? String(o) : `0:${o}`)));
  if (!selection.all && wanted.size === 0) throw new Error('Say which dead letters to redrive: --offsets 1,2 or --all');
  const { low, high } = await watermarks(topic);
  const state = await redrivenState(group, topic);
  const start = new Map([...low].map(([p, l]) => [p, Math.max(l, state.committed.get(p) ?? -1)]));
  const reading = await readRange(redriveGroupFor(group), topic, start, high);
  try {
    const letters = reading.messages.map(({ partition, message }) => toDeadLetter(partition, message, state));
    const report = sortSelection(letters, wanted, selection.all === true, { low, start });
    const todo = letters.filter((l) => !l.redriven && (selection.all || wanted.has(idOf(l))));
    await republish(group, todo, report);
    await recordRedriven(group, topic, todo, state, { start, high }, reading);
    return report;
  } finally {
    await reading.consumer.disconnect();
  }
}

const idOf = (letter: { partition: number; offset: number }) => `${letter.partition}:${letter.offset}`;

/** The report's skipped part: asked-for dead letters already redriven or not on the topic. */
function sortSelection(
  letters: DeadLetter[],
  wanted: Set<string>,
  all: boolean,
  { low, start }: { low: Map<number, number>; start: Map<number, number> },
): RedriveReport {
  const report: RedriveReport = { redriven: [], alreadyRedriven: [], notFound: [] };
  const found = new Set(letters.map(idOf));
  for (const id of wanted) {
    if (found.has(id)) continue;
    const [p, o] = id.split(':').map(Number) as [number, number];
    if (o < (start.get(p) ?? 0) && o >= (low.get(p) ?? 0)) report.alreadyRedriven.push(o);
    else report.notFound.push(o);
  }
  for (const letter of letters) if (letter.redriven && (all || wanted.has(idOf(letter)))) report.alreadyRedriven.push(letter.offset);
  return report;
}

/** Republishes in dead-letter order, one send per source topic, acknowledged by all in-sync replicas. */
async function republish(group: string, todo: DeadLetter[], report: RedriveReport): Promise<void> {
  const byTopic = new Map<string, DeadLetter[]>();
  for (const letter of todo) byTopic.set(letter.source.topic, [...(byTopic.get(letter.source.topic) ?? []), letter]);
  for (const [source, batch] of byTopic) {
    await sendMessages(
      source,
      batch.map((letter) => redriveMessage(letter, group)),
    );
    for (const letter of batch) report.redriven.push({ partition: letter.partition, offset: letter.offset, eventId: letter.eventId, topic: source });
  }
}

/** Bookkeeping: remembers the redriven offsets, then moves the committed prefix over them. */
async function recordRedriven(
  group: string,
  topic: string,
  todo: DeadLetter[],
  state: RedrivenState,
  { start, high }: { start: Map<number, number>; high: Map<number, number> },
  reading: OpenRead,
): Promise<void> {
  await redriveStore.remember(group, todo.map(idOf));
  for (const letter of todo) state.sparse.add(idOf(letter));
  const commits: { topic: string; partition: number; offset: string }[] = [];
  for (const [partition, from] of start) {
    let next = from;
    const end = high.get(partition) ?? from;
    while (next < end && state.sparse.has(`${partition}:${next}`)) next++;
    if (next > from) commits.push({ topic, partition, offset: String(next) });
  }
  if (commits.length === 0) return;
  await reading.consumer.commitOffsets(commits);
  const covered = [...state.sparse].filter((id) => {
    const [p, o] = id.split(':').map(Number) as [number, number];
    const committed = commits.find((c) => c.partition === p);
    return committed !== undefined && o < Number(committed.offset);
  });
  await redriveStore.forget(group, covered);
}

/** The message a dead letter is redriven as: original key, value and headers, `x-redrive-group`, same event id. */
export function redriveMessage(letter: DeadLetter, group: string): Message {
  const headers = originalHeaders(headerPairs(letter.message.headers), [HEADER.redriveGroup]);
  headers[HEADER.id] ??= letter.eventId;
  headers[HEADER.redriveGroup] = group;
  return { key: letter.message.key, value: letter.message.value, headers };
}

interface RedrivenState {
  committed: Map<number, number>;
  sparse: Set<string>;
}

async function redrivenState(group: string, topic: string): Promise<RedrivenState> {
  return { committed: await committedOffsets(redriveGroupFor(group), topic), sparse: await redriveStore.redriven(group) };
}

function toDeadLetter(partition: number, message: KafkaMessage, state: RedrivenState): DeadLetter {
  const headers = headersAsStrings(message.headers);
  const offset = Number(message.offset);
  const reason = deadLetterReasonOf(headers);
  return {
    ...reason,
    partition,
    offset,
    // Without ce_id: the fallback id the consumer used, rebuilt from the original coordinates, timestamp, key and value.
    eventId: headers[HEADER.id] || fallbackEventId(reason.source, contentDigest(message.key, message.value)),
    key: message.key ? message.key.toString('utf8') : null,
    value: message.value,
    headers,
    redriven: offset < (state.committed.get(partition) ?? -1) || state.sparse.has(`${partition}:${offset}`),
    message,
  };
}
