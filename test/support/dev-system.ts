/**
 * `npm run dev` as a child of a test or benchmark: the package.json command itself, through npm
 * as a developer runs it, on free ports, against the run's broker (KAFKA_BROKERS) and under a
 * Redis prefix of its own, never the dev prefix of a real `npm run dev`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../lib/local/broker';

export const ROOT = resolve(__dirname, '../..');

/** Lines of output kept (the oldest are dropped past it): a long load test must not grow without end. */
const KEPT_LINES = 20_000;
/** How long Ctrl-C may take before the tree is killed. */
const STOP_GRACE_MS = 20_000;

export interface DevSystem {
  base: string;
  /** The npm process, leader of the dev tree's process group (scripts/dev.ts, serverless offline, ...). */
  pid: number;
  /** Everything the tree printed so far (stdout and stderr), line by line. */
  output: string[];
  /** The span store its functions write (LOCAL_TRACE_FILE): one of its own, never the developer's `.local/traces`. */
  traceFile: string;
  stop(): Promise<void>;
}

/**
 * Starts `npm run dev -- --httpPort <free> --lambdaPort <free> ...args` and resolves once it
 * printed its banner. `env` must give a REDIS_PREFIX of its own.
 */
export async function startDev(env: Record<string, string>, args: string[] = []): Promise<DevSystem> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const work = `.local/esbuild-dev-${process.pid}-${httpPort}`;
  if (!env.REDIS_PREFIX || env.REDIS_PREFIX.startsWith('kafka-lambda-system:local:')) throw new Error('startDev needs a REDIS_PREFIX of its own');
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    ESBUILD_WORK_FOLDER: work,
    LOCAL_TRACE_FILE: join(tmpdir(), `dev-spans-${process.pid}-${httpPort}.jsonl`),
    ...env,
  };
  // Tokens of the developer's local key, as `npm run token` signs them.
  delete childEnv.LOCAL_JWT_KEY_FILE;
  // A process group of its own: Ctrl-C (SIGINT to the group) stops it all, as in a terminal.
  const child: ChildProcess = spawn('npm', ['run', 'dev', '--', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort), ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv,
  });
  const output: string[] = [];
  let partial = '';
  const exited = new Promise<number | null>((done) => child.on('exit', done));
  await new Promise<void>((ready, fail) => {
    const onData = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      output.push(...lines);
      if (output.length > KEPT_LINES) output.splice(0, output.length - KEPT_LINES);
      if (lines.some((line) => line.startsWith('The system is up'))) ready();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    exited.then((code) => fail(new Error(`npm run dev exited with ${code}:\n${output.slice(-50).join('\n')}`)));
  });
  return {
    base: `http://127.0.0.1:${httpPort}`,
    pid: child.pid as number,
    output,
    traceFile: childEnv.LOCAL_TRACE_FILE as string,
    async stop() {
      if (child.pid && child.exitCode === null) {
        // Ctrl-C, as a developer stops it: dev.ts stops serverless offline and its triggers.
        process.kill(-child.pid, 'SIGINT');
        const stopped = await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), STOP_GRACE_MS).unref())]);
        if (!stopped) {
          process.kill(-child.pid, 'SIGKILL');
          await exited;
        }
      }
      rmSync(join(ROOT, work), { recursive: true, force: true });
      if (!env.LOCAL_TRACE_FILE) rmSync(childEnv.LOCAL_TRACE_FILE as string, { force: true });
    },
  };
}
