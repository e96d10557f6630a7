import { latencyBucket, quantile } from '../../lib/stores/live-figures';

describe('live figures: latency histogram', () => {
  test('a latency falls in the bucket whose upper bound (1.25^i ms) is the first at or above it', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(1)).toBe(0);
    expect(latencyBucket(1.25)).toBe(1);
    expect(latencyBucket(1.3)).toBe(2);
    for (const ms of [3, 17, 250, 999, 12_345, 600_000]) {
      const bucket = latencyBucket(ms);
      expect(1.25 ** bucket).toBeGreaterThanOrEqual(ms * 0.999999);
      expect(1.25 ** (bucket - 1)).toBeLessThan(ms);
    }
    expect(latencyBucket(Number.MAX_SAFE_INTEGER)).toBe(90);
  });

  test('percentiles are read within 25% of the true value', () => {
    const latencies = Array.from({ length: 1000 }, (_, i) => i + 1); // 1..1000 ms
    const histogram = new Map<number, number>();
    for (const ms of latencies) histogram.set(latencyBucket(ms), (histogram.get(latencyBucket(ms)) ?? 0) + 1);
    const p50 = quantile(histogram, 0.5) as number;
    const p99 = quantile(histogram, 0.99) as number;
    expect(p50).toBeGreaterThanOrEqual(500);
    expect(p50).toBeLessThanOrEqual(625);
    expect(p99).toBeGreaterThanOrEqual(990);
    expect(p99).toBeLessThanOrEqual(1240);
    expect(quantile(new Map(), 0.5)).toBeNull();
  });
});
