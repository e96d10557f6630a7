/**
 * The runtime against the real broker (started by jest globalSetup) and the local Redis. Batches
 * are built from records actually produced to and read back from Kafka, shaped as Lambda delivers
 * them. Every test uses its own consumer groups and event ids; topics are shared across the run.
 */
import { randomUUID } from 'node:crypto';
import { orderPlaced } from '../../events/catalog';
import { kafkaConsumer, NonRetryableError, RetryableError } from '../../lib/consumer/index';
import { HEADER } from '../../lib/kafka/headers';
import type { RawKafkaRecord } from '../../lib/kafka/lambda-event';
import { type Published, publishAll, sendMessages } from '../../lib/kafka/publisher';
import { listDeadLetters, redriveDeadLetters } from '../../lib/operations/dead-letters';
import { readRange } from '../../lib/operations/read-range';
import { applyOnce } from '../../lib/stores/once';
import { keyPrefix, redis } from '../../lib/stores/redis';
import { context, fromKafka, mskEvent, order, suiteKafka } from './support';

const TOPIC = orderPlaced.name;
const suite = suiteKafka();

/** A fresh consumer group with its dead-letter topic. */
async function newGroup(name: string): Promise<string> {
  const group = `${name}-${randomUUID().slice(0, 8)}`;
  await suite.admin.createTopics({ waitForLeaders: true, topics: [{ topic: `${group}.dlq`, numPartitions: 1, replicationFactor: 1 }] });
  return group;
}

async function highWatermarks(topic: string): Promise<Map<number, number>> {
  return new Map((await suite.admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
}

/** Reads `topic` from `since` to its current end and returns the records whose ce_id is in `ids`, as Lambda would deliver them. */
async function readBack(topic: string, since: Map<number, number>, ids: Set<string>): Promise<RawKafkaRecord[]> {
  const until = await highWatermarks(topic);
  const { messages: found, consumer } = await readRange(`reader-${randomUUID()}`, topic, since, until);
  await consumer.disconnect();
  return found
    .filter(({ message }) => ids.has(String(message.headers?.[HEADER.id])))
    .sort((a, b) => a.partition - b.partition || Number(a.message.offset) - Number(b.message.offset))
    .map(({ partition, message }) => fromKafka(topic, partition, message));
}

function idOf(r: RawKafkaRecord): string {
  const entry = (r.headers ?? []).find((h) => HEADER.id in h);
  return Buffer.from((entry?.[HEADER.id] as number[]) ?? []).toString('utf8');
}

async function produceOrders(key: string, count: number, start = 0): Promise<Published[]> {
  const values = Array.from({ length: count }, (_, i) => order({ customer_id: key, total: start + i }));
  return publishAll(
    orderPlaced,
    values,
    values.map(() => randomUUID()),
  );
}

describe('consumer runtime with a real broker and Redis', () => {
  it('a poison record in the middle lands in <group>.dlq with its reason headers; the rest of its partition is processed', async () => {
    const group = await newGroup('inventory-poison');
    const since = await highWatermarks(TOPIC);
    const key = `cust-${randomUUID()}`;
    const before = await produceOrders(key, 2);
    const poisonId = randomUUID();
    await sendMessages(TOPIC, [{ key, value: '{"order_id": broken', headers: { [HEADER.id]: poisonId, [HEADER.type]: orderPlaced.eventType } }]);
    const after = await produceOrders(key, 2, 2);
    const others = await produceOrders(`cust-${randomUUID()}`, 3);
    const ids = new Set([...before, ...after, ...others].map((p) => p.eventId).concat(poisonId));
    const records = await readBack(TOPIC, since, ids);
    expect(records).toHaveLength(8);
    const poison = records.find((r) => idOf(r) === poisonId) as RawKafkaRecord;

    const handled: string[] = [];
    const response = await kafkaConsumer({ group, topic: orderPlaced }, async (_, r) => {
      handled.push(r.eventId);
    })(mskEvent(records), context());

    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(handled.filter((id) => [...before, ...after].some((p) => p.eventId === id))).toEqual([...before, ...after].map((p) => p.eventId));
    expect(new Set(handled)).toEqual(new Set([...before, ...after, ...others].map((p) => p.eventId)));

    const letters = await listDeadLetters(group);
    expect(letters).toHaveLength(1);
    const [letter] = letters;
    expect(letter).toMatchObject({
      eventId: poisonId,
      key,
      errorClass: 'UndecodableRecordError',
      source: { topic: TOPIC, partition: poison.partition, offset: poison.offset },
      attempts: 1,
      redriven: false,
    });
    expect(letter?.value?.toString()).toBe('{"order_id": broken');
    expect(letter?.error).toMatch(/JSON/);
    expect(letter?.headers).toMatchObject({
      'x-dlq-group': group,
      'x-dlq-topic': TOPIC,
      'x-dlq-partition': String(poison.partition),
      'x-dlq-offset': String(poison.offset),
      'x-dlq-timestamp': String(poison.timestamp),
      [HEADER.type]: orderPlaced.eventType,
    });
    expect(Date.parse(letter?.failedAt ?? '')).not.toBeNaN();
  });

  it('a retryable failure stops only its partition and is reported at its real offset', async () => {
    const group = await newGroup('payment-retry');
    const since = await highWatermarks(TOPIC);
    const published = (await Promise.all(Array.from({ length: 6 }, (_, i) => produceOrders(`cust-${i}-${randomUUID()}`, 3)))).flat();
    const partitions = new Set(published.map((p) => p.partition));
    expect(partitions.size).toBeGreaterThan(1);
    const records = await readBack(TOPIC, since, new Set(published.map((p) => p.eventId)));
    const victimPartition = records[0]?.partition as number;
    const inVictim = records.filter((r) => r.partition === victimPartition);
    const victim = inVictim[1] ?? (inVictim[0] as RawKafkaRecord);

    const handled = new Set<string>();
    const response = await kafkaConsumer({ group, topic: orderPlaced, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } }, async (_, r) => {
      if (r.eventId === idOf(victim)) throw new RetryableError('downstream busy');
      handled.add(r.eventId);
    })(mskEvent(records), context());

    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: { partition: `${TOPIC}-${victimPartition}`, offset: Number(victim.offset) } }] });
    const expected = records.filter((r) => r.partition !== victimPartition || Number(r.offset) < Number(victim.offset)).map(idOf);
    expect(handled).toEqual(new Set(expected));

    // Redelivery from the reported offset: the earlier records are not run again, the rest are.
    const redelivered = records.filter((r) => r.partition === victimPartition && Number(r.offset) >= Number(victim.offset));
    const second: string[] = [];
    const retry = await kafkaConsumer({ group, topic: orderPlaced }, async (_, r) => {
      second.push(r.eventId);
    })(mskEvent(records.filter((r) => r.partition === victimPartition)), context());
    expect(retry).toStrictEqual({ batchItemFailures: [] });
    expect(second).toEqual(redelivered.map(idOf));
  });

  it('records of one key are handled in offset order', async () => {
    const group = await newGroup('email-order');
    const since = await highWatermarks(TOPIC);
    const keys = [0, 1, 2].map((i) => `cust-${i}-${randomUUID()}`);
    const published = (await Promise.all(keys.map((k) => produceOrders(k, 15)))).flat();
    const records = await readBack(TOPIC, since, new Set(published.map((p) => p.eventId)));
    const seen = new Map<string, { total: number; offset: number }[]>();
    await kafkaConsumer({ group, topic: orderPlaced, concurrency: 6 }, async (value, r) => {
      await new Promise((resolve) => setImmediate(resolve));
      seen.set(value.customer_id, [...(seen.get(value.customer_id) ?? []), { total: value.total, offset: r.offset }]);
    })(mskEvent(records), context());
    for (const key of keys) {
      const list = seen.get(key) ?? [];
      expect(list.map((x) => x.total)).toEqual(Array.from({ length: 15 }, (_, i) => i));
      expect(list.map((x) => x.offset)).toEqual([...list.map((x) => x.offset)].sort((a, b) => a - b));
    }
  });

  it('the same batch delivered twice (also at the same time) applies each effect once', async () => {
    const group = await newGroup('analytics-twice');
    const since = await highWatermarks(TOPIC);
    const published = (await Promise.all([0, 1, 2, 3].map((i) => produceOrders(`cust-${i}-${randomUUID()}`, 5)))).flat();
    const records = await readBack(TOPIC, since, new Set(published.map((p) => p.eventId)));
    const counter = `${keyPrefix()}test:${group}:plain-effects`;
    const totals = `${keyPrefix()}test:${group}:totals`;
    const consumer = kafkaConsumer({ group, topic: orderPlaced, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 } }, async (value, r) => {
      await redis().incr(counter); // a plain effect: protected by the runtime's markers and leases
      await applyOnce(group, `${r.eventId}:total`, [['INCRBYFLOAT', totals, value.total]]);
    });
    await Promise.all([consumer(mskEvent(records), context()), consumer(mskEvent(records), context())]);
    const last = await consumer(mskEvent(records), context());
    expect(last).toStrictEqual({ batchItemFailures: [] });
    expect(Number(await redis().get(counter))).toBe(20);
    expect(Number(await redis().get(totals))).toBe(4 * (0 + 1 + 2 + 3 + 4));
  });

  it('a redrive brings a dead letter back to its group only, once, and it is then processed once', async () => {
    const owner = await newGroup('inventory-redrive');
    const other = await newGroup('payment-redrive');
    const since = await highWatermarks(TOPIC);
    const [published] = await produceOrders(`cust-${randomUUID()}`, 1);
    const eventId = (published as Published).eventId;
    const original = await readBack(TOPIC, since, new Set([eventId]));

    let broken = true;
    const ownerRuns: string[] = [];
    const ownerConsumer = kafkaConsumer({ group: owner, topic: orderPlaced }, async (_, r) => {
      if (broken) throw new NonRetryableError('product catalogue says no');
      ownerRuns.push(r.eventId);
    });
    expect(await ownerConsumer(mskEvent(original), context())).toStrictEqual({ batchItemFailures: [] });
    const [letter] = await listDeadLetters(owner);
    expect(letter).toMatchObject({ eventId, errorClass: 'NonRetryableError', redriven: false });

    const beforeRedrive = await highWatermarks(TOPIC);
    const report = await redriveDeadLetters(owner, { offsets: [letter?.offset as number] });
    expect(report.redriven).toEqual([{ partition: 0, offset: letter?.offset, eventId, topic: TOPIC }]);
    const redriven = await readBack(TOPIC, beforeRedrive, new Set([eventId]));
    expect(redriven).toHaveLength(1);
    const headers = Object.assign({}, ...(redriven[0]?.headers ?? [])) as Record<string, number[]>;
    expect(Buffer.from(headers['x-redrive-group'] ?? []).toString()).toBe(owner);
    expect(Object.keys(headers).filter((h) => h.startsWith('x-dlq-'))).toEqual([]);
    expect(redriven[0]?.value).toBe(original[0]?.value);
    expect(redriven[0]?.key).toBe(original[0]?.key);

    // Every other group skips it; the owner processes it, once.
    const otherRuns = jest.fn(async () => {});
    expect(await kafkaConsumer({ group: other, topic: orderPlaced }, otherRuns)(mskEvent(redriven), context())).toStrictEqual({ batchItemFailures: [] });
    expect(otherRuns).not.toHaveBeenCalled();
    broken = false;
    await ownerConsumer(mskEvent(redriven), context());
    await ownerConsumer(mskEvent(redriven), context());
    expect(ownerRuns).toEqual([eventId]);

    // A second redrive of the same dead letter republishes nothing.
    const again = await redriveDeadLetters(owner, { offsets: [letter?.offset as number] });
    expect(again).toEqual({ redriven: [], alreadyRedriven: [letter?.offset], notFound: [] });
    expect(await readBack(TOPIC, beforeRedrive, new Set([eventId]))).toHaveLength(1);
    expect((await listDeadLetters(owner))[0]?.redriven).toBe(true);
  });

  it('redrive of selected offsets then --all redrives each dead letter exactly once', async () => {
    const group = await newGroup('search-redrive-all');
    const since = await highWatermarks(TOPIC);
    const published = await produceOrders(`cust-${randomUUID()}`, 3);
    const records = await readBack(TOPIC, since, new Set(published.map((p) => p.eventId)));
    await kafkaConsumer({ group, topic: orderPlaced }, async () => {
      throw new NonRetryableError('no');
    })(mskEvent(records), context());
    const letters = await listDeadLetters(group);
    expect(letters.map((l) => l.eventId)).toEqual(published.map((p) => p.eventId));

    const beforeRedrive = await highWatermarks(TOPIC);
    const middle = letters[1]?.offset as number;
    expect((await redriveDeadLetters(group, { offsets: [middle, 999] })).notFound).toEqual([999]);
    const rest = await redriveDeadLetters(group, { all: true });
    expect(rest.redriven.map((r) => r.offset)).toEqual([letters[0]?.offset, letters[2]?.offset]);
    expect((await redriveDeadLetters(group, { all: true })).redriven).toEqual([]);
    const back = await readBack(TOPIC, beforeRedrive, new Set(published.map((p) => p.eventId)));
    expect(back.map(idOf).sort()).toEqual(published.map((p) => p.eventId).sort());
    expect((await listDeadLetters(group)).every((l) => l.redriven)).toBe(true);
    const committed = await suite.admin.fetchOffsets({ groupId: `${group}.dlq-redrive`, topics: [`${group}.dlq`] });
    expect(committed[0]?.partitions[0]?.offset).toBe(String((letters[2]?.offset as number) + 1));
  });
});
