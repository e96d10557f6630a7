/** What the local trigger remembers per partition (lib/local/offline-kafka/partition-state.ts). */
import { PartitionState } from '../../lib/local/offline-kafka/partition-state';

test('a commit forgets the failures before it and keeps the later ones', () => {
  const state = new PartitionState();
  state.recordFailures([
    [4, 1],
    [5, 2],
    [9, 1],
  ]);
  state.committed(6);
  expect([...state.attempts]).toEqual([[9, 1]]);
});

test('a bisection lasts until the batch that started it is committed past its end', () => {
  const state = new PartitionState();
  state.bisect(2, 9);
  state.committed(9);
  expect({ sizeLimit: state.sizeLimit, bisectUntil: state.bisectUntil }).toEqual({ sizeLimit: 2, bisectUntil: 9 });
  state.committed(10);
  expect({ sizeLimit: state.sizeLimit, bisectUntil: state.bisectUntil }).toEqual({ sizeLimit: undefined, bisectUntil: undefined });
});
