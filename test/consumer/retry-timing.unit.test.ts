/** Backoff delays and the invocation's time budget: the arithmetic behind in-process retries. */
import { backoffDelay } from '../../lib/consumer/backoff';
import { TimeBudget } from '../../lib/consumer/budget';

describe('backoffDelay (full jitter)', () => {
  const options = { baseDelayMs: 100, maxDelayMs: 1000 };

  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1000],
    [12, 1000],
  ])('retry %i waits below min(max, base * 2^(n-1)) = %i ms', (attempt, ceiling) => {
    expect(backoffDelay(attempt, options, () => 0)).toBe(0);
    expect(backoffDelay(attempt, options, () => 0.5)).toBe(ceiling / 2);
    expect(backoffDelay(attempt, options, () => 0.999999)).toBe(ceiling - 1);
  });
});

describe('TimeBudget', () => {
  it('keeps the safety margin off the remaining time', () => {
    const budget = TimeBudget.of({ getRemainingTimeInMillis: () => 10_000 }, 2_000, 1_000_000);
    expect(budget.deadline).toBe(1_008_000);
  });

  it('is expired once only the margin is left, and allows no wait past its deadline', () => {
    const spent = TimeBudget.of({ getRemainingTimeInMillis: () => 1_000 }, 2_000);
    expect(spent.expired()).toBe(true);
    expect(spent.allows(0)).toBe(false);
    const fresh = TimeBudget.of({ getRemainingTimeInMillis: () => 60_000 }, 2_000);
    expect(fresh.expired()).toBe(false);
    expect(fresh.allows(1_000)).toBe(true);
    expect(fresh.allows(120_000)).toBe(false);
  });

  it("without a context's remaining time, assumes Lambda's Kafka maximum of 14 minutes", () => {
    expect(TimeBudget.of(undefined, 0, 0).deadline).toBe(14 * 60 * 1000);
  });
});
