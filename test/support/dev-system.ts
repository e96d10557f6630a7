/**
 * `npm run dev` as a child of a test: scripts/dev.ts itself, on free ports, against the run's
 * broker (KAFKA_BROKERS) and under its own Redis prefix, never the dev prefix of a real `npm run dev`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '../../lib/local/broker';

export const ROOT = resolve(__dirname, '../..');

export interface DevSystem {
  base: string;
  /** Everything the child printed so far (stdout and stderr), line by line. */
  output: string[];
  stop(): Promise<void>;
}

/** Starts scripts/dev.ts and resolves once it printed its banner. */
export async function startDev(env: Record<string, string>): Promise<DevSystem> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const work = `.local/esbuild-dev-test-${process.pid}-${httpPort}`;
  if (!env.REDIS_PREFIX || env.REDIS_PREFIX.startsWith('kafka-lambda-system:local:')) throw new Error('startDev needs a REDIS_PREFIX of its own');
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    ESBUILD_WORK_FOLDER: work,
    ...env,
  };
  // Tokens of the developer's local key, as `npm run token` signs them.
  delete childEnv.LOCAL_JWT_KEY_FILE;
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/dev.ts', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)],
    { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv },
  );
  const output: string[] = [];
  let partial = '';
  const exited = new Promise<number | null>((done) => child.on('exit', done));
  await new Promise<void>((ready, fail) => {
    const onData = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      output.push(...lines);
      if (lines.some((line) => line.startsWith('The system is up'))) ready();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    exited.then((code) => fail(new Error(`npm run dev exited with ${code}:\n${output.join('\n')}`)));
  });
  return {
    base: `http://127.0.0.1:${httpPort}`,
    output,
    async stop() {
      if (child.pid && child.exitCode === null) {
        // Ctrl-C, as a developer stops it: dev.ts stops serverless offline and its triggers.
        process.kill(-child.pid, 'SIGINT');
        await exited;
      }
      rmSync(join(ROOT, work), { recursive: true, force: true });
    },
  };
}
