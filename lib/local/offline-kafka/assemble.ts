/**
 * Which records go into the next invocation of a mapping. Lambda "reads messages sequentially for
 * each Kafka topic partition. A single Lambda payload can contain messages from multiple
 * partitions" (https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html): a batch takes
 * each waiting partition's records from its next offset on, in offset order, partition after
 * partition, until `batchSize` records or the 6 MB payload are reached.
 *
 * Bisection is per partition: a partition whose last batch failed and was split carries the halved
 * size, and a batch that holds it has at most that many records in all.
 */
import type { LambdaKafkaRecord } from '../../kafka/lambda-event';
import { fitRecords, MAX_PAYLOAD_BYTES, partitionFrameSize } from './payload';

export interface WaitingPartition {
  /** `<topic>-<partition>`. */
  key: string;
  /** Its records from the next one to invoke, in offset order. */
  records: LambdaKafkaRecord[];
  /** Records a batch holding this partition may have at most (set while bisecting). */
  sizeLimit?: number;
}

/** The first `count` records of partition `key` go into the batch. */
export interface BatchPart {
  key: string;
  count: number;
}

/**
 * The next batch from `waiting` (in that order). Empty only when no partition's first record fits
 * (a record too big on its own is the caller's to divert before it gets here).
 */
export function assembleBatch(waiting: WaitingPartition[], batchSize: number, envelopeBytes: number, maxBytes = MAX_PAYLOAD_BYTES): BatchPart[] {
  const parts: BatchPart[] = [];
  let limit = batchSize;
  let total = 0;
  let bytes = envelopeBytes;
  for (const partition of waiting) {
    const partitionLimit = Math.min(limit, partition.sizeLimit ?? limit);
    // Joining would break this partition's own (bisected) limit: it waits for a batch of its own.
    if (total >= partitionLimit) continue;
    const { count, bytes: withRecords } = fitRecords(partition.records, partitionLimit - total, bytes + partitionFrameSize(partition.key), maxBytes);
    if (count === 0) continue;
    parts.push({ key: partition.key, count });
    total += count;
    bytes = withRecords;
    limit = partitionLimit;
    if (total >= limit) break;
  }
  return parts;
}
