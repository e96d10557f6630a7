/**
 * The local trigger's failure policy (lib/local/offline-kafka/failure-policy.ts), row by row
 * against Lambda's documented behaviour for Kafka event source mappings:
 * - https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html (partial batch
 *   responses, MaximumRetryAttempts, MaximumRecordAgeInSeconds, BisectBatchOnFunctionError)
 * - https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html (on-failure destinations;
 *   10 retries when infinite with a destination)
 * - https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html (records per partition in order)
 * - https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
 *   ("Success and failure conditions": a bad itemIdentifier fails the whole batch)
 */
import {
  afterInvocation,
  beforeInvocation,
  effectiveMaxRetries,
  type FailurePolicy,
  failurePolicy,
  type InvokedPartition,
  type PartitionDecision,
} from '../../lib/local/offline-kafka/failure-policy';
import type { InvokeOutcome } from '../../lib/local/offline-kafka/invoke';
import { MAX_PAYLOAD_BYTES } from '../../lib/local/offline-kafka/payload';

const base: FailurePolicy = {
  reportBatchItemFailures: true,
  maxRetries: 2,
  bisectOnError: false,
  maximumRecordAgeSeconds: -1,
  destination: { kind: 'kafka', topic: 'g.dlq' },
};
const ok = (payload: unknown): InvokeOutcome => ({ ok: true, payload });
const thrown: InvokeOutcome = { ok: false, error: 'Unhandled: boom' };
const timedOut: InvokeOutcome = { ok: false, error: 'Unhandled: [504] - Lambda timeout.' };
const failure = (partition: string, offset: unknown, field = 'partition') => ({ itemIdentifier: { [field]: partition, offset } });

/** Partition t-0 holds offsets 4, 5, 6 and t-1 offsets 10, 11 (no failures so far unless given). */
function batch(attempts: Record<number, number> = {}, bisectUntil?: number): InvokedPartition[] {
  const seen = new Map(Object.entries(attempts).map(([offset, n]) => [Number(offset), n]));
  return [
    { key: 't-0', offsets: [4, 5, 6], attempts: seen, bisectUntil },
    { key: 't-1', offsets: [10, 11], attempts: seen, bisectUntil },
  ];
}

const commitAll: PartitionDecision[] = [
  { action: 'commit', done: 3 },
  { action: 'commit', done: 2 },
];
/** Retries used up: commit `done`, divert the next `count` records. */
const exhausted = (done: number, count: number, attempt: number, failures: [number, number][], reason: string): PartitionDecision => ({
  action: 'divert',
  done,
  count,
  condition: 'RetryAttemptsExhausted',
  reason,
  attempt,
  failures,
});
/** 5 records in all: each partition waits for batches of at most 3 until past its last offset. */
const halved: PartitionDecision[] = [
  { action: 'bisect', sizeLimit: 3, bisectUntil: 6 },
  { action: 'bisect', sizeLimit: 3, bisectUntil: 11 },
];
const retryAll = (attempt: number): PartitionDecision[] => [
  { action: 'retry', done: 0, attempt, failures: [4, 5, 6].map((o) => [o, attempt]) },
  { action: 'retry', done: 0, attempt, failures: [10, 11].map((o) => [o, attempt]) },
];

describe('after an invocation', () => {
  it.each<[string, InvokeOutcome, Partial<FailurePolicy>, Record<number, number>, string, PartitionDecision[]]>([
    ['success, no response', ok(null), {}, {}, 'success', commitAll],
    ['success, {}', ok({}), {}, {}, 'success', commitAll],
    ['success, empty batchItemFailures', ok({ batchItemFailures: [] }), {}, {}, 'success', commitAll],
    ['success, null batchItemFailures', ok({ batchItemFailures: null }), {}, {}, 'success', commitAll],
    [
      'any response without ReportBatchItemFailures is a success',
      ok({ batchItemFailures: [failure('t-0', 5)] }),
      { reportBatchItemFailures: false },
      {},
      'success',
      commitAll,
    ],
    [
      'an item failure: commit before it, retry from it; the other partition commits',
      ok({ batchItemFailures: [failure('t-0', 5)] }),
      {},
      {},
      'partial',
      [{ action: 'retry', done: 1, attempt: 1, failures: [[5, 1]] }, commitAll[1] as PartitionDecision],
    ],
    [
      'several failures in one partition: retried from the LOWEST failed offset',
      ok({ batchItemFailures: [failure('t-0', 6), failure('t-0', 5), failure('t-1', 11)] }),
      {},
      {},
      'partial',
      [
        { action: 'retry', done: 1, attempt: 1, failures: [[5, 1]] },
        { action: 'retry', done: 1, attempt: 1, failures: [[11, 1]] },
      ],
    ],
    [
      'the older "topic-partition" spelling of the identifier is read too',
      ok({ batchItemFailures: [failure('t-1', 10, 'topic-partition')] }),
      {},
      {},
      'partial',
      [commitAll[0] as PartitionDecision, { action: 'retry', done: 0, attempt: 1, failures: [[10, 1]] }],
    ],
    [
      'an item that failed MaximumRetryAttempts times so far is retried once more',
      ok({ batchItemFailures: [failure('t-0', 5)] }),
      {},
      { 5: 1 },
      'partial',
      [{ action: 'retry', done: 1, attempt: 2, failures: [[5, 2]] }, commitAll[1] as PartitionDecision],
    ],
    [
      'an item failed MaximumRetryAttempts + 1 times: diverted to the destination and committed',
      ok({ batchItemFailures: [failure('t-0', 5)] }),
      {},
      { 5: 2 },
      'partial',
      [exhausted(1, 1, 3, [[5, 3]], 'reported as failed 3 time(s)'), commitAll[1] as PartitionDecision],
    ],
    ['an identifier not in the batch fails the whole batch', ok({ batchItemFailures: [failure('t-0', 99)] }), {}, {}, 'failed', retryAll(1)],
    ['an identifier of a partition not in the batch fails the whole batch', ok({ batchItemFailures: [failure('t-7', 4)] }), {}, {}, 'failed', retryAll(1)],
    ['a non-numeric offset fails the whole batch', ok({ batchItemFailures: [failure('t-0', 'x')] }), {}, {}, 'failed', retryAll(1)],
    ['an invalid response (not an object) fails the whole batch', ok('done'), {}, {}, 'failed', retryAll(1)],
    ['batchItemFailures that is not a list fails the whole batch', ok({ batchItemFailures: 'all' }), {}, {}, 'failed', retryAll(1)],
    ['a function error: every record uses up one retry', thrown, {}, {}, 'failed', retryAll(1)],
    ['a timeout: the same as a function error', timedOut, {}, {}, 'failed', retryAll(1)],
    ['a function error counts on top of earlier failures', thrown, {}, { 4: 1, 5: 1, 6: 1, 10: 1, 11: 1 }, 'failed', retryAll(2)],
    [
      'a function error with retries exhausted: the leading exhausted records are diverted, the rest come again',
      thrown,
      {},
      { 4: 2, 5: 2, 10: 2, 11: 2 },
      'failed',
      [
        exhausted(
          0,
          2,
          3,
          [
            [4, 3],
            [5, 3],
            [6, 1],
          ],
          'Unhandled: boom',
        ),
        exhausted(
          0,
          2,
          3,
          [
            [10, 3],
            [11, 3],
          ],
          'Unhandled: boom',
        ),
      ],
    ],
    [
      'MaximumRetryAttempts 0: the first failure diverts',
      ok({ batchItemFailures: [failure('t-1', 11)] }),
      { maxRetries: 0 },
      {},
      'partial',
      [commitAll[0] as PartitionDecision, exhausted(1, 1, 1, [[11, 1]], 'reported as failed 1 time(s)')],
    ],
    [
      'infinite retries (no destination) never divert',
      thrown,
      { maxRetries: Number.POSITIVE_INFINITY, destination: { kind: 'none' } },
      { 4: 500, 10: 500 },
      'failed',
      [
        {
          action: 'retry',
          done: 0,
          attempt: 501,
          failures: [
            [4, 501],
            [5, 1],
            [6, 1],
          ],
        },
        {
          action: 'retry',
          done: 0,
          attempt: 501,
          failures: [
            [10, 501],
            [11, 1],
          ],
        },
      ],
    ],
    ['BisectBatchOnFunctionError: the batch is halved (not a retry: no failure recorded)', thrown, { bisectOnError: true }, {}, 'failed', halved],
    ['BisectBatchOnFunctionError on an invalid response too', ok({ batchItemFailures: [failure('t-0', 99)] }), { bisectOnError: true }, {}, 'failed', halved],
    [
      'BisectBatchOnFunctionError does not apply to reported item failures (UNVERIFIED: the Kafka pages say bisection follows a function error)',
      ok({ batchItemFailures: [failure('t-0', 4)] }),
      { bisectOnError: true },
      {},
      'partial',
      [{ action: 'retry', done: 0, attempt: 1, failures: [[4, 1]] }, commitAll[1] as PartitionDecision],
    ],
  ])('%s', (_row, outcome, settings, attempts, verdict, decisions) => {
    const decision = afterInvocation(outcome, batch(attempts), { ...base, ...settings });
    expect(decision.verdict.kind).toBe(verdict);
    expect(decision.partitions).toEqual(decisions);
  });

  it('a bisection that is still going on keeps its furthest end', () => {
    const { partitions } = afterInvocation(thrown, batch({}, 20), { ...base, bisectOnError: true });
    expect(partitions).toEqual([
      { action: 'bisect', sizeLimit: 3, bisectUntil: 20 },
      { action: 'bisect', sizeLimit: 3, bisectUntil: 20 },
    ]);
  });

  it('a single record that fails is retried, not bisected, and diverted once its retries are exhausted', () => {
    const one: InvokedPartition[] = [{ key: 't-0', offsets: [4], attempts: new Map() }];
    expect(afterInvocation(thrown, one, { ...base, bisectOnError: true }).partitions).toEqual([{ action: 'retry', done: 0, attempt: 1, failures: [[4, 1]] }]);
    const failedTwice: InvokedPartition[] = [{ key: 't-0', offsets: [4], attempts: new Map([[4, 2]]) }];
    expect(afterInvocation(thrown, failedTwice, { ...base, bisectOnError: true }).partitions).toEqual([exhausted(0, 1, 3, [[4, 3]], 'Unhandled: boom')]);
  });
});

describe('the mapping settings', () => {
  it.each([
    ['explicit retries stand', { maximumRetryAttempts: 3, onFailureTopic: 'g.dlq' }, 3],
    ['explicit 10000 stands', { maximumRetryAttempts: 10_000 }, 10_000],
    ['infinite with a Kafka destination: 10', { maximumRetryAttempts: -1, onFailureTopic: 'g.dlq' }, 10],
    ['infinite with another destination: 10', { maximumRetryAttempts: -1, onFailureOther: 'arn:aws:sqs:eu-west-1:1:q' }, 10],
    ['infinite without a destination: infinite', { maximumRetryAttempts: -1 }, Number.POSITIVE_INFINITY],
  ])('%s', (_row, mapping, retries) => {
    expect(effectiveMaxRetries(mapping)).toBe(retries);
  });

  it('reads the destination and the other settings from the mapping', () => {
    const mapping = { reportBatchItemFailures: true, maximumRetryAttempts: -1, bisectOnError: true, maximumRecordAgeSeconds: 60 };
    expect(failurePolicy({ ...mapping, onFailureTopic: 'g.dlq' })).toEqual({
      reportBatchItemFailures: true,
      maxRetries: 10,
      bisectOnError: true,
      maximumRecordAgeSeconds: 60,
      destination: { kind: 'kafka', topic: 'g.dlq' },
    });
    expect(failurePolicy({ ...mapping, onFailureOther: 'arn:aws:sns:eu-west-1:1:t' }).destination).toEqual({
      kind: 'not-emulated',
      target: 'arn:aws:sns:eu-west-1:1:t',
    });
    expect(failurePolicy(mapping).destination).toEqual({ kind: 'none' });
  });
});

describe('before an invocation', () => {
  const now = 1_700_000_100_000;
  const at = (...ages: number[]) => ages.map((seconds) => ({ timestamp: now - seconds * 1000 }));

  it.each<[string, { timestamp: number }[], number, boolean, number, ReturnType<typeof beforeInvocation>]>([
    ['no record age limit: old records are invoked', at(10_000, 5), 0, true, -1, { action: 'invoke' }],
    [
      'records at the head older than MaximumRecordAgeInSeconds go to the destination',
      at(120, 90, 30, 200),
      0,
      true,
      60,
      { action: 'divert', count: 2, condition: 'RecordAgeExceeded', reason: 'older than MaximumRecordAgeInSeconds (60)' },
    ],
    ['counted from the partition head given', at(120, 90, 30), 2, true, 60, { action: 'invoke' }],
    ['a record exactly at the limit is still invoked', at(60), 0, true, 60, { action: 'invoke' }],
    [
      'a head record over the payload limit on its own goes to the destination',
      at(1),
      0,
      false,
      60,
      { action: 'divert', count: 1, condition: 'MaximumPayloadSizeExceeded', reason: `record exceeds the ${MAX_PAYLOAD_BYTES}-byte invocation payload limit` },
    ],
    [
      'expired records go first, before the size of the head counts',
      at(120, 1),
      0,
      false,
      60,
      { action: 'divert', count: 1, condition: 'RecordAgeExceeded', reason: 'older than MaximumRecordAgeInSeconds (60)' },
    ],
    ['nothing left: invoke (the caller ends the partition)', at(1), 1, false, 60, { action: 'invoke' }],
  ])('%s', (_row, records, head, headFits, maximumRecordAgeSeconds, decision) => {
    expect(beforeInvocation(records, head, headFits, { maximumRecordAgeSeconds }, now)).toEqual(decision);
  });
});
