/**
 * What the local trigger remembers about one partition between invocations: failed invocations per
 * offset and an ongoing bisection. Committing an offset forgets the failures before it and ends a
 * bisection once past the batch that started it (the failure policy, failure-policy.ts, reads it).
 *
 * @example
 * const state = new PartitionState();
 * state.recordFailures([[4, 1]]);   // offset 4 failed once
 * state.bisect(2, 9);               // batches of at most 2 until offset 9 is committed
 * state.committed(10);              // forgets offset 4's failure and ends the bisection
 */
export class PartitionState {
  private readonly failures = new Map<number, number>();
  /** Batch size while bisecting. */
  sizeLimit: number | undefined = undefined;
  /** Last offset of the batch that started the bisection: full batches resume after it. */
  bisectUntil: number | undefined = undefined;

  /** Failed invocations so far per offset. */
  get attempts(): ReadonlyMap<number, number> {
    return this.failures;
  }

  recordFailures(failures: readonly [offset: number, attempt: number][]): void {
    for (const [offset, attempt] of failures) this.failures.set(offset, attempt);
  }

  bisect(sizeLimit: number, until: number): void {
    this.sizeLimit = sizeLimit;
    this.bisectUntil = until;
  }

  /** Everything before `nextOffset` is committed. */
  committed(nextOffset: number): void {
    for (const offset of this.failures.keys()) if (offset < nextOffset) this.failures.delete(offset);
    if (this.bisectUntil !== undefined && nextOffset > this.bisectUntil) {
      this.sizeLimit = undefined;
      this.bisectUntil = undefined;
    }
  }
}
