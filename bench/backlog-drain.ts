/**
 * Benchmark (not a test): how fast the local system drains a backlog. 20,000 page views are
 * produced straight to `user.events` by an independent Kafka client (kcat when installed, else
 * kafkajs; no `ce_id` header: the
 * consumers derive each record's id, lib/consumer/record-id.ts) while `serverless offline` runs
 * every Kafka trigger; the figure is records per second from the first produce to the moment the
 * page-views group's total in Redis has counted all of them. Both groups of the topic must be done:
 * the search-terms group filters every page view out and commits past them (its lag reaches 0).
 *
 * Exactly once is checked, not assumed: the total rises by exactly 20,000 and stays there after
 * both groups have committed everything.
 *
 * Baseline, same run: the same drain with the mappings' batch size at Lambda's default 100
 * (`--param=analyticsBatchSize=100` on the offline command line). Target: >= 20,000 records/s with
 * the stage's `analyticsBatchSize` (10,000).
 *
 *   npx tsx bench/backlog-drain.ts    # starts the local system; merges section "backlogDrain"
 */
import { execFile, execFileSync } from 'node:child_process';
import type { Admin, Producer } from 'kafkajs';
import { CONSUMER_GROUP, userEvents } from '../events/catalog';
import type { LocalSystem } from '../test/faults/system';
import { type BenchRow, recordResults } from './results';
import { machineLoad, restartOffline, runAlone, sleep, system } from './support';

const RECORDS = Number(process.env.BENCH_DRAIN_RECORDS ?? 20_000);
const SESSIONS = 600;
const PER_SEND = 1000;
const TARGET = 20_000;
const TIMEOUT_MS = 120_000;
const TOTALS_KEY = 'kafka-lambda-system:local:analytics:totals';
const KCAT = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v kcat'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();
const GROUPS = [CONSUMER_GROUP.pageViews, CONSUMER_GROUP.searchTerms];

interface Drain {
  batchSize: number;
  producedWith: string;
  records: number;
  produceMs: number;
  /** First produce → the last page view counted. */
  drainMs: number;
  recordsPerSecond: number;
  counted: number;
  /** Counted after both groups committed everything and 2 s more: must equal `records`. */
  countedAfterSettle: number;
}

async function pageViewsTotal(local: LocalSystem): Promise<number> {
  return Number((await local.redis.hget(TOTALS_KEY, 'page_views')) ?? 0);
}

/** Records of `user.events` not yet committed by `group`. */
async function lag(admin: Admin, group: string): Promise<number> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(userEvents.name), admin.fetchOffsets({ groupId: group, topics: [userEvents.name] })]);
  const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return ends.reduce((sum, end) => sum + Number(end.high) - Math.max(0, done.get(end.partition) ?? 0), 0);
}

async function settled(admin: Admin): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const lags = await Promise.all(GROUPS.map((group) => lag(admin, group)));
    if (lags.every((l) => l === 0)) return;
    if (Date.now() > deadline) throw new Error(`groups not caught up within ${TIMEOUT_MS} ms: lag ${lags.join(', ')}`);
    await sleep(100);
  }
}

function pageView(run: number, i: number): { key: string; value: string } {
  const session = `drain-${run}-s${i % SESSIONS}`;
  return {
    key: session,
    value: JSON.stringify({
      type: 'page_view',
      user_id: `drain-user-${i % 97}`,
      session_id: session,
      payload: { path: `/drain/${i % 50}` },
      timestamp: new Date().toISOString(),
    }),
  };
}

/**
 * Writes the backlog with kcat (librdkafka, acks=all, murmur2 partitioner like the Java client)
 * when it is installed: the producer shares the machine's 2 cores with the system under test, and
 * kcat needs a tenth of the CPU of a kafkajs producer. Otherwise with kafkajs, all requests in flight.
 */
async function produce(local: LocalSystem, producer: Producer, messages: { key: string; value: string }[]): Promise<string> {
  if (KCAT) {
    const args = ['-P', '-b', local.kafkaBrokers, '-t', userEvents.name, '-K', '\t', '-X', 'acks=all', '-X', 'partitioner=murmur2_random', '-X', 'linger.ms=5'];
    await new Promise<void>((resolve, reject) => {
      const child = execFile(KCAT, args, (error) => (error ? reject(error) : resolve()));
      child.stdin?.end(messages.map((m) => `${m.key}\t${m.value}\n`).join(''));
    });
    return 'kcat (librdkafka), acks=all';
  }
  const requests: Promise<unknown>[] = [];
  for (let from = 0; from < messages.length; from += PER_SEND) {
    requests.push(producer.send({ topic: userEvents.name, acks: -1, messages: messages.slice(from, from + PER_SEND) }));
  }
  await Promise.all(requests);
  return `kafkajs, acks=all, ${PER_SEND} per request, all in flight`;
}

async function drain(local: LocalSystem, producer: Producer, admin: Admin, batchSize: number, run: number): Promise<Drain> {
  await settled(admin);
  const before = await pageViewsTotal(local);
  const messages = Array.from({ length: RECORDS }, (_, i) => pageView(run, i));
  const started = performance.now();
  const producedWith = await produce(local, producer, messages);
  const produceMs = performance.now() - started;
  let counted = 0;
  let doneAt = 0;
  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline) {
    counted = (await pageViewsTotal(local)) - before;
    if (counted >= RECORDS) {
      doneAt = performance.now();
      break;
    }
    await sleep(5);
  }
  if (doneAt === 0) throw new Error(`only ${counted} of ${RECORDS} page views counted within ${TIMEOUT_MS} ms (batch size ${batchSize})`);
  await settled(admin);
  await sleep(2000);
  const countedAfterSettle = (await pageViewsTotal(local)) - before;
  const drainMs = doneAt - started;
  const result = { batchSize, records: RECORDS, producedWith, produceMs, drainMs, recordsPerSecond: RECORDS / (drainMs / 1000), counted, countedAfterSettle };
  console.log(
    `batch size ${batchSize}: ${RECORDS} page views produced in ${Math.round(produceMs)} ms, all counted ${Math.round(drainMs)} ms after the first produce: ` +
      `${Math.round(result.recordsPerSecond)} records/s; counted ${countedAfterSettle} once both groups had committed everything`,
  );
  return result;
}

export async function run(): Promise<void> {
  const local = await system();
  const loadBefore = machineLoad();
  const kafka = local.kafka();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  try {
    // Warm-up: both functions loaded, both groups joined and caught up.
    await drain(local, producer, admin, 10_000, 0).catch((error) => console.log(`warm-up: ${error}`));
    const large = await drain(local, producer, admin, 10_000, 1);
    console.log('restarting serverless offline with --param=analyticsBatchSize=100 (baseline: Lambda default batch size) ...');
    await restartOffline(local, ['--param=analyticsBatchSize=100']);
    const small = await drain(local, producer, admin, 100, 2);
    console.log('restarting serverless offline with the stage parameters ...');
    await restartOffline(local, []);

    const exact = [large, small].every((d) => d.countedAfterSettle === d.records);
    const rows: BenchRow[] = [
      {
        name: `backlog drain, ${RECORDS} page views, batch size 10000`,
        value: large.recordsPerSecond,
        unit: 'records/s',
        baseline: { name: 'batch size 100 (Lambda default)', value: small.recordsPerSecond },
        target: `>= ${TARGET} records/s, each counted once`,
        met: large.recordsPerSecond >= TARGET && exact,
      },
      { name: `producing them (${large.producedWith})`, value: RECORDS / (large.produceMs / 1000), unit: 'records/s' },
      { name: 'page views counted, batch size 10000', value: large.countedAfterSettle, unit: 'records', baseline: { name: 'produced', value: RECORDS } },
      { name: 'page views counted, batch size 100', value: small.countedAfterSettle, unit: 'records', baseline: { name: 'produced', value: RECORDS } },
    ];
    recordResults('backlogDrain', rows, {
      runs: [large, small],
      notes: [
        'Produced by an independent client straight to user.events (6 partitions, 600 session keys), no ce_id header.',
        'Both groups of user.events run: page-views counts them, search-terms filters all of them out and commits past them.',
        'End = the page-views total in the private Redis has risen by all of them (polled every 5 ms).',
      ],
      loadBefore,
      loadAfter: machineLoad(),
    });
    if (!exact) throw new Error(`not counted exactly once: ${large.countedAfterSettle} and ${small.countedAfterSettle} of ${RECORDS}`);
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }
}

if (require.main === module) runAlone(run);
