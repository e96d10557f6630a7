/**
 * Shared pieces of the benchmarks: statistics, the machine's load, autocannon as a promise, and
 * the whole local system (test/faults/system.ts LocalSystem: broker, private Redis, `serverless
 * offline`) shared by the benchmarks that need it when bench/index.ts runs them in sequence.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import autocannon from 'autocannon';
import { spawnTied } from '../lib/local/process';
import { LocalSystem, waitFor } from '../test/faults/system';

export const ROOT = resolve(__dirname, '..');
const SERVERLESS = join(ROOT, 'node_modules/serverless/bin/serverless.js');

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** `uptime` as the machine reports it (2 shared cores: the load matters for every figure). */
export function machineLoad(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type CannonOptions = autocannon.Options;
export type CannonResult = autocannon.Result;

export function cannon(options: CannonOptions): Promise<CannonResult> {
  return new Promise((done, fail) => {
    autocannon(options, (error, result) => (error ? fail(error) : done(result)));
  });
}

/** Acknowledged (2xx) responses per second of an autocannon run. */
export function acceptedPerSecond(result: CannonResult): number {
  return result['2xx'] / result.duration;
}

let shared: LocalSystem | undefined;
let extraOffline: { dir: string } | undefined;

/** The local system for this process: started once, stopped by {@link stopSystem}. */
export async function system(): Promise<LocalSystem> {
  if (!shared) {
    console.log('starting the local system (Kafka broker, private Redis, serverless offline)...');
    const started = Date.now();
    shared = await LocalSystem.start();
    console.log(`local system up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${shared.url}, Kafka ${shared.kafkaBrokers}`);
  }
  return shared;
}

export async function stopSystem(): Promise<void> {
  await shared?.stop();
  shared = undefined;
  if (extraOffline) rmSync(extraOffline.dir, { recursive: true, force: true });
  extraOffline = undefined;
}

/**
 * Restarts `serverless offline` of the shared system with extra CLI arguments (e.g.
 * `--param=batchingWindowSeconds=0.5`; osls gives CLI params precedence over the stage's). The
 * same command and environment as LocalSystem.startOffline, which takes no arguments; the new
 * process is tied to ours and becomes `system.offline`, so LocalSystem.stop() ends it.
 */
export async function restartOffline(target: LocalSystem, extraArgs: string[]): Promise<void> {
  await target.offline?.stop(15_000);
  target.offline = undefined;
  extraOffline ??= { dir: mkdtempSync(join(tmpdir(), 'bench-offline-')) };
  // BENCH_PROF_DIR=<dir>: CPU profiles of the offline process and its worker threads, for `--cpu-prof` analysis.
  const profile = process.env.BENCH_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF_DIR}`] : [];
  target.offline = spawnTied(
    'node',
    [
      ...profile,
      SERVERLESS,
      'offline',
      'start',
      '--stage',
      'local',
      '--httpPort',
      String(target.httpPort),
      '--lambdaPort',
      String(target.lambdaPort),
      ...extraArgs,
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: target.kafkaBrokers,
        REDIS_URL: target.redisUrl,
        LOG_LEVEL: process.env.BENCH_OFFLINE_LOG_LEVEL ?? 'WARN',
        // serverless-esbuild joins this to the service folder: relative, so the build lands in the temporary folder.
        ESBUILD_WORK_FOLDER: relative(ROOT, join(extraOffline.dir, 'esbuild')),
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_REGION: 'us-east-1',
      },
      keepLines: 400,
    },
  );
  await waitFor(
    async () => (await fetch(`${target.url}/health`).catch(() => undefined))?.status === 200,
    'serverless offline up',
    90_000,
    () => target.offline?.output().slice(-20).join('\n') ?? '',
  );
}

/** Runs a benchmark module on its own (`npx tsx bench/<name>.ts`): exit code 0 on success. */
export function runAlone(main: () => Promise<void>): void {
  main()
    .then(
      () => 0,
      (error) => {
        console.error(error);
        return 1;
      },
    )
    .then(async (code) => {
      await stopSystem().catch(() => {});
      process.exit(code);
    });
}

/**
 * Keeps the functions' EMF metric lines (one per invocation, lib/telemetry/metrics.ts) out of the
 * benchmark's output: they are still serialized and written, to a stdout that drops them. Returns a
 * function that restores stdout and says how many were dropped.
 */
export function dropEmfLines(): () => number {
  const write = process.stdout.write.bind(process.stdout);
  let dropped = 0;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (chunk.toString().startsWith('{"_aws"')) {
      dropped++;
      return true;
    }
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  return () => {
    process.stdout.write = write;
    return dropped;
  };
}
