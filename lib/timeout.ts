/**
 * Bounding how long a caller waits for a promise: the answer must come before the function's own
 * timeout, so a stuck socket becomes an error the caller handles, not a Lambda timeout.
 *
 * @example
 * const health = await withTimeout(consumerGroupHealth(admin, groups), 3000, 'no answer from Kafka');
 * // rejects after 3 s with TimeoutError('no answer from Kafka within 3000 ms')
 */

/** The awaited promise did not settle in time. It keeps running: the caller drops or closes what it started. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(
    message: string,
    /** The time allowed, in milliseconds. */
    readonly ms: number,
  ) {
    super(message);
  }
}

/**
 * Settles as `promise` does, or rejects with a {@link TimeoutError} saying `${missing} within ${ms} ms`
 * once `ms` have passed (at once when `ms` is not positive: a spent budget). The timer never
 * outlives the race.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, missing: string): Promise<T> {
  const allowed = Math.max(0, ms);
  const timeout = () => new TimeoutError(`${missing} within ${allowed} ms`, allowed);
  if (allowed === 0) return Promise.reject(timeout());
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), allowed);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
