/**
 * Benchmark (not a test): how many invocations the local Kafka trigger needs for 10,000 records
 * spread over six partitions (fixture function `spread`: batchSize 100, batching window 0), in two
 * traffic shapes:
 *
 * - bursts: the records arrive while the trigger runs, a send of 60 (10 per partition) every 100 ms;
 * - stream: the same, sends back to back (as fast as the broker acknowledges them);
 * - backlog: the 10,000 records of `stream` read again from the beginning by a new group.
 *
 * Lambda puts records of several partitions in one event (with-msk-process.html), so a burst over
 * six partitions should take fewer invocations than partitions. Counted from the handler's own log
 * (one line per invocation), after the group committed all 10,000 records.
 *
 *   npx tsx bench/multi-partition.ts   # uses KAFKA_BROKERS or starts a broker; merges bench/results.json
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '../lib/local/broker';
import { committed, freshTopics, kafkaClient, killAll, recordDir, removeDir, startOffline, waitFor } from '../test/offline-kafka/support';
import { recordSection } from './results';

const TOPIC = 'offk.spread';
const PARTITIONS = 6;
const RECORDS = 10_000;
const BURST_INTERVAL_MS = 100;
const PER_SEND = 60;

interface Count {
  invocations: number;
  recordsPerInvocation: number;
  partitionsPerInvocation: number;
}

function countInvocations(dir: string): Count {
  const file = join(dir, 'spread.jsonl');
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const invocations = lines.map((line) => (JSON.parse(line) as { partitions: Record<string, number> }).partitions);
  const records = invocations.reduce((sum, p) => sum + Object.values(p).reduce((a, b) => a + b, 0), 0);
  const partitions = invocations.reduce((sum, p) => sum + Object.keys(p).length, 0);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    invocations: invocations.length,
    recordsPerInvocation: round(records / invocations.length),
    partitionsPerInvocation: round(partitions / invocations.length),
  };
}

async function allCommitted(group: string): Promise<void> {
  await waitFor(
    async () => [...(await committed(group, TOPIC)).values()].reduce((sum, offset) => sum + Math.max(0, offset), 0) >= RECORDS,
    `${group} to commit ${RECORDS} records`,
    600_000,
  );
}

async function run(shape: 'bursts' | 'stream' | 'backlog', runId: string): Promise<Count> {
  if (shape !== 'backlog') await freshTopics([{ name: TOPIC, partitions: PARTITIONS }], []);
  const dir = recordDir();
  const offline = await startOffline({ env: { OFFK_FUNCTIONS: 'spread', OFFK_BENCH_RUN: runId, OFFK_DIR: dir } });
  try {
    if (shape !== 'backlog') {
      const producer = kafkaClient().producer();
      await producer.connect();
      for (let from = 0; from < RECORDS; from += PER_SEND) {
        const messages = Array.from({ length: Math.min(PER_SEND, RECORDS - from) }, (_, i) => ({
          partition: (from + i) % PARTITIONS,
          key: `k${from + i}`,
          value: JSON.stringify({ n: from + i }),
        }));
        await producer.send({ topic: TOPIC, acks: -1, messages });
        if (shape === 'bursts') await new Promise((r) => setTimeout(r, BURST_INTERVAL_MS));
      }
      await producer.disconnect();
    }
    await allCommitted(`offk-spread-${runId}`);
    return countInvocations(dir);
  } finally {
    offline.signal('SIGTERM');
    await Promise.race([offline.exited, new Promise((r) => setTimeout(r, 15_000))]);
    await killAll();
    removeDir(dir);
  }
}

async function main(): Promise<void> {
  let broker: RunningBroker | undefined;
  if (!process.env.KAFKA_BROKERS) {
    broker = await startBroker();
    process.env.KAFKA_BROKERS = broker.brokers;
  }
  try {
    const runId = String(Date.now());
    const bursts = await run('bursts', `${runId}-bursts`);
    const stream = await run('stream', `${runId}-stream`);
    const backlog = await run('backlog', `${runId}-backlog`);
    const section = {
      measuredAt: new Date().toISOString(),
      records: RECORDS,
      partitions: PARTITIONS,
      batchSize: 100,
      batchingWindowSeconds: 0,
      bursts: { ...bursts, recordsPerSend: PER_SEND, sendIntervalMs: BURST_INTERVAL_MS },
      stream: { ...stream, recordsPerSend: PER_SEND },
      backlog,
    };
    recordSection('multiPartition', section);
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
