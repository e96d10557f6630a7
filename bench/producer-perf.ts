/**
 * Benchmark (not a test): Kafka's own producer performance tool
 * (org.apache.kafka.tools.ProducerPerformance, from the same jars as the broker) on the same
 * broker as the other benchmarks, with records the size of our user events: the physical limit
 * for messages/s. Two runs of the Java producer, both idempotent with acks=all:
 *   - its defaults (batching, 5 requests in flight): what the broker can take;
 *   - one record per request, one request in flight (batch.size=0, linger.ms=0,
 *     max.in.flight.requests.per.connection=1): the Java floor of a "send one event, wait for the
 *     ack" API like ours.
 * Baseline: our handler in-process and the bare kafkajs send loop, from bench/results.json's
 * "ingest" section when it was measured in the last hour (bench/index.ts runs ingest first).
 *
 *   npx tsx bench/producer-perf.ts    # starts a broker (or the local system); merges section "producerPerformance"
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { ensureKafkaJars } from '../lib/local/broker';
import { eventRecordBytes } from './ingest';
import { type BenchRow, RESULTS_FILE, recordResults } from './results';
import { machineLoad, runAlone, system } from './support';

const TOPIC = 'bench.producer-perf';
const PARTITIONS = 6;
const RECORDS = Number(process.env.BENCH_PERF_RECORDS ?? 300_000);
const SERIAL_RECORDS = Number(process.env.BENCH_PERF_SERIAL_RECORDS ?? 20_000);

interface PerfResult {
  recordsPerSecond: number;
  mbPerSecond: number;
  avgLatencyMs: number;
  p50Ms: number;
  p99Ms: number;
  line: string;
}

function producerPerformance(brokers: string, records: number, recordSize: number, props: string[]): Promise<PerfResult> {
  const libs = ensureKafkaJars();
  const args = [
    '-Xms128m',
    '-Xmx256m',
    '-cp',
    `${libs}/*`,
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    TOPIC,
    '--num-records',
    String(records),
    '--record-size',
    String(recordSize),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${brokers}`,
    'acks=all',
    'enable.idempotence=true',
    ...props,
  ];
  return new Promise((resolve, reject) => {
    execFile('java', args, { timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      // The last line is the summary: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, ..."
      const line = stdout.trim().split('\n').at(-1) ?? '';
      const match = /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency.*?(\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/.exec(line);
      if (error || !match) {
        reject(new Error(`ProducerPerformance failed: ${error?.message ?? line}\n${stderr.slice(-2000)}`));
        return;
      }
      resolve({
        recordsPerSecond: Number(match[1]),
        mbPerSecond: Number(match[2]),
        avgLatencyMs: Number(match[3]),
        p50Ms: Number(match[4]),
        p99Ms: Number(match[5]),
        line,
      });
    });
  });
}

async function freshTopic(brokers: string): Promise<void> {
  const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING, clientId: 'bench-perf' }).admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(TOPIC)) {
      await admin.deleteTopics({ topics: [TOPIC], timeout: 30_000 });
      while ((await admin.listTopics()).includes(TOPIC)) await new Promise((r) => setTimeout(r, 200));
    }
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
}

/** The in-process figures of the ingest benchmark, if measured in the last hour. */
function recentIngest(): { ours?: number; bareSend?: number } {
  if (!existsSync(RESULTS_FILE)) return {};
  const section = (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, { measuredAt?: string; rows?: BenchRow[] }>).ingest;
  if (!section?.measuredAt || Date.now() - Date.parse(section.measuredAt) > 3_600_000) return {};
  const row = section.rows?.find((r) => r.name.startsWith('handler in-process req/s') && r.baseline?.name === 'bare producer.send loop');
  return { ours: row?.value, bareSend: row?.baseline?.value };
}

export async function run(): Promise<void> {
  const brokers = (await system()).kafkaBrokers;
  const loadBefore = machineLoad();
  const recordSize = eventRecordBytes();
  await freshTopic(brokers);
  console.log(`ProducerPerformance: ${RECORDS} records of ${recordSize} bytes, Java producer defaults (idempotent, acks=all)...`);
  const batched = await producerPerformance(brokers, RECORDS, recordSize, []);
  console.log(batched.line);
  console.log(`ProducerPerformance: ${SERIAL_RECORDS} records, one record per request, one request in flight...`);
  const serial = await producerPerformance(brokers, SERIAL_RECORDS, recordSize, ['batch.size=0', 'linger.ms=0', 'max.in.flight.requests.per.connection=1']);
  console.log(serial.line);
  const ingest = recentIngest();
  const rows: BenchRow[] = [
    {
      name: 'ProducerPerformance, Java defaults (batching)',
      value: batched.recordsPerSecond,
      unit: 'msg/s',
      ...(ingest.ours ? { baseline: { name: 'our handler in-process (ingest)', value: ingest.ours } } : {}),
    },
    { name: 'ProducerPerformance, Java defaults p99 latency', value: batched.p99Ms, unit: 'ms' },
    {
      name: 'ProducerPerformance, 1 record/request, 1 in flight',
      value: serial.recordsPerSecond,
      unit: 'msg/s',
      ...(ingest.bareSend ? { baseline: { name: 'bare kafkajs send loop (ingest)', value: ingest.bareSend } } : {}),
    },
    { name: 'ProducerPerformance, 1 record/request p50 latency', value: serial.p50Ms, unit: 'ms' },
  ];
  recordResults('producerPerformance', rows, {
    recordSizeBytes: recordSize,
    partitions: PARTITIONS,
    summaries: { batched: batched.line, oneRecordPerRequest: serial.line },
    notes: ['Baselines (if any) come from the ingest section of this run; the ratio column is the Java tool / ours (how far below the limit we are).'],
    loadBefore,
    loadAfter: machineLoad(),
  });
}

if (require.main === module) runAlone(run);
