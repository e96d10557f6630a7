/**
 * Stand-in work for the video pipeline's steps, made slow or flaky from the environment so demos
 * and tests can watch the pipeline under delay and transient failure:
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `<STEP>_WORK_MS` | how long the step works, e.g. `TRANSCODE_WORK_MS=1500` | 0 |
 * | `<STEP>_FAILURE_RATE` | chance (0..1) that an attempt fails with a transient error | 0 |
 *
 * `<STEP>` is the step's name upper-cased with dashes as underscores (`search-index` → `SEARCH_INDEX`).
 * Read on every call, so a test can flip them between invocations.
 *
 * @example
 * await simulateWork('transcode');   // may throw RetryableError
 */
import { RetryableError } from './consumer';
import { sleep } from './consumer/backoff';

interface WorkSettings {
  durationMs: number;
  failureRate: number;
}

function workSettings(step: string, env: NodeJS.ProcessEnv = process.env): WorkSettings {
  const prefix = step.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  const durationMs = Number(env[`${prefix}_WORK_MS`] ?? 0);
  const failureRate = Number(env[`${prefix}_FAILURE_RATE`] ?? 0);
  return {
    durationMs: Number.isFinite(durationMs) ? Math.max(0, durationMs) : 0,
    failureRate: Number.isFinite(failureRate) ? Math.min(1, Math.max(0, failureRate)) : 0,
  };
}

/** Works for the configured time, then fails transiently with the configured probability. */
export async function simulateWork(step: string, random: () => number = Math.random): Promise<void> {
  const { durationMs, failureRate } = workSettings(step);
  await sleep(durationMs);
  if (failureRate > 0 && random() < failureRate) throw new RetryableError(`simulated transient failure of ${step}`);
}
