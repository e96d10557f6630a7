/**
 * Records without an event id (`ce_id`) against the real broker and Redis (issue 15): a topic
 * deleted and created again reuses offsets, and its records must not be taken for the old ones;
 * redeliveries still apply once; a colliding marker is reported; markers of the old id form are
 * honoured only for the record they were written for; a dead letter keeps the record's id.
 * Every test has its own topic, consumer group and Redis keys.
 */
import { randomUUID } from 'node:crypto';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { type UserEvent, userEvents } from '../../events/catalog';
import { decodeRecord } from '../../lib/consumer/decode';
import { type BatchSummary, kafkaBatchConsumer, kafkaConsumer } from '../../lib/consumer/index';
import { legacyFallbackEventId } from '../../lib/consumer/record-id';
import type { RawKafkaRecord } from '../../lib/kafka/lambda-event';
import { log } from '../../lib/log';
import { listDeadLetters } from '../../lib/operations/dead-letters';
import { APPLIED_MARKER_TTL_SECONDS, appliedKey, applyAllOnce, applyOnce } from '../../lib/stores/once';
import { keyPrefix, redis } from '../../lib/stores/redis';
import { mskEventOf, readRecords, testKafka } from '../support/kafka';
import { context, suiteKafka, testTopic } from './support';

const PARTITIONS = 2;
const suite = suiteKafka();

afterEach(() => {
  jest.restoreAllMocks();
});

/** A topic, group and Redis key of this test only; the group's dead-letter topic exists. */
async function scope(name: string) {
  const id = `${name}-${randomUUID().slice(0, 8)}`;
  await createTopic(id);
  await suite.admin.createTopics({ waitForLeaders: true, topics: [{ topic: `${id}.dlq`, numPartitions: 1, replicationFactor: 1 }] });
  return { topic: testTopic(id, userEvents.schema), group: id, counts: `${keyPrefix()}${id}:views` };
}

/** Creates `topic`, waiting out the deletion of an earlier topic of that name. */
async function createTopic(topic: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      if (await suite.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }] })) return;
    } catch (error) {
      if (attempt >= 50) throw error;
    }
    if (attempt >= 50) throw new Error(`${topic} could not be created again`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function view(i: number): UserEvent {
  return { type: 'page_view', user_id: `u-${i % 3}`, session_id: `s-${i % 5}`, payload: { path: `/p-${i}` }, timestamp: '2026-12-01T00:00:00.000Z' };
}

/** Produces `values` with a plain kafkajs producer and no headers at all (as Kafka Connect or a CLI would), record i to partition i % PARTITIONS. */
async function produceRaw(topic: string, values: (string | null)[], headers?: IHeaders): Promise<void> {
  const producer = suite.kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: values.map((value, i) => ({ key: `s-${i % 5}`, value, partition: i % PARTITIONS, ...(headers ? { headers } : {}) })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** What Lambda would deliver for everything on `topic` now. */
async function batchOf(topic: string) {
  const records = await readRecords(topic, new Map(), testKafka());
  return { records, event: () => mskEventOf(records) };
}

/** The summaries the runtime logged since the spy was set. */
function summaries(info: jest.SpyInstance): BatchSummary[] {
  return info.mock.calls.filter(([message]) => message === 'kafka batch processed').map(([, fields]) => fields as BatchSummary);
}

describe('a topic deleted and created again', () => {
  it('has every headerless record applied once, though its offsets and values repeat the old topic; a redelivered batch changes nothing', async () => {
    const { topic, group, counts } = await scope('reincarnated');
    const values = Array.from({ length: 40 }, (_, i) => JSON.stringify(view(i)));
    let applied = 0;
    const consumer = kafkaBatchConsumer({ group, topic }, async (items) => {
      applied += items.length;
      await applyAllOnce(
        group,
        items.map((item) => item.record.eventId),
        items.map((item) => ['HINCRBY', counts, item.value.payload.path as string, 1]),
      );
    });

    await produceRaw(topic.name, values);
    const first = await batchOf(topic.name);
    expect(await consumer(first.event(), context())).toStrictEqual({ batchItemFailures: [] });
    expect(applied).toBe(values.length);

    await suite.admin.deleteTopics({ topics: [topic.name] });
    await createTopic(topic.name);
    await produceRaw(topic.name, values);
    const second = await batchOf(topic.name);
    // The new topic starts over: the same partitions, offsets, keys and values as the old one.
    const where = (r: { partition: number; message: { offset: string; key: Buffer | null; value: Buffer | null } }) =>
      `${r.partition}@${r.message.offset}:${r.message.key}:${r.message.value}`;
    expect(second.records.map(where)).toEqual(first.records.map(where));

    const info = jest.spyOn(log, 'info');
    expect(await consumer(second.event(), context())).toStrictEqual({ batchItemFailures: [] });
    expect(applied).toBe(2 * values.length);
    expect(summaries(info)).toEqual([expect.objectContaining({ records: values.length, succeeded: values.length, skipped: 0, collidingMarkers: 0 })]);
    const perPath = await redis().hgetall(counts);
    expect(Object.keys(perPath)).toHaveLength(values.length);
    expect(new Set(Object.values(perPath))).toEqual(new Set(['2']));

    // Lambda redelivers the same batch (a lost response, a retried invocation): nothing is applied again.
    expect(await consumer(second.event(), context())).toStrictEqual({ batchItemFailures: [] });
    expect(applied).toBe(2 * values.length);
    expect(summaries(info)[1]).toEqual(expect.objectContaining({ skipped: values.length, succeeded: 0, collidingMarkers: 0 }));
    expect(new Set(Object.values(await redis().hgetall(counts)))).toEqual(new Set(['2']));
  });
});

describe('a colliding marker', () => {
  it('a record whose event id was applied for other content is skipped, logged at WARN with group, topic-partition and offset, and counted', async () => {
    const { topic, group, counts } = await scope('colliding');
    const eventId = randomUUID();
    const handled: string[] = [];
    const consumer = kafkaConsumer({ group, topic }, async (value, record) => {
      handled.push(value.payload.path as string);
      await applyOnce(record.group, record.eventId, [['HINCRBY', counts, value.payload.path as string, 1]]);
    });
    // Two different records under one ce_id: a producer reusing ids.
    await produceRaw(topic.name, [JSON.stringify(view(0))], { ce_id: eventId });
    const first = await batchOf(topic.name);
    await produceRaw(topic.name, [JSON.stringify(view(1))], { ce_id: eventId });
    const both = await batchOf(topic.name);
    const second = both.records.filter((r) => !first.records.some((f) => f.partition === r.partition && f.message.offset === r.message.offset));
    expect(second).toHaveLength(1);

    const warn = jest.spyOn(log, 'warn');
    const info = jest.spyOn(log, 'info');
    expect(await consumer(first.event(), context())).toStrictEqual({ batchItemFailures: [] });
    // A redelivery of the applied record is a plain skip: no warning.
    expect(await consumer(first.event(), context())).toStrictEqual({ batchItemFailures: [] });
    expect(warn).not.toHaveBeenCalled();

    expect(await consumer(mskEventOf(second), context())).toStrictEqual({ batchItemFailures: [] });
    expect(handled).toEqual(['/p-0']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith('event id already applied with other content: skipped, not applied', {
      group,
      topicPartition: `${topic.name}-${second[0]?.partition}`,
      offset: Number(second[0]?.message.offset),
      eventId,
    });
    expect(summaries(info).map((s) => [s.skipped, s.collidingMarkers])).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
    ]);
    expect(await redis().hgetall(counts)).toEqual({ '/p-0': '1' });
  });
});

describe('markers of the old fallback form (`<topic>-<partition>-<offset>`)', () => {
  it('one written after its record was produced (a redelivery in flight at the upgrade) still dedupes; one written before (an old topic) is ignored', async () => {
    const { topic, group } = await scope('legacy');
    await produceRaw(topic.name, [JSON.stringify(view(0)), JSON.stringify(view(2))]);
    const { records, event } = await batchOf(topic.name);
    expect(records.map((r) => `${r.partition}@${r.message.offset}`)).toEqual(['0@0', '1@0']);
    const [inFlight, newer] = records.map((r) => r.message) as [KafkaMessage, KafkaMessage];
    const oldKey = (partition: number, offset: string) => appliedKey(group, legacyFallbackEventId({ topic: topic.name, partition, offset: Number(offset) }));
    // Applied by the old code just now, after the record was produced.
    await redis().set(oldKey(0, inFlight.offset), '1', 'EX', APPLIED_MARKER_TTL_SECONDS);
    // Written an hour before this record existed: its remaining TTL says so.
    const ageMs = Date.now() - (Number(newer.timestamp) - 3_600_000);
    await redis().set(oldKey(1, newer.offset), '1', 'PX', APPLIED_MARKER_TTL_SECONDS * 1000 - ageMs);

    const handled: number[] = [];
    const response = await kafkaConsumer({ group, topic }, async (_, record) => {
      handled.push(record.partition);
    })(event(), context());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(handled).toEqual([1]);
  });
});

describe('dead letters of headerless records', () => {
  it('are listed under the event id the consumer gave the record', async () => {
    const { topic, group } = await scope('dead-headerless');
    await produceRaw(topic.name, ['{"type": broken']);
    const { event } = await batchOf(topic.name);
    const raw = Object.values(event().records)[0]?.[0] as unknown as RawKafkaRecord;
    const eventId = decodeRecord({ id: `${topic.name}-0`, topic: topic.name, partition: 0 }, raw).eventId;

    expect(await kafkaConsumer({ group, topic }, async () => {})(event(), context())).toStrictEqual({ batchItemFailures: [] });
    const letters = await listDeadLetters(group);
    expect(letters.map((l) => l.eventId)).toEqual([eventId]);
    expect(eventId).toMatch(new RegExp(`^${topic.name}-0-0@\\d+#`));
  });
});
