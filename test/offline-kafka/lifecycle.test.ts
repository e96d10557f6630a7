/**
 * Process lifecycle of `serverless offline start` with Kafka triggers: a hard kill loses nothing
 * (uncommitted records come again after a restart), and SIGTERM drains the in-flight invocation,
 * commits it and exits promptly. These run with `invoke: http` (serverless-offline's HTTP invoke
 * endpoint); the other suites use the default in-process Lambda API.
 */
import { committed, type Delivery, deliveries, deliveryCounts, freshTopics, killAll, produce, recordDir, removeDir, startOffline, waitFor } from './support';

jest.setTimeout(180_000);

const TOPIC = 'offk.slow';
const GROUP = 'offk-slow';
let dir: string;

beforeAll(async () => {
  dir = recordDir();
  await freshTopics([{ name: TOPIC, partitions: 1 }], [GROUP]);
});

afterAll(async () => {
  await killAll();
  removeDir(dir);
});

/** The batch started last, if it has not ended yet. */
function inFlight(): Delivery | undefined {
  const all = deliveries(dir, 'slow');
  const ended = new Set(all.filter((d) => d.type === 'end').map((d) => d.id));
  const starts = all.filter((d) => d.type === 'start');
  const last = starts[starts.length - 1];
  return last && !ended.has(last.id) ? last : undefined;
}

const slowRecords = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ partition: 0, key: `k${from + i}`, value: JSON.stringify({ n: from + i, sleepMs: 1500 }) }));

test('SIGKILL mid-batch: after a restart the uncommitted records are delivered again and none is lost', async () => {
  await produce(TOPIC, slowRecords(0, 20));
  const first = await startOffline({ env: { OFFK_DIR: dir, OFFK_FUNCTIONS: 'slow', OFFK_INVOKE: 'http' } });
  // Wait for the second batch to be in flight (the first one has been committed by then).
  let victim: Delivery | undefined;
  await waitFor(() => {
    victim = inFlight();
    return deliveries(dir, 'slow').filter((d) => d.type === 'end').length >= 1 && victim !== undefined;
  }, 'a batch in flight after one completed');
  await first.kill();
  expect(victim?.offsets?.length).toBe(5);
  const before = (await committed(GROUP, TOPIC)).get(0) ?? -1;
  // The batch in flight was not committed.
  expect(before).toBeLessThanOrEqual(victim?.offsets?.[0]?.[1] ?? -1);

  await startOffline({ env: { OFFK_DIR: dir, OFFK_FUNCTIONS: 'slow', OFFK_INVOKE: 'http' } });
  await waitFor(async () => (await committed(GROUP, TOPIC)).get(0) === 20, 'all 20 records committed after the restart', 120_000);
  const counts = deliveryCounts(dir, 'slow');
  for (let offset = 0; offset < 20; offset++) expect(counts.get(`${TOPIC}-0@${offset}`)).toBeGreaterThanOrEqual(1);
  for (const [, offset] of victim?.offsets ?? []) expect(counts.get(`${TOPIC}-0@${offset}`)).toBeGreaterThanOrEqual(2);
  await killAll();
});

test('SIGTERM: the in-flight invocation finishes, its offsets are committed, and the process exits cleanly within a few seconds', async () => {
  const base = (await committed(GROUP, TOPIC)).get(0) ?? 0;
  await produce(TOPIC, slowRecords(base, 20));
  const offline = await startOffline({ env: { OFFK_DIR: dir, OFFK_FUNCTIONS: 'slow', OFFK_INVOKE: 'http' } });
  let draining: Delivery | undefined;
  await waitFor(() => {
    draining = inFlight();
    return draining?.offsets?.some(([, o]) => o >= base) === true;
  }, 'a batch of the new records in flight');
  offline.signal('SIGTERM');

  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  offline.exited.then((e) => {
    exit = e;
  });
  await waitFor(() => exit !== undefined, 'the process to exit after SIGTERM', 15_000);
  expect(exit).toEqual({ code: 0, signal: null });

  // The batch in flight at SIGTERM was allowed to finish, and nothing was left half-done.
  const all = deliveries(dir, 'slow');
  expect(all.some((d) => d.type === 'end' && d.id === draining?.id && d.result === 'ok')).toBe(true);
  expect(inFlight()).toBeUndefined();
  const lastOffset = draining?.offsets?.[draining.offsets.length - 1]?.[1] ?? -1;
  expect((await committed(GROUP, TOPIC)).get(0)).toBe(lastOffset + 1);
  expect(offline.output.some((line) => /Kafka triggers stopped in \d+ ms/.test(line))).toBe(true);
  expect(offline.output.some((line) => /invoking through http:\/\/127\.0\.0\.1:\d+\/2015-03-31\/functions/.test(line))).toBe(true);
});
