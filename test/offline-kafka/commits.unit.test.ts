/**
 * The local trigger's offset commits (lib/local/offline-kafka/commits.ts): coalesced across
 * partitions, never backwards, and a failed commit reported rather than retried forever.
 */
import { type CommitOffsets, OffsetCommitter } from '../../lib/local/offline-kafka/commits';

function committer(fail: (call: number) => boolean = () => false) {
  const calls: { partition: number; offset: string }[][] = [];
  const errors: number[][] = [];
  const send: CommitOffsets = async (partitions) => {
    calls.push(partitions);
    if (fail(calls.length)) throw new Error('not the coordinator');
  };
  return {
    calls,
    errors,
    commits: new OffsetCommitter(
      () => send,
      (partitions) => errors.push(partitions),
    ),
  };
}

test('commits asked while one is in flight go out together in the next request, the highest offset per partition', async () => {
  const { calls, commits } = committer();
  commits.commit(0, 5);
  commits.commit(1, 3);
  commits.commit(0, 7);
  expect(await commits.settle(0)).toBe(true);
  expect(await commits.settle(1)).toBe(true);
  expect(calls).toEqual([
    [{ partition: 0, offset: '5' }],
    [
      { partition: 0, offset: '7' },
      { partition: 1, offset: '3' },
    ],
  ]);
});

test('an offset never moves backwards', async () => {
  const { calls, commits } = committer();
  commits.commit(0, 9);
  await commits.settle(0);
  commits.commit(0, 4);
  await commits.settle(0);
  expect(calls).toEqual([[{ partition: 0, offset: '9' }]]);
});

test('a failed commit is reported, settle says so, and the next commit of the partition goes out again', async () => {
  const { calls, errors, commits } = committer((call) => call === 1);
  commits.commit(2, 4);
  expect(await commits.settle(2)).toBe(false);
  expect(errors).toEqual([[2]]);
  commits.commit(2, 6);
  expect(await commits.settle(2)).toBe(true);
  expect(calls).toEqual([[{ partition: 2, offset: '4' }], [{ partition: 2, offset: '6' }]]);
});
