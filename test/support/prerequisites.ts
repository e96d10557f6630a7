/**
 * What the integration tests need on the machine, checked once before any suite starts: a missing
 * piece stops the run at once with one line saying what to install or which variable to set,
 * instead of a suite failing (or a hook hanging) minutes in.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { kafkaCacheDir } from '../../lib/local/broker';

/** Where the dashboard test finds Debian's Chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function javaProblem(): string | undefined {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 4000 });
  if (result.error) return 'Java 17+ is missing (`java` is not on the PATH): apt-get install -y openjdk-17-jre-headless';
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : 0;
  return major >= 17 ? undefined : `Java 17+ is required, found ${match?.[0] ?? 'an unknown version'}: apt-get install -y openjdk-17-jre-headless`;
}

function mavenProblem(): string | undefined {
  // Maven is only needed to fetch the Kafka jars the first time.
  if (existsSync(join(kafkaCacheDir(), 'libs'))) return undefined;
  const result = spawnSync('mvn', ['-v'], { encoding: 'utf8', timeout: 4000 });
  return result.error
    ? 'Maven is missing and the Kafka jars are not cached yet: apt-get install -y maven (or run `npm run kafka -- fetch` where Maven is)'
    : undefined;
}

function chromiumProblem(): string | undefined {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return undefined;
  } catch {
    return `Chromium is missing at ${CHROMIUM_PATH} (the dashboard test drives it): apt-get install -y chromium, or set CHROMIUM_PATH`;
  }
}

function redisProblem(timeoutMs = 2000): Promise<string | undefined> {
  const url = new URL(REDIS_URL);
  const host = url.hostname || '127.0.0.1';
  const port = Number(url.port || 6379);
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`Redis is not answering at ${host}:${port}: start it (redis-server --daemonize yes) or set REDIS_URL`));
    socket.once('error', (error) =>
      done(`Redis is not reachable at ${host}:${port} (${error.message}): start it (redis-server --daemonize yes) or set REDIS_URL`),
    );
    socket.once('connect', () => done(undefined));
  });
}

/** Every missing prerequisite, one line each; empty when the machine can run the integration tests. */
export async function missingPrerequisites(): Promise<string[]> {
  const problems = [javaProblem(), mavenProblem(), chromiumProblem(), await redisProblem()];
  return problems.filter((p): p is string => p !== undefined);
}

/**
 * Stops the process with one line per missing piece. Exits rather than throws: jest would print a
 * stack for a setup error, and no integration test can run anyway.
 */
export async function exitIfPrerequisitesMissing(): Promise<void> {
  const missing = await missingPrerequisites();
  if (missing.length === 0) return;
  process.stderr.write(`\nThe integration tests cannot run on this machine:\n${missing.map((m) => `  - ${m}`).join('\n')}\n\n`);
  process.exit(1);
}
