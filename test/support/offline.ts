/**
 * The project's own `serverless offline start --stage local` (what `npm run dev` runs) as a child
 * of a test: free ports, a build folder of its own, this run's Redis prefix, stopped with its whole
 * process group.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '../../lib/local/broker';

const ROOT = resolve(__dirname, '../..');

export interface ProjectOffline {
  /** `http://127.0.0.1:<port>` of the HTTP API. */
  base: string;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts it and resolves once its output contains `readyLine`; `redisPrefix` defaults to the run's. */
export async function startProjectOffline(name: string, readyLine: string, options: { redisPrefix?: string } = {}): Promise<ProjectOffline> {
  const work = `.local/esbuild-${name}-${process.pid}`;
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  let output = '';
  const child: ChildProcess = spawn(
    join(ROOT, 'node_modules/.bin/serverless'),
    ['offline', 'start', '--stage', 'local', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // The functions write under this run's prefix, never into the data of `npm run dev`.
        REDIS_PREFIX: options.redisPrefix ?? process.env.REDIS_PREFIX,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_REGION: 'us-east-1',
        ESBUILD_WORK_FOLDER: work,
      },
    },
  );
  const stop = async () => {
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.on('exit', done));
      process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
    rmSync(join(ROOT, work), { recursive: true, force: true });
  };
  try {
    await new Promise<void>((ready, fail) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(readyLine)) ready();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code) => fail(new Error(`serverless offline exited with ${code}:\n${output}`)));
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { base: `http://127.0.0.1:${httpPort}`, output: () => output, stop };
}
