/**
 * The local triggers follow serverless.yml: editing the mapping's batchSize or its
 * MaximumRetryAttempts (under resources.extensions) changes behaviour with no other edit.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { committed, deliveries, deliveryCounts, FIXTURE, freshTopics, killAll, produce, recordDir, removeDir, startOffline, waitFor } from './support';

jest.setTimeout(240_000);

const TOPIC = 'offk.tunable';
const GROUP = 'offk-tunable';
const VARIANT = 'serverless.variant-test.yml';
let dir: string;

beforeAll(async () => {
  dir = recordDir();
  await freshTopics(
    [
      { name: TOPIC, partitions: 1 },
      { name: 'offk-tunable.dlq', partitions: 1 },
    ],
    [GROUP],
  );
});

afterAll(async () => {
  await killAll();
  rmSync(join(FIXTURE, VARIANT), { force: true });
  removeDir(dir);
});

const ok = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ partition: 0, value: JSON.stringify({ n: from + i }) }));
const batchSizes = (from: number) =>
  deliveries(dir, 'tunable')
    .filter((d) => d.type === 'start' && (d.offsets?.[0]?.[1] ?? -1) >= from)
    .map((d) => d.offsets?.length ?? 0);

async function run(config: string | undefined, firstOffset: number): Promise<{ maxBatch: number; throwDeliveries: number }> {
  await produce(TOPIC, ok(firstOffset, 9));
  const offline = await startOffline({ config, env: { OFFK_DIR: dir, OFFK_FUNCTIONS: 'tunable' } });
  await waitFor(async () => (await committed(GROUP, TOPIC)).get(0) === firstOffset + 9, 'the nine records to be committed');
  const maxBatch = Math.max(...batchSizes(firstOffset));
  await produce(TOPIC, [{ partition: 0, value: JSON.stringify({ n: firstOffset + 9, throw: true }) }]);
  await waitFor(async () => (await committed(GROUP, TOPIC)).get(0) === firstOffset + 10, 'the throwing record to be dead-lettered');
  const throwDeliveries = deliveryCounts(dir, 'tunable').get(`${TOPIC}-0@${firstOffset + 9}`) ?? 0;
  offline.signal('SIGTERM');
  await offline.exited;
  return { maxBatch, throwDeliveries };
}

test('batchSize and MaximumRetryAttempts are read from serverless.yml', async () => {
  // As checked in: batchSize 3, MaximumRetryAttempts 1.
  const before = await run(undefined, 0);
  expect(before).toEqual({ maxBatch: 3, throwDeliveries: 2 });

  // The same file with only those two values edited.
  const original = readFileSync(join(FIXTURE, 'serverless.yml'), 'utf8');
  const edited = original
    .replace('topic: offk.tunable, consumerGroupId: offk-tunable, batchSize: 3 }', 'topic: offk.tunable, consumerGroupId: offk-tunable, batchSize: 10 }')
    .replace(
      '        MaximumRetryAttempts: 1\n        BisectBatchOnFunctionError: false\n        DestinationConfig: { OnFailure: { Destination: kafka://offk-tunable.dlq } }',
      '        MaximumRetryAttempts: 3\n        BisectBatchOnFunctionError: false\n        DestinationConfig: { OnFailure: { Destination: kafka://offk-tunable.dlq } }',
    );
  expect(edited.split('\n').filter((line, i) => line !== original.split('\n')[i])).toHaveLength(2);
  writeFileSync(join(FIXTURE, VARIANT), edited);

  // Nine records waiting before the start: one fetch, one batch of up to 10.
  const after = await run(VARIANT, 10);
  expect(after.maxBatch).toBeGreaterThan(3);
  expect(after.throwDeliveries).toBe(4);
});
