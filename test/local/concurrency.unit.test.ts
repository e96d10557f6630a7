/**
 * lib/local/offline-gateway/concurrency.ts: at most `max` holders at once, the others wait in
 * arrival order, and a slot released twice is freed once.
 */
import { ConcurrencyLimit } from '../../lib/local/offline-gateway/concurrency';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('the third request waits until one of two running ones is done, then runs', async () => {
  const limit = new ConcurrencyLimit(2);
  const first = await limit.acquire();
  await limit.acquire();
  let third: (() => void) | undefined;
  void limit.acquire().then((release) => {
    third = release;
  });
  await tick();
  expect(third).toBeUndefined();
  expect(limit.load).toEqual({ running: 2, waiting: 1 });
  first();
  await tick();
  expect(third).toBeInstanceOf(Function);
  expect(limit.load).toEqual({ running: 2, waiting: 0 });
});

test('waiters run in arrival order, and releasing twice frees one slot only', async () => {
  const limit = new ConcurrencyLimit(1);
  const release = await limit.acquire();
  const order: number[] = [];
  const waiters = [1, 2].map((n) =>
    limit.acquire().then((r) => {
      order.push(n);
      return r;
    }),
  );
  release();
  release();
  await tick();
  expect(order).toEqual([1]);
  expect(limit.load).toEqual({ running: 1, waiting: 1 });
  (await waiters[0])?.();
  await tick();
  expect(order).toEqual([1, 2]);
});

test('a limit below 1 is refused', () => {
  expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
});
