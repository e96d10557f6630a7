/**
 * How the local trigger fills a batch from several partitions (lib/local/offline-kafka/assemble.ts).
 */

import { buildEvent, type LambdaKafkaRecord } from '../../lib/kafka/lambda-event';
import { assembleBatch, type WaitingPartition } from '../../lib/local/offline-kafka/assemble';
import { bareEnvelopeSize, MAX_PAYLOAD_BYTES } from '../../lib/local/offline-kafka/payload';

const SOURCE = { kind: 'msk' as const, eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/c/1', brokers: ['127.0.0.1:9092'] };
const ENVELOPE = bareEnvelopeSize(SOURCE);

function record(partition: number, offset: number, valueBytes = 16): LambdaKafkaRecord {
  return {
    topic: 'order.placed',
    partition,
    offset,
    timestamp: 1_700_000_000_000 + offset,
    timestampType: 'CREATE_TIME',
    key: Buffer.from(`k${partition}`).toString('base64'),
    value: Buffer.alloc(valueBytes, 'x').toString('base64'),
    headers: [{ ce_id: [...Buffer.from(`e-${partition}-${offset}`)] }],
  };
}

function waiting(partition: number, offsets: number[], extra: Partial<WaitingPartition> = {}, valueBytes?: number): WaitingPartition {
  return { key: `order.placed-${partition}`, records: offsets.map((o) => record(partition, o, valueBytes)), ...extra };
}

test('records of several partitions share one batch, each partition from its first waiting record', () => {
  const parts = assembleBatch([waiting(2, [7, 8, 9]), waiting(0, [0, 1]), waiting(5, [3])], 100, ENVELOPE);
  expect(parts).toEqual([
    { key: 'order.placed-2', count: 3 },
    { key: 'order.placed-0', count: 2 },
    { key: 'order.placed-5', count: 1 },
  ]);
});

test('the batch size counts the records of all partitions together', () => {
  expect(assembleBatch([waiting(0, [0, 1, 2]), waiting(1, [0, 1, 2]), waiting(2, [0, 1, 2])], 5, ENVELOPE)).toEqual([
    { key: 'order.placed-0', count: 3 },
    { key: 'order.placed-1', count: 2 },
  ]);
});

test('a bisected partition limits the whole batch it is in, and waits for its own batch when the limit is already used', () => {
  // Its limit first: the batch stops at 2 records.
  expect(assembleBatch([waiting(0, [0, 1, 2], { sizeLimit: 2 }), waiting(1, [0, 1])], 100, ENVELOPE)).toEqual([{ key: 'order.placed-0', count: 2 }]);
  // Another partition filled 3 already: the bisected one (limit 2) stays out of this batch.
  expect(assembleBatch([waiting(1, [0, 1, 2]), waiting(0, [0, 1, 2], { sizeLimit: 2 })], 100, ENVELOPE)).toEqual([{ key: 'order.placed-1', count: 3 }]);
  // Room left under its limit: it joins with what fits.
  expect(assembleBatch([waiting(1, [0]), waiting(0, [0, 1, 2], { sizeLimit: 2 })], 100, ENVELOPE)).toEqual([
    { key: 'order.placed-1', count: 1 },
    { key: 'order.placed-0', count: 1 },
  ]);
});

test('the 6 MB payload counts every partition: the built event is never larger', () => {
  const twoMegabytes = 2 * 1024 * 1024;
  const input = [waiting(0, [0], {}, twoMegabytes), waiting(1, [0, 1], {}, twoMegabytes), waiting(2, [0], {}, twoMegabytes)];
  const parts = assembleBatch(input, 100, ENVELOPE);
  // base64 makes each value ~2.7 MB: two records fit, a third does not.
  expect(parts).toEqual([
    { key: 'order.placed-0', count: 1 },
    { key: 'order.placed-1', count: 1 },
  ]);
  const records = Object.fromEntries(parts.map(({ key, count }) => [key, (input.find((w) => w.key === key) as WaitingPartition).records.slice(0, count)]));
  expect(Buffer.byteLength(JSON.stringify(buildEvent(SOURCE, records)))).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
});

test('a partition whose first record does not fit next to the others is left for the next batch', () => {
  const parts = assembleBatch([waiting(0, [0], {}, 3 * 1024 * 1024), waiting(1, [0], {}, 3 * 1024 * 1024), waiting(2, [0])], 100, ENVELOPE);
  expect(parts).toEqual([
    { key: 'order.placed-0', count: 1 },
    { key: 'order.placed-2', count: 1 },
  ]);
});
