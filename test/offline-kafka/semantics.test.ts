/**
 * `serverless offline start` on the fixture service (test/offline-kafka/fixture) against the real
 * broker: the event shape, partial batch responses, retries to the on-failure topic, and bisect.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../lib/local/broker';
import {
  committed,
  deliveries,
  deliveryCounts,
  freshTopics,
  killAll,
  type OfflineProcess,
  produce,
  readTopic,
  recordDir,
  removeDir,
  startOffline,
  waitFor,
} from './support';

/** The sample MSK event of the AWS Lambda developer guide (with-msk.html). */
const AWS_MSK_SAMPLE = {
  eventSource: 'aws:kafka',
  eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/vpc-2priv-2pub/751d2973-a626-431c-9d4e-d7975eb44dd7-2',
  bootstrapServers: 'b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092,b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092',
  records: {
    'mytopic-0': [
      {
        topic: 'mytopic',
        partition: 0,
        offset: 15,
        timestamp: 1545084650987,
        timestampType: 'CREATE_TIME',
        key: 'abcDEFghiJKLmnoPQRstuVWXyz1234==',
        value: 'SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==',
        headers: [{ headerKey: [104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101] }],
      },
    ],
  },
};

/** The sample self-managed Kafka event of the AWS Lambda developer guide (with-kafka.html). */
const AWS_SELF_MANAGED_SAMPLE = {
  eventSource: 'SelfManagedKafka',
  bootstrapServers: 'b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092,b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092',
  records: AWS_MSK_SAMPLE.records,
};

/** Structure of a JSON value: key order-insensitive, map keys of `records` normalised. */
function shapeOf(value: unknown, path = ''): unknown {
  if (Array.isArray(value)) return ['array', ...value.slice(0, 1).map((v) => shapeOf(v, `${path}[]`))];
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    // `records` keys and header names are data, not fields.
    if (path === '.records') return { '<topic>-<partition>': shapeOf(entries[0]?.[1], `${path}.*`) };
    if (path.endsWith('.headers[]')) return { '<header>': shapeOf(entries[0]?.[1], `${path}.*`) };
    return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shapeOf(v, `${path}.${k}`)]));
  }
  return typeof value;
}

const TOPICS = [
  { name: 'offk.partial', partitions: 3 },
  { name: 'offk.throws', partitions: 2 },
  { name: 'offk-throws.dlq', partitions: 1 },
  { name: 'offk.bisect', partitions: 1 },
  { name: 'offk-bisect.dlq', partitions: 1 },
  { name: 'offk.shape', partitions: 1 },
];
const GROUPS = ['offk-partial', 'offk-throws', 'offk-bisect', 'offk-shape', 'offk-shape-self'];

jest.setTimeout(120_000);

let dir: string;
let offline: OfflineProcess;
let lagPort: number;

beforeAll(async () => {
  dir = recordDir();
  await freshTopics(TOPICS, GROUPS);
  lagPort = await freePort();
  offline = await startOffline({
    env: { OFFK_DIR: dir, OFFK_FUNCTIONS: 'partial,throws,bisect,shape,shapeself', OFFK_LAG_PORT: String(lagPort), LOG_LEVEL: 'DEBUG' },
  });
}, 180_000);

afterAll(async () => {
  await killAll();
  removeDir(dir);
});

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

test('the event a handler receives has the shape of the AWS sample events, field by field', async () => {
  await produce('offk.shape', [
    { partition: 0, key: 'customer-1', value: 'Hello, this is a test.', headers: { headerKey: 'headerValue', 'x-repeat': ['a', 'b'] } },
  ]);
  await waitFor(() => deliveries(dir, 'shape').length > 0 && deliveries(dir, 'shapeself').length > 0, 'both shape handlers to be invoked');

  const msk = deliveries(dir, 'shape')[0]?.event as typeof AWS_MSK_SAMPLE;
  expect(shapeOf(msk)).toEqual(shapeOf(AWS_MSK_SAMPLE));
  expect(Object.keys(msk).sort()).toEqual(Object.keys(AWS_MSK_SAMPLE).sort());
  expect(msk.eventSource).toBe('aws:kafka');
  // The Ref to the MskCluster Parameter resolves to its Default, as CloudFormation would.
  expect(msk.eventSourceArn).toBe('arn:aws:kafka:us-east-1:123456789012:cluster/offk-cluster/11111111-2222-3333-4444-555555555555-1');
  expect(msk.bootstrapServers).toBe(process.env.KAFKA_BROKERS);
  expect(Object.keys(msk.records)).toEqual(['offk.shape-0']);
  const [record] = msk.records['offk.shape-0' as 'mytopic-0'];
  expect(record).toEqual({
    topic: 'offk.shape',
    partition: 0,
    offset: 0,
    timestamp: expect.any(Number),
    timestampType: 'CREATE_TIME',
    key: Buffer.from('customer-1').toString('base64'),
    value: Buffer.from('Hello, this is a test.').toString('base64'),
    headers: [{ headerKey: [...Buffer.from('headerValue')] }, { 'x-repeat': [97] }, { 'x-repeat': [98] }],
  });
  expect(Math.abs(Date.now() - (record?.timestamp ?? 0))).toBeLessThan(10 * 60_000);

  const self = deliveries(dir, 'shapeself')[0]?.event as typeof AWS_SELF_MANAGED_SAMPLE;
  expect(shapeOf(self)).toEqual(shapeOf(AWS_SELF_MANAGED_SAMPLE));
  expect(self.eventSource).toBe('SelfManagedKafka');
  expect(self).not.toHaveProperty('eventSourceArn');
  expect(self.records).toEqual(msk.records);
});

test('a record reported as failed is re-delivered from its offset while the other partitions move on', async () => {
  const value = (partition: number, n: number) => (partition === 0 && n === 3 ? json({ n, failUntilFile: 'release-partial' }) : json({ n }));
  await produce(
    'offk.partial',
    [0, 1, 2].flatMap((partition) => Array.from({ length: 10 }, (_, n) => ({ partition, key: `k${partition}`, value: value(partition, n) }))),
  );

  // Partitions 1 and 2 finish while partition 0 is held at the failing record.
  await waitFor(async () => {
    const offsets = await committed('offk-partial', 'offk.partial');
    return offsets.get(1) === 10 && offsets.get(2) === 10 && (deliveryCounts(dir, 'partial').get('offk.partial-0@3') ?? 0) >= 3;
  }, 'partitions 1 and 2 to be committed while partition 0 retries');
  expect((await committed('offk-partial', 'offk.partial')).get(0)).toBe(3);

  const p0 = deliveries(dir, 'partial').filter((d) => d.type === 'start' && d.offsets?.[0]?.[0] === 'offk.partial-0');
  const firstWithFailure = p0.findIndex((d) => d.offsets?.some(([, o]) => o === 3));
  // Every re-delivery starts exactly at the failed offset: what came before it was committed.
  for (const d of p0.slice(firstWithFailure + 1)) expect(d.offsets?.[0]?.[1]).toBe(3);
  const counts = deliveryCounts(dir, 'partial');
  for (const offset of [0, 1, 2]) expect(counts.get(`offk.partial-0@${offset}`)).toBe(1);
  for (const partition of [1, 2]) for (let offset = 0; offset < 10; offset++) expect(counts.get(`offk.partial-${partition}@${offset}`)).toBe(1);

  writeFileSync(join(dir, 'release-partial'), '');
  await waitFor(async () => (await committed('offk-partial', 'offk.partial')).get(0) === 10, 'partition 0 to finish once the record succeeds');
  const after = deliveryCounts(dir, 'partial');
  for (let offset = 0; offset < 10; offset++) expect(after.get(`offk.partial-0@${offset}`)).toBeGreaterThanOrEqual(1);
  expect(offline.output.some((line) => /partial \[offk-partial\] offk\.partial-0 offsets 3-\d+ .*item failure at offset 3/.test(line))).toBe(true);
});

test('a handler that always throws: the record is retried MaximumRetryAttempts times, written to the on-failure topic, and the partition continues', async () => {
  await produce('offk.throws', [
    { partition: 0, key: 'a', value: json({ n: 'a' }) },
    { partition: 0, key: 'b', value: json({ n: 'b', throw: true }), headers: { ce_id: 'event-b' } },
    { partition: 0, key: 'c', value: json({ n: 'c' }) },
    { partition: 1, key: 'd', value: json({ n: 'd' }) },
    { partition: 1, key: 'e', value: json({ n: 'e' }) },
  ]);
  await waitFor(async () => {
    const offsets = await committed('offk-throws', 'offk.throws');
    return offsets.get(0) === 3 && offsets.get(1) === 2;
  }, 'both partitions of offk.throws to be committed');

  const counts = deliveryCounts(dir, 'throws');
  // MaximumRetryAttempts: 2 in the fixture's serverless.yml: one try plus two retries.
  expect(counts.get('offk.throws-0@1')).toBe(3);
  expect(counts.get('offk.throws-0@0')).toBe(1);
  expect(counts.get('offk.throws-0@2')).toBe(1);
  expect(counts.get('offk.throws-1@0')).toBe(1);
  expect(counts.get('offk.throws-1@1')).toBe(1);
  const starts = deliveries(dir, 'throws').filter((d) => d.type === 'start');
  const lastB = starts.map((d) => d.offsets?.[0]?.join('@')).lastIndexOf('offk.throws-0@1');
  const c = starts.map((d) => d.offsets?.[0]?.join('@')).indexOf('offk.throws-0@2');
  expect(c).toBeGreaterThan(lastB);

  const [dead] = await readTopic('offk-throws.dlq', 1);
  expect(dead?.key).toBe('b');
  expect(JSON.parse(dead?.value ?? '{}')).toEqual({ n: 'b', throw: true });
  expect(dead?.headers).toEqual(
    expect.objectContaining({
      ce_id: 'event-b',
      'x-dlq-condition': 'RetryAttemptsExhausted',
      'x-dlq-topic': 'offk.throws',
      'x-dlq-partition': '0',
      'x-dlq-offset': '1',
      'x-dlq-attempts': '3',
      'x-dlq-group': 'offk-throws',
      'x-dlq-function': 'offk-test-throws',
      'x-dlq-event-source-arn': 'arn:aws:kafka:us-east-1:123456789012:cluster/offk-cluster/11111111-2222-3333-4444-555555555555-1',
    }),
  );
  expect(dead?.headers['x-dlq-error']).toMatch(/fixture handler throws/);
});

test('BisectBatchOnFunctionError isolates the failing record: only it reaches the on-failure topic', async () => {
  await produce(
    'offk.bisect',
    Array.from({ length: 8 }, (_, n) => ({ partition: 0, key: `k${n}`, value: json(n === 5 ? { n, throw: true } : { n }) })),
  );
  await waitFor(async () => (await committed('offk-bisect', 'offk.bisect')).get(0) === 8, 'offk.bisect to be committed');
  const dead = await readTopic('offk-bisect.dlq', 1);
  expect(dead.map((d) => d.key)).toEqual(['k5']);
  // Every other record was in a batch that succeeded.
  const starts = new Map(
    deliveries(dir, 'bisect')
      .filter((d) => d.type === 'start')
      .map((d) => [d.id, d]),
  );
  const succeeded = new Set<number>();
  for (const end of deliveries(dir, 'bisect').filter((d) => d.type === 'end' && d.result === 'ok')) {
    for (const [, offset] of starts.get(end.id)?.offsets ?? []) succeeded.add(offset);
  }
  expect([...succeeded].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7]);
  expect(offline.output.some((line) => /bisecting to 4/.test(line))).toBe(true);
});

test('per-group lag is logged (LOG_LEVEL=DEBUG) and served on the local endpoint', async () => {
  await waitFor(() => offline.output.some((line) => /lag offk-partial offk\.partial: 0 \(p0=0 p1=0 p2=0\)/.test(line)), 'a lag line for offk-partial');
  const response = await fetch(`http://127.0.0.1:${lagPort}/lag`);
  expect(response.status).toBe(200);
  const { groups } = (await response.json()) as {
    groups: { group: string; topic: string; lag: number; partitions: { partition: number; committed: number; end: number; lag: number }[] }[];
  };
  const partial = groups.find((g) => g.group === 'offk-partial');
  expect(partial).toEqual({
    group: 'offk-partial',
    topic: 'offk.partial',
    functionKey: 'partial',
    lag: 0,
    partitions: [0, 1, 2].map((partition) => ({ partition, committed: 10, end: 10, lag: 0 })),
  });
  expect(groups.map((g) => g.group).sort()).toEqual(['offk-bisect', 'offk-partial', 'offk-shape', 'offk-shape-self', 'offk-throws']);
});
