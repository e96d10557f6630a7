/**
 * The Lambda Kafka wire format (lib/kafka/lambda-event.ts): partition keys both ways, building an
 * event, and splitting one into partitions, checked against AWS's own sample events in
 * test/fixtures/kafka.
 */
import type { KafkaMessage } from 'kafkajs';
import {
  buildEvent,
  groupByPartition,
  type LambdaKafkaRecord,
  lambdaRecord,
  parsePartitionKey,
  partitionKey,
  partitionsOf,
  type RawKafkaEvent,
  toLambdaRecord,
} from '../../lib/kafka/lambda-event';
import awsMsk from '../fixtures/kafka/aws-msk-event.json';
import awsSelfManaged from '../fixtures/kafka/aws-self-managed-event.json';
import powertoolsDefault from '../fixtures/kafka/powertools-default-event.json';

const fixtures: [string, RawKafkaEvent][] = [
  ['aws-msk-event.json', awsMsk],
  ['aws-self-managed-event.json', awsSelfManaged],
  ['powertools-default-event.json', powertoolsDefault],
];

describe('partition keys', () => {
  it.each([
    ['order.placed-3', 'order.placed', 3],
    ['my-topic.v2-beta-11', 'my-topic.v2-beta', 11],
    ['a-0', 'a', 0],
  ])('%s splits on the last dash', (id, topic, partition) => {
    expect(parsePartitionKey(id)).toEqual({ topic, partition });
  });

  it.each(['nodash', 'topic-', 'topic-x', '-3'])('%s is rejected', (id) => {
    expect(() => parsePartitionKey(id)).toThrow(/not "<topic>-<partition>"/);
  });

  it.each([
    ['order.placed', 3],
    ['my-topic.v2-beta', 11],
    ['a', 0],
  ])('partitionKey(%s, %d) parses back to the same topic and partition', (topic, partition) => {
    expect(partitionKey(topic, partition)).toBe(`${topic}-${partition}`);
    expect(parsePartitionKey(partitionKey(topic, partition))).toEqual({ topic, partition });
  });
});

describe.each(fixtures)('%s', (_name, event) => {
  it('splits into its partitions, each key naming its records topic and partition', () => {
    const batches = partitionsOf(event);
    expect(batches.map((b) => b.id)).toEqual(Object.keys(event.records));
    for (const batch of batches) {
      expect(batch.records).toBe(event.records[batch.id]);
      for (const record of batch.records)
        expect({ topic: record.topic, partition: record.partition }).toEqual({ topic: batch.topic, partition: batch.partition });
    }
  });

  it('is what buildEvent makes from the decoded records (base64 key and value, header bytes; a missing or null key left out)', () => {
    const built = buildEvent(
      { kind: event.eventSource === 'aws:kafka' ? 'msk' : 'kafka', eventSourceArn: event.eventSourceArn, brokers: (event.bootstrapServers ?? '').split(',') },
      groupByPartition(
        Object.values(event.records)
          .flat()
          .map((raw) =>
            lambdaRecord({
              topic: raw.topic as string,
              partition: Number(raw.partition),
              offset: Number(raw.offset),
              timestamp: raw.timestamp as number,
              timestampType: raw.timestampType as LambdaKafkaRecord['timestampType'],
              key: typeof raw.key === 'string' ? Buffer.from(raw.key, 'base64') : raw.key,
              value: typeof raw.value === 'string' ? Buffer.from(raw.value, 'base64') : raw.value,
              headers: Object.fromEntries((raw.headers ?? []).flatMap((h) => Object.entries(h).map(([name, bytes]) => [name, Buffer.from(bytes as number[])]))),
            }),
          ),
      ),
    );
    const expected = structuredClone(event) as RawKafkaEvent;
    for (const list of Object.values(expected.records)) {
      for (const record of list) {
        // AWS's own sample key is not canonical base64 (its last digit carries bits the padding drops):
        // compare with its canonical form. Powertools' key round-trips as it is.
        if (typeof record.key === 'string') record.key = Buffer.from(record.key, 'base64').toString('base64');
        else delete record.key;
      }
    }
    expect(built).toEqual(expected);
  });
});

describe('building records', () => {
  const message = (headers: KafkaMessage['headers'], extra: Partial<KafkaMessage> = {}): KafkaMessage =>
    ({ key: Buffer.from('k'), value: Buffer.from('{}'), timestamp: '1700000000000', offset: '7', attributes: 0, headers, ...extra }) as KafkaMessage;

  it('gives each value of a repeated (array-valued) kafkajs header its own entry, in order, as Lambda does', () => {
    const record = toLambdaRecord('t', 0, message({ hop: [Buffer.from('a'), 'b'], ce_id: 'e-1' }));
    expect(record.headers).toEqual([{ hop: [97] }, { hop: [98] }, { ce_id: [101, 45, 49] }]);
  });

  it('leaves out a null key and a null value (tombstone), and skips undefined headers', () => {
    const record = toLambdaRecord('t', 0, message({ gone: undefined }, { key: null, value: null }));
    expect(record).toEqual({ topic: 't', partition: 0, offset: 7, timestamp: 1700000000000, timestampType: 'CREATE_TIME', headers: [] });
  });

  it('reads the batch timestamp type kafkajs keeps on a message (1 = LOG_APPEND_TIME)', () => {
    const logAppend = Object.assign(message({}), { batchContext: { timestampType: 1 } });
    expect(toLambdaRecord('t', 0, logAppend).timestampType).toBe('LOG_APPEND_TIME');
  });

  it('groups records by <topic>-<partition>, keeping their order, and partitionsOf reads them back', () => {
    const records = [0, 1, 0, 2, 1].map((partition, offset) => lambdaRecord({ topic: 'order.placed-v2', partition, offset, timestamp: offset }));
    const grouped = groupByPartition(records);
    expect(Object.fromEntries(Object.entries(grouped).map(([key, list]) => [key, list.map((r) => r.offset)]))).toEqual({
      'order.placed-v2-0': [0, 2],
      'order.placed-v2-1': [1, 4],
      'order.placed-v2-2': [3],
    });
    const batches = partitionsOf(buildEvent({ kind: 'kafka', brokers: ['b:9092'] }, grouped));
    expect(batches.map(({ id, topic, partition }) => ({ id, topic, partition }))).toEqual([
      { id: 'order.placed-v2-0', topic: 'order.placed-v2', partition: 0 },
      { id: 'order.placed-v2-1', topic: 'order.placed-v2', partition: 1 },
      { id: 'order.placed-v2-2', topic: 'order.placed-v2', partition: 2 },
    ]);
  });
});

describe('reading events', () => {
  it('sorts a partition delivered out of offset order', () => {
    const event: RawKafkaEvent = { records: { 't-0': [{ offset: 5 }, { offset: 3 }, { offset: '4' }] } };
    expect(partitionsOf(event)[0]?.records.map((r) => Number(r.offset))).toEqual([3, 4, 5]);
  });

  it.each([
    ['no records object', {}],
    ['records as a list', { records: [] }],
    ['a partition that is not a list', { records: { 't-0': {} } }],
  ])('throws for %s: not a Kafka event', (_case, event) => {
    expect(() => partitionsOf(event as RawKafkaEvent)).toThrow(/Not a Kafka event/);
  });
});
