/**
 * Exponential backoff with full jitter: the delay before retry n is uniform in
 * [0, min(maxDelayMs, baseDelayMs * 2^(n-1))], which spreads retries of many records apart.
 *
 * @example
 * await sleep(backoffDelay(attempt, { baseDelayMs: 100, maxDelayMs: 2000 }));
 */

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Delay before retry number `attempt` (1 = after the first failure). */
export function backoffDelay(attempt: number, { baseDelayMs, maxDelayMs }: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

export function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
