/**
 * Runs async tasks with at most `concurrency` in flight, results in input order. Every task is
 * awaited even when one rejects; then the first rejection is thrown, so no work runs on after the
 * caller has returned.
 *
 * @example
 * const outcomes = await mapBounded(partitions, 4, (p) => processPartition(p));
 */
export async function mapBounded<I, O>(items: readonly I[], concurrency: number, task: (item: I, index: number) => Promise<O>): Promise<O[]> {
  const results = new Array<O>(items.length);
  const errors: unknown[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as I, index);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker);
  await Promise.all(workers);
  if (errors.length > 0) throw errors[0];
  return results;
}
