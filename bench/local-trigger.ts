/**
 * Benchmark (not a test): records/s delivered from Kafka through the local Kafka trigger
 * (`serverless offline start` + lib/local/offline-kafka) to a no-op handler AND committed, next to
 * plain kafkajs consumer groups (eachBatch, no-op) reading the same topic in the same run.
 * batchSize 1000. Target (issue 14): ours >= 80% of a plain kafkajs eachBatch consumer "at batch
 * 1,000", median of rounds. kafkajs has no batch size (a batch is whatever one fetch returned for a
 * partition, here up to ~7 MB, ~35,000 records), so that baseline takes each fetch 1,000 records at
 * a time and commits after each (`autoCommitThreshold`), as ours commits after each invocation.
 * The plain consumer with kafkajs' default, one commit per whole fetch, is measured too and printed
 * next to it (it was the only baseline before; ours is further from it).
 *
 * Both rates are measured the same way, from the outside: the group's committed offsets are polled
 * every 100 ms (after a warm-up pass, in rounds of plain then ours; medians compared); the rate is the records committed between the first and the last poll that saw
 * progress, over that time (so group joins and process start-up are not counted for either).
 *
 *   npx tsx bench/local-trigger.ts   # uses KAFKA_BROKERS or starts a broker; merges bench/results.json
 */
import { cpus } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../lib/local/broker';
import { killAll, startOffline } from '../test/offline-kafka/support';
import { recordSection } from './results';

const TOPIC = 'offk.bench';
const PARTITIONS = 3;
const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const TARGET = 0.8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function client(): Kafka {
  return new Kafka({ clientId: 'bench-local-trigger', brokers: (process.env.KAFKA_BROKERS as string).split(','), logLevel: logLevel.NOTHING });
}

async function prepareTopic(): Promise<void> {
  const admin = client().admin();
  await admin.connect();
  if ((await admin.listTopics()).includes(TOPIC)) {
    await admin.deleteTopics({ topics: [TOPIC], timeout: 30_000 });
    while ((await admin.listTopics()).includes(TOPIC)) await new Promise((r) => setTimeout(r, 200));
  }
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }] });
  await admin.disconnect();

  const producer = client().producer();
  await producer.connect();
  const chunk = 5000;
  for (let from = 0; from < RECORDS; from += chunk) {
    const messages = Array.from({ length: Math.min(chunk, RECORDS - from) }, (_, i) => {
      const n = from + i;
      return {
        key: `customer-${n % 997}`,
        value: JSON.stringify({
          order_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
          customer_id: `customer-${n % 997}`,
          total: n % 1000,
          created_at: new Date().toISOString(),
        }),
        headers: { ce_id: `event-${n}`, ce_type: 'com.example.bench' },
      };
    });
    await producer.send({ topic: TOPIC, messages, acks: -1 });
  }
  await producer.disconnect();
}

/** Polls the group's committed total until it reaches RECORDS; returns records/s between first and last progress. */
async function measure(group: string, timeoutMs = 600_000): Promise<{ rate: number; seconds: number; records: number }> {
  const admin = client().admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  let first: { at: number; total: number } | undefined;
  let last: { at: number; total: number } | undefined;
  try {
    for (;;) {
      // A group that was just created may not have its coordinator yet: ask again on the next poll.
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [TOPIC] }).catch((error: { retriable?: boolean }) => {
        if (error.retriable) return [];
        throw error;
      });
      const total = (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      const at = performance.now();
      if (total > 0 && !first) first = { at, total };
      if (total > (last?.total ?? 0)) last = { at, total };
      if (total >= RECORDS) break;
      if (Date.now() > deadline) throw new Error(`group ${group} committed only ${total}/${RECORDS} records in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.disconnect();
  }
  const f = first as { at: number; total: number };
  const l = last as { at: number; total: number };
  const seconds = (l.at - f.at) / 1000;
  return { rate: (l.total - f.total) / seconds, seconds, records: l.total - f.total };
}

/** Records per batch: the local trigger's batchSize (test/offline-kafka/fixture/serverless.yml). */
const BATCH_SIZE = 1000;

/**
 * A plain kafkajs consumer group. `batched`: each fetched batch is taken BATCH_SIZE records at a time
 * and committed after each; otherwise kafkajs' defaults (the whole fetch resolved, one commit after it).
 */
async function plainConsumer(run: string, batched: boolean): Promise<{ rate: number; seconds: number; records: number }> {
  const group = `bench-plain-${batched ? 'batched' : 'fetch'}-${run}`;
  const consumer = client().consumer({ groupId: group, maxBytesPerPartition: 7 * 1024 * 1024, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  const measured = measure(group);
  if (batched) {
    await consumer.run({
      partitionsConsumedConcurrently: PARTITIONS,
      eachBatchAutoResolve: false,
      // commitOffsetsIfNecessary commits once this many offsets are resolved.
      autoCommitThreshold: BATCH_SIZE,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
        for (let from = 0; from < batch.messages.length; from += BATCH_SIZE) {
          const last = batch.messages[Math.min(from + BATCH_SIZE, batch.messages.length) - 1];
          if (last) resolveOffset(last.offset);
          await commitOffsetsIfNecessary();
          await heartbeat();
        }
      },
    });
  } else {
    await consumer.run({
      partitionsConsumedConcurrently: PARTITIONS,
      // kafkajs defaults: every record of the batch is resolved, offsets committed after each batch.
      eachBatch: async () => {},
    });
  }
  try {
    return await measured;
  } finally {
    await consumer.disconnect();
  }
}

async function localTrigger(run: string): Promise<{ rate: number; seconds: number; records: number }> {
  const offline = await startOffline({
    env: { OFFK_FUNCTIONS: 'bench', OFFK_BENCH_RUN: run, OFFK_DIR: '/tmp', OFFK_INVOKE: process.env.OFFK_INVOKE ?? 'lambda' },
  });
  try {
    return await measure(`offk-bench-${run}`);
  } finally {
    if (process.env.BENCH_DEBUG)
      console.log(
        offline.output
          .filter((l) => l.includes('λ bench'))
          .slice(0, 40)
          .join('\n'),
      );
    offline.signal('SIGTERM');
    await Promise.race([offline.exited, new Promise((r) => setTimeout(r, 15_000))]);
    await killAll();
  }
}

async function main(): Promise<void> {
  let broker: RunningBroker | undefined;
  if (!process.env.KAFKA_BROKERS) {
    broker = await startBroker();
    process.env.KAFKA_BROKERS = broker.brokers;
  }
  try {
    console.log(`producing ${RECORDS} records to ${TOPIC} (${PARTITIONS} partitions)...`);
    await prepareTopic();
    const run = String(Date.now());
    // A warm-up pass (JIT, page cache), then rounds of plain and ours back to back; medians are compared.
    await plainConsumer(`${run}-warmup`, false);
    const plainRates: number[] = [];
    const fetchRates: number[] = [];
    const ourRates: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      plainRates.push((await plainConsumer(`${run}-${round}`, true)).rate);
      fetchRates.push((await plainConsumer(`${run}-${round}`, false)).rate);
      ourRates.push((await localTrigger(`${run}-${round}`)).rate);
      console.log(
        `round ${round}: plain kafkajs eachBatch at batch ${BATCH_SIZE} ${Math.round(plainRates[round - 1] ?? 0)} records/s ` +
          `(whole fetches: ${Math.round(fetchRates[round - 1] ?? 0)}), local trigger ${Math.round(ourRates[round - 1] ?? 0)} records/s`,
      );
    }
    const ours = { rate: median(ourRates) };
    const plain = { rate: median(plainRates) };
    const ratio = ours.rate / plain.rate;
    const fetchRate = median(fetchRates);
    const section = {
      measuredAt: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'cpu', node: process.version },
      records: RECORDS,
      partitions: PARTITIONS,
      batchSize: BATCH_SIZE,
      oursRecordsPerSecond: Math.round(ours.rate),
      plainRecordsPerSecond: Math.round(plain.rate),
      rounds: ROUNDS,
      oursRoundsRecordsPerSecond: ourRates.map(Math.round),
      plainRoundsRecordsPerSecond: plainRates.map(Math.round),
      ratio: Math.round(ratio * 100) / 100,
      plainWholeFetches: {
        recordsPerSecond: Math.round(fetchRate),
        roundsRecordsPerSecond: fetchRates.map(Math.round),
        ratio: Math.round((ours.rate / fetchRate) * 100) / 100,
      },
      target: `>= ${TARGET} x plain kafkajs eachBatch at batch ${BATCH_SIZE}, committed after each`,
      meetsTarget: ratio >= TARGET,
    };
    recordSection('localTrigger', section);
  } finally {
    await broker?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    killAll().finally(() => process.exit(1));
  },
);
