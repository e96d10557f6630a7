/**
 * Batches spanning partitions, through `serverless offline start` on the fixture service against
 * the real broker. The records are produced before the triggers start, so the first fetch of each
 * group holds every partition and its first invocation carries all three (as Lambda's can:
 * with-msk-process.html); the response is then applied partition by partition.
 */
import {
  committed,
  type Delivery,
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

const PARTITIONS = 3;
const SCENARIOS = { mpfail: 5, mptwo: 4, mpbogus: 3, mpbisect: 4 } as const;
type Scenario = keyof typeof SCENARIOS;
const topicOf = (fn: Scenario) => `offk.${fn}`;
const groupOf = (fn: Scenario) => `offk-${fn}`;

/** Per record: what the fixture handler should do with it (handler.js). */
const BEHAVIOUR: Record<string, Record<string, unknown>> = {
  'mpfail-1@2': { failTimes: 1 },
  'mptwo-0@1': { failTimes: 1 },
  'mptwo-0@3': { failTimes: 1 },
  'mptwo-2@3': { failTimes: 1 },
  'mpbogus-1@1': { reportAs: 'offk.mpbogus-7', reportTimes: 1 },
  'mpbisect-1@2': { throw: true },
};

jest.setTimeout(120_000);

let dir: string;
let offline: OfflineProcess;

beforeAll(async () => {
  dir = recordDir();
  const fns = Object.keys(SCENARIOS) as Scenario[];
  await freshTopics([...fns.map((fn) => ({ name: topicOf(fn), partitions: PARTITIONS })), { name: 'offk-mpbisect.dlq', partitions: 1 }], fns.map(groupOf));
  for (const fn of fns) {
    const messages = [];
    for (let partition = 0; partition < PARTITIONS; partition++) {
      for (let n = 0; n < SCENARIOS[fn]; n++) {
        messages.push({ partition, key: `k${partition}`, value: JSON.stringify({ n, ...BEHAVIOUR[`${fn}-${partition}@${n}`] }) });
      }
    }
    await produce(topicOf(fn), messages);
  }
  offline = await startOffline({ env: { OFFK_DIR: dir, OFFK_FUNCTIONS: fns.join(',') } });
}, 180_000);

afterAll(async () => {
  await killAll();
  removeDir(dir);
});

/** The offsets of each partition in one delivery, in the order the event lists them. */
function byPartition(delivery: Delivery | undefined): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [key, offset] of delivery?.offsets ?? []) {
    out[key] ??= [];
    out[key].push(offset);
  }
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const starts = (fn: Scenario) => deliveries(dir, fn).filter((d) => d.type === 'start');

async function allCommitted(fn: Scenario): Promise<void> {
  try {
    await waitFor(
      async () => {
        const offsets = await committed(groupOf(fn), topicOf(fn));
        return range(0, PARTITIONS).every((p) => offsets.get(p) === SCENARIOS[fn]);
      },
      `every partition of ${topicOf(fn)} to be committed`,
    );
  } catch (error) {
    const offsets = await committed(groupOf(fn), topicOf(fn));
    const log = offline.output.filter((line) => line.includes(`[${groupOf(fn)}]`)).slice(-20);
    throw new Error(`${(error as Error).message}; committed ${JSON.stringify([...offsets])}; trigger log:\n${log.join('\n')}`);
  }
}

test('a batch with records of three partitions where one fails in the middle: only that partition is redelivered, from the failed offset', async () => {
  await allCommitted('mpfail');
  const [first, second, ...more] = starts('mpfail');
  expect(byPartition(first)).toEqual({ 'offk.mpfail-0': range(0, 5), 'offk.mpfail-1': range(0, 5), 'offk.mpfail-2': range(0, 5) });
  expect(byPartition(second)).toEqual({ 'offk.mpfail-1': [2, 3, 4] });
  expect(more).toEqual([]);

  const counts = deliveryCounts(dir, 'mpfail');
  for (const partition of [0, 2]) for (const offset of range(0, 5)) expect(counts.get(`offk.mpfail-${partition}@${offset}`)).toBe(1);
  expect(range(0, 5).map((offset) => counts.get(`offk.mpfail-1@${offset}`))).toEqual([1, 1, 2, 2, 2]);
  const line = offline.output.find((l) => /λ mpfail \[offk-mpfail\] .*\(15 records\) -> item failure at offset 2 of offk\.mpfail-1 \(attempt 1\)/.test(l));
  for (const partition of range(0, PARTITIONS)) expect(line).toContain(`offk.mpfail-${partition} offsets 0-4`);
});

test('a response naming failures in two partitions: each is redelivered from its own lowest failed offset, in one batch, while the third commits', async () => {
  await allCommitted('mptwo');
  const [first, second, ...more] = starts('mptwo');
  expect(byPartition(first)).toEqual({ 'offk.mptwo-0': range(0, 4), 'offk.mptwo-1': range(0, 4), 'offk.mptwo-2': range(0, 4) });
  const firstEnd = deliveries(dir, 'mptwo').find((d) => d.type === 'end' && d.id === first?.id);
  // Every failing record is reported (in the order the event listed the partitions).
  expect(firstEnd?.result?.replace('fail@', '').split(',').sort()).toEqual(['offk.mptwo-0@1', 'offk.mptwo-0@3', 'offk.mptwo-2@3']);
  // Partition 0 failed at 1 and 3: it comes again from 1. Partition 1 had no failure.
  expect(byPartition(second)).toEqual({ 'offk.mptwo-0': [1, 2, 3], 'offk.mptwo-2': [3] });
  expect(more).toEqual([]);

  const counts = deliveryCounts(dir, 'mptwo');
  expect(range(0, 4).map((offset) => counts.get(`offk.mptwo-0@${offset}`))).toEqual([1, 2, 2, 2]);
  expect(range(0, 4).map((offset) => counts.get(`offk.mptwo-1@${offset}`))).toEqual([1, 1, 1, 1]);
  expect(range(0, 4).map((offset) => counts.get(`offk.mptwo-2@${offset}`))).toEqual([1, 1, 1, 2]);
});

test('an identifier naming a partition that was not in the batch fails the whole batch: every record of every partition comes again', async () => {
  await allCommitted('mpbogus');
  const [first, second, ...more] = starts('mpbogus');
  const all = { 'offk.mpbogus-0': range(0, 3), 'offk.mpbogus-1': range(0, 3), 'offk.mpbogus-2': range(0, 3) };
  expect(byPartition(first)).toEqual(all);
  expect(byPartition(second)).toEqual(all);
  expect(more).toEqual([]);
  expect(
    offline.output.some((line) =>
      /mpbogus \[offk-mpbogus\] .*\(9 records\) -> error \(attempt 1\) .*batchItemFailures names a record that is not in the batch: \{"partition":"offk\.mpbogus-7","offset":1\}/.test(
        line,
      ),
    ),
  ).toBe(true);
});

test('bisecting a batch of three partitions isolates the record that throws: only it reaches the on-failure topic, every other record succeeds', async () => {
  await allCommitted('mpbisect');
  const all = deliveries(dir, 'mpbisect');
  const [first] = all.filter((d) => d.type === 'start');
  expect(byPartition(first)).toEqual({ 'offk.mpbisect-0': range(0, 4), 'offk.mpbisect-1': range(0, 4), 'offk.mpbisect-2': range(0, 4) });
  const startOf = new Map(all.filter((d) => d.type === 'start').map((d) => [d.id, d]));
  const succeeded = new Set(
    all.filter((d) => d.type === 'end' && d.result === 'ok').flatMap((d) => (startOf.get(d.id)?.offsets ?? []).map(([key, offset]) => `${key}@${offset}`)),
  );
  const expected = range(0, PARTITIONS)
    .flatMap((p) => range(0, 4).map((o) => `offk.mpbisect-${p}@${o}`))
    .filter((r) => r !== 'offk.mpbisect-1@2');
  expect([...succeeded].sort()).toEqual(expected.sort());
  // Alone, the record was tried once plus MaximumRetryAttempts (1) more.
  const alone = all.filter((d) => d.type === 'start' && d.offsets?.length === 1 && d.offsets[0]?.join('@') === 'offk.mpbisect-1@2');
  expect(alone).toHaveLength(2);

  const dead = await readTopic('offk-mpbisect.dlq', 1);
  expect(dead.map((d) => [d.key, JSON.parse(d.value)])).toEqual([['k1', { n: 2, throw: true }]]);
  expect(dead[0]?.headers).toEqual(
    expect.objectContaining({ 'x-dlq-condition': 'RetryAttemptsExhausted', 'x-dlq-partition': '1', 'x-dlq-offset': '2', 'x-dlq-attempts': '2' }),
  );
  expect(offline.output.some((line) => /mpbisect \[offk-mpbisect\] .*\(12 records\) -> error \d+ ms, bisecting to 6/.test(line))).toBe(true);
});
