/**
 * `npm run bench`: every benchmark of issue 7 in sequence, in one process, on one local system
 * (broker, private Redis, `serverless offline`) shared by those that need it. Each writes its
 * section of bench/results.json and prints its table; each also runs alone (`npx tsx bench/<name>.ts`).
 * `npm run bench` then runs bench/consumer-runtime.ts and bench/local-trigger.ts (separate processes).
 *
 * Order: cold start first (no servers running, so module init times are not disturbed by them),
 * then ingest, Kafka's ProducerPerformance (its baseline is the ingest figure), the backlog drain, end to end
 * (restarts serverless offline with the AWS default batching window, so it goes last).
 */
import { run as backlogDrain } from './backlog-drain';
import { run as coldStart } from './cold-start';
import { run as endToEnd } from './end-to-end';
import { run as ingest } from './ingest';
import { run as producerPerformance } from './producer-perf';
import { machineLoad, runAlone, stopSystem } from './support';

const BENCHES: [string, () => Promise<void>][] = [
  ['cold start', coldStart],
  ['ingest', ingest],
  ['producer performance', producerPerformance],
  ['backlog drain', backlogDrain],
  ['end to end', endToEnd],
];

runAlone(async () => {
  const started = Date.now();
  console.log(`machine load at start: ${machineLoad()}`);
  const failed: string[] = [];
  for (const [name, bench] of BENCHES) {
    console.log(`\n=== ${name} ===`);
    try {
      await bench();
    } catch (error) {
      failed.push(name);
      console.error(`${name} failed:`, error);
    }
  }
  await stopSystem();
  console.log(`\nall benchmarks in ${((Date.now() - started) / 1000).toFixed(0)} s; machine load at end: ${machineLoad()}`);
  if (failed.length > 0) throw new Error(`failed: ${failed.join(', ')}`);
});
