/**
 * Child processes tied to this Node process: when Node dies for any reason, even SIGKILL, the
 * child is stopped too, so a crashed test run or a killed `npm run dev` never leaves a JVM or
 * server behind.
 *
 * The program runs under a tiny shell guard that reads our stdin: when the pipe closes (we exit,
 * or {@link TiedProcess.stop} closes it) the guard sends the program SIGTERM.
 *
 * @example
 * const redis = spawnTied('redis-server', ['--port', '6390']);
 * await redis.stop();
 */
import { spawn } from 'node:child_process';

export interface TiedProcess {
  /** Pid of the program itself (not of its guard). */
  readonly pid: Promise<number>;
  /** Resolves with the exit code once the program has exited. */
  readonly exited: Promise<number | null>;
  /** The last lines the program wrote (stdout and stderr). */
  output(): string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the program is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once; resolves once the program is gone. */
  kill(): Promise<void>;
}

export interface TiedOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  onLine?: (line: string) => void;
  /** How many output lines to keep (default 200). */
  keepLines?: number;
}

// fd 5 keeps our stdin for the watcher, fd 3 reports the program's pid.
const GUARD =
  'exec 5<&0; "$@" </dev/null 3>&- & pid=$!; echo $pid >&3; exec 3>&-; trap "kill $pid 2>/dev/null" TERM INT; (cat <&5 >/dev/null; kill $pid 2>/dev/null) & wait $pid; code=$?; wait $pid 2>/dev/null; exit $code';

export function spawnTied(command: string, args: string[], options: TiedOptions = {}): TiedProcess {
  const child = spawn('bash', ['-c', GUARD, 'tied', command, ...args], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], env: options.env, cwd: options.cwd });
  const lines: string[] = [];
  const keep = options.keepLines ?? 200;
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > keep) lines.shift();
      options.onLine?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const pid = new Promise<number>((resolve, reject) => {
    const channel = child.stdio[3] as NodeJS.ReadableStream;
    let text = '';
    channel.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /^(\d+)\n/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    channel.on('end', () => reject(new Error(`${command} did not start`)));
  });
  pid.catch(() => {});
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Never keep the event loop alive just because a child runs.
  child.unref();
  for (const stream of child.stdio) (stream as unknown as { unref?: () => void } | null)?.unref?.();

  const gone = async (graceMs: number, hard: boolean) => {
    const programPid = await Promise.race([pid, exited.then(() => undefined)]);
    if (hard && programPid) signal(programPid, 'SIGKILL');
    child.stdin?.end();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (programPid) signal(programPid, 'SIGKILL');
      child.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
    if (programPid) await waitForExit(programPid, graceMs);
  };
  return { pid, exited, output: () => [...lines], stop: (graceMs = 20_000) => gone(graceMs, false), kill: () => gone(5000, true) };
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {}
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  signal(pid, 'SIGKILL');
}
