/** The one timeout helper: settles as the promise does, or rejects with a TimeoutError in time. */
import { TimeoutError, withTimeout } from '../lib/timeout';

afterEach(() => jest.useRealTimers());

test('resolves and rejects as the promise does when it settles in time', async () => {
  await expect(withTimeout(Promise.resolve(42), 1000, 'no answer')).resolves.toBe(42);
  const failure = new Error('refused');
  await expect(withTimeout(Promise.reject(failure), 1000, 'no answer')).rejects.toBe(failure);
});

test('rejects with a TimeoutError saying what did not come, and within how long', async () => {
  jest.useFakeTimers();
  const pending = withTimeout(new Promise<never>(() => {}), 3000, 'no answer from Kafka');
  jest.advanceTimersByTime(2999);
  const settled = jest.fn();
  pending.then(settled, settled);
  await Promise.resolve();
  expect(settled).not.toHaveBeenCalled();
  jest.advanceTimersByTime(1);
  const error = await pending.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TimeoutError);
  expect(error).toMatchObject({ name: 'TimeoutError', message: 'no answer from Kafka within 3000 ms', ms: 3000 });
});

test('a spent budget rejects at once, and no timer outlives the race', async () => {
  jest.useFakeTimers();
  await expect(withTimeout(new Promise<never>(() => {}), -5, 'no acknowledgement')).rejects.toThrow('no acknowledgement within 0 ms');
  await withTimeout(Promise.resolve('done'), 60_000, 'no answer');
  expect(jest.getTimerCount()).toBe(0);
});
