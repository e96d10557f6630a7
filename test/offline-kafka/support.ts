/**
 * Helpers for the offline Kafka trigger tests: `serverless offline start` child processes on free
 * ports (always killed in afterAll), the jest broker (KAFKA_BROKERS), and the fixture handlers'
 * delivery logs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Admin, Kafka, logLevel, type Message } from 'kafkajs';
import { freePort } from '../../lib/local/broker';

export const ROOT = resolve(__dirname, '../..');
export const FIXTURE = join(__dirname, 'fixture');
const SERVERLESS_BIN = join(ROOT, 'node_modules/serverless/bin/serverless.js');

export function brokers(): string {
  const value = process.env.KAFKA_BROKERS;
  if (!value) throw new Error('KAFKA_BROKERS is not set (jest globalSetup starts a broker)');
  return value;
}

export function kafkaClient(): Kafka {
  return new Kafka({ clientId: 'offk-test', brokers: brokers().split(','), logLevel: logLevel.NOTHING });
}

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes and re-creates topics (and deletes groups) so a scenario starts from nothing, whatever ran before. */
export async function freshTopics(topics: { name: string; partitions: number }[], groups: string[]): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.deleteGroups(groups).catch(() => {});
    const existing = new Set(await admin.listTopics());
    const stale = topics.map((t) => t.name).filter((name) => existing.has(name));
    if (stale.length > 0) {
      await admin.deleteTopics({ topics: stale, timeout: 30_000 });
      await waitFor(async () => !(await admin.listTopics()).some((name) => stale.includes(name)), 'topics deleted');
    }
    await admin.createTopics({ topics: topics.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: 1 })) });
    // Not kafkajs' waitForLeaders: under load a leader can still answer "does not host this
    // topic-partition" for a while, which that wait does not retry. A ListOffsets answered for
    // every partition means each leader hosts its partition.
    await waitFor(
      () =>
        Promise.all(topics.map((t) => admin.fetchTopicOffsets(t.name))).then(
          (offsets) => offsets.every((partitions, i) => partitions.length === topics[i]?.partitions),
          () => false,
        ),
      'new topics to be hosted by their leaders',
    );
  });
}

export async function produce(topic: string, messages: Message[]): Promise<void> {
  // Idempotent: a send retried after a partial failure must not write the other partitions twice.
  const producer = kafkaClient().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, messages, acks: -1 });
  } finally {
    await producer.disconnect();
  }
}

/** Committed offset per partition (-1: none). */
export async function committed(group: string, topic: string): Promise<Map<number, number>> {
  return withAdmin(async (admin) => {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  });
}

/** Every record of a topic, from the beginning (for dead-letter topics). */
export async function readTopic(topic: string, expected: number): Promise<{ key: string | null; value: string; headers: Record<string, string> }[]> {
  const consumer = kafkaClient().consumer({ groupId: `offk-reader-${Date.now()}-${Math.random()}` });
  const out: { key: string | null; value: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(Array.isArray(value) ? value[value.length - 1] : value);
      out.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '', headers });
    },
  });
  try {
    await waitFor(async () => out.length >= expected, `${expected} record(s) on ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Delivery {
  type: 'start' | 'end';
  id: string;
  at: number;
  offsets?: [string, number][];
  result?: string;
  event?: unknown;
}

/** A record directory shared by the fixture's handlers. */
export function recordDir(): string {
  return mkdtempSync(join(tmpdir(), 'offk-'));
}

export function deliveries(dir: string, fn: string): Delivery[] {
  const file = join(dir, `${fn}.jsonl`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Delivery);
}

/** How many times each `<key>@<offset>` was delivered to `fn`. */
export function deliveryCounts(dir: string, fn: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of deliveries(dir, fn)) {
    if (d.type !== 'start') continue;
    for (const [key, offset] of d.offsets ?? []) counts.set(`${key}@${offset}`, (counts.get(`${key}@${offset}`) ?? 0) + 1);
  }
  return counts;
}

export interface OfflineProcess {
  child: ChildProcess;
  output: string[];
  httpPort: number;
  lambdaPort: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal to the serverless process only (like a supervisor would). */
  signal(signal: NodeJS.Signals): void;
  /** Kills the whole process group at once and waits for it. */
  kill(): Promise<void>;
}

const running = new Set<OfflineProcess>();

/**
 * Starts `serverless offline start` in `cwd` (the fixture by default) on free ports and resolves once
 * the Kafka triggers run.
 */
export async function startOffline(
  options: { cwd?: string; config?: string; env?: Record<string, string>; ready?: RegExp; nodeArgs?: string[] } = {},
): Promise<OfflineProcess> {
  const httpPort = await freePort();
  const lambdaPort = await freePort();
  const args = [...(options.nodeArgs ?? []), SERVERLESS_BIN, 'offline', 'start', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)];
  if (options.config) args.push('--config', options.config);
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? FIXTURE,
    // Own process group: afterAll can kill serverless and anything it started in one go.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      ...options.env,
    },
  });
  const output: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) output.push(line);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  exited.then(() => {
    done = true;
  });
  const proc: OfflineProcess = {
    child,
    output,
    httpPort,
    lambdaPort,
    exited,
    signal(signal) {
      if (!done) child.kill(signal);
    },
    async kill() {
      running.delete(proc);
      if (!done && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }
      await exited;
    },
  };
  running.add(proc);
  const ready = options.ready ?? /Kafka trigger\(s\) running/;
  try {
    await waitFor(
      () => {
        if (done) throw new Error(`serverless offline exited early:\n${output.join('\n')}`);
        return output.some((line) => ready.test(line));
      },
      'serverless offline to start',
      120_000,
    );
  } catch (error) {
    await proc.kill();
    throw new Error(`${(error as Error).message}\n--- output ---\n${output.slice(-40).join('\n')}`);
  }
  return proc;
}

/** Kills every serverless process still running (afterAll). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill()));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
