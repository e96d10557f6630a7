/**
 * The invocation's time budget: the function's remaining time minus a safety margin, so the
 * runtime stops taking records (and stops retrying) early enough to return a partial batch
 * response instead of timing out, which would fail the whole batch.
 *
 * @example
 * const budget = TimeBudget.of(context, 2000);
 * if (budget.expired()) return reportUnprocessed();
 * if (!budget.allows(delay)) return reportFailed();
 */
import type { Context } from 'aws-lambda';

/** Used when the context has no getRemainingTimeInMillis (plain calls, some test harnesses): Lambda's Kafka maximum. */
const DEFAULT_REMAINING_MS = 14 * 60 * 1000;

export class TimeBudget {
  private constructor(readonly deadline: number) {}

  static of(context: Partial<Pick<Context, 'getRemainingTimeInMillis'>> | undefined, safetyMarginMs: number, now = Date.now()): TimeBudget {
    const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : DEFAULT_REMAINING_MS;
    return new TimeBudget(now + remaining - safetyMarginMs);
  }

  /** Milliseconds left before the runtime must stop taking records. */
  remaining(): number {
    return this.deadline - Date.now();
  }

  /** No new record may start. */
  expired(): boolean {
    return Date.now() >= this.deadline;
  }

  /** Waiting `ms` (and then trying again) still fits before the deadline. */
  allows(ms: number): boolean {
    return Date.now() + ms < this.deadline;
  }
}
