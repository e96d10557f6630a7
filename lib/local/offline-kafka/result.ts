/**
 * What Lambda makes of a Kafka invocation's outcome.
 *
 * - A thrown error or a timeout fails the whole batch.
 * - Without `ReportBatchItemFailures` on the mapping any response is a success.
 * - With it: null, `{}`, or an empty `batchItemFailures` is a success; otherwise every failed
 *   partition is re-delivered from its LOWEST failed offset. An identifier that is not in the
 *   batch (or a malformed response) fails the whole batch: the rule of Lambda's partial batch
 *   responses for streams, where an itemIdentifier that is empty, null or has a bad key name is
 *   "a complete failure" (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html,
 *   "Success and failure conditions"); the Kafka page (kafka-retry-configurations.html) says no
 *   more, so a partition or offset the batch did not hold is treated the same way.
 */

export type Verdict =
  | { kind: 'success' }
  /** Lowest failed offset per `<topic>-<partition>` key (partitions not listed succeeded). */
  | { kind: 'partial'; failed: Map<string, number> }
  | { kind: 'failed'; reason: string };

export function interpret(
  outcome: { ok: true; payload: unknown } | { ok: false; error: string },
  /** The batch's offsets per `<topic>-<partition>` key (its records will do). */
  records: Record<string, readonly { offset: number }[]>,
  reportBatchItemFailures: boolean,
): Verdict {
  if (!outcome.ok) return { kind: 'failed', reason: outcome.error };
  if (!reportBatchItemFailures) return { kind: 'success' };
  const payload = outcome.payload;
  if (payload === null || payload === undefined || payload === '') return { kind: 'success' };
  if (typeof payload !== 'object') return { kind: 'failed', reason: `invalid batch response: ${JSON.stringify(payload).slice(0, 200)}` };
  const failures = (payload as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'failed', reason: 'invalid batch response: batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  const failed = new Map<string, number>();
  for (const failure of failures) {
    const identifier = (failure as { itemIdentifier?: Record<string, unknown> } | null)?.itemIdentifier;
    // UNVERIFIED: an older copy of the AWS page spelled the key "topic-partition"; both are accepted.
    const key = identifier?.partition ?? identifier?.['topic-partition'];
    const offset = Number(identifier?.offset);
    const batch = typeof key === 'string' ? records[key] : undefined;
    if (!batch || !Number.isInteger(offset) || !batch.some((r) => r.offset === offset)) {
      return { kind: 'failed', reason: `batchItemFailures names a record that is not in the batch: ${JSON.stringify(identifier ?? failure)}` };
    }
    const current = failed.get(key as string);
    if (current === undefined || offset < current) failed.set(key as string, offset);
  }
  return { kind: 'partial', failed };
}
