/**
 * The mapping's FilterCriteria applied the way Lambda applies it to Kafka records: before
 * batching, a record that matches none of the filters is left out of every invocation and its offset
 * is committed with the records around it ("For Kafka, Lambda commits offsets for matched and
 * unmatched messages after successfully invoking the function", and a batch of unmatched records
 * only is committed without an invocation:
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html).
 * The matching itself is lib/local/filter (Lambda's filter rule syntax, checked against AWS event-ruler).
 */
import type { KafkaMessage } from 'kafkajs';
import { type KafkaRecordFilter, kafkaRecordFilter } from '../filter/kafka-record';
import { FilterPatternError } from '../filter/rule';

/** The mapping's filter, or undefined when it has none; a bad pattern fails like Lambda's API does. */
export function mappingFilter(label: string, patterns: readonly string[]): KafkaRecordFilter | undefined {
  if (patterns.length === 0) return undefined;
  try {
    return kafkaRecordFilter(patterns);
  } catch (error) {
    if (error instanceof FilterPatternError) throw new Error(`${label}: FilterCriteria refused: ${error.message}`);
    throw error;
  }
}

/** What a fetched batch leaves for the function, and the offsets that were filtered out. */
export class FilteredBatch {
  readonly messages: KafkaMessage[];
  /** Offsets of the records no filter matched, ascending. */
  private readonly skipped: number[] = [];
  private reported = 0;

  constructor(filter: KafkaRecordFilter | undefined, messages: KafkaMessage[]) {
    if (!filter) {
      this.messages = messages;
      return;
    }
    this.messages = [];
    for (const message of messages) {
      if (filter.matches(message.value)) this.messages.push(message);
      else this.skipped.push(Number(message.offset));
    }
  }

  get filteredOut(): number {
    return this.skipped.length;
  }

  /** Filtered-out records below `offset` not counted in a log line yet (each is counted once). */
  takeFilteredBelow(offset: number): number {
    let count = 0;
    while (this.reported < this.skipped.length && (this.skipped[this.reported] as number) < offset) {
      this.reported++;
      count++;
    }
    return count;
  }

  /** The offset after the last filtered-out record, if it lies beyond `offset` (the batch's tail needs a commit of its own). */
  tailEnd(offset: number): number | undefined {
    const last = this.skipped[this.skipped.length - 1];
    return last !== undefined && last + 1 > offset ? last + 1 : undefined;
  }
}
