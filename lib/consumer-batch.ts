/**
 * Batch-aggregating consumers on top of the per-record runtime (lib/consumer): for counters, where
 * one write per key per batch beats one write per record.
 *
 * The runtime hands its handler one record at a time and never says when a batch ends, so an
 * aggregate cannot be built inside the per-record handler. This wrapper sees the whole Lambda
 * event first:
 *   1. decodes it with the runtime's own decode functions (same event ids, same schema checks,
 *      same skipping of dead letters redriven for another group);
 *   2. applies the aggregate of every valid event not applied yet, with all their markers, in one
 *      atomic Redis script (lib/stores/analytics.ts `applyAggregateOnce`);
 *   3. hands the event to the per-record runtime, which finds those events applied and skips them,
 *      dead-letters the records that failed decoding or validation, and reports partial failures.
 * Only for commutative effects (counters, set unions): the aggregate is applied across partitions
 * at once, before the runtime walks each partition in order.
 * The per-record handler (one event's aggregate, `applyOnce`) only runs for what step 2 did not
 * cover: when the aggregate could not be written (Redis down: every record then fails retryably
 * and is redelivered) or raced with another writer. Either way each event is counted once.
 *
 * TODO(lib/consumer owner): runtime support would make this wrapper unnecessary, e.g.
 *   kafkaBatchConsumer({ group, topic }, async (items: { value, record }[]) => ...)
 * called once per invocation with the valid, not-yet-applied, not-redriven-elsewhere records
 * (after the runtime's bulk claim, so leases are held), all marked completed when it resolves,
 * all failed (retryable) or re-run one by one when it throws. This file then goes away.
 *
 * @example
 * export const handler = kafkaAggregatingConsumer({ group: 'page-views', topic: userEvents }, pageViewCommands);
 */
import type { Context, MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda';
import type { EventOf, TopicDefinition } from '../events/catalog';
import { type KafkaBatchResponse, type KafkaConsumerOptions, kafkaConsumer } from './consumer';
import { decodeRecord, parseValue, partitionsOf } from './consumer/decode';
import type { RawKafkaEvent } from './consumer/types';
import { HEADER } from './kafka/headers';
import { log } from './log';
import { type AggregateItem, applyAggregateOnce } from './stores/analytics';
import { applyOnce, type RedisCommand } from './stores/once';

type KafkaHandler = (event: MSKEvent | SelfManagedKafkaEvent, context: Context) => Promise<KafkaBatchResponse>;

/** The valid records of `event` this group would process, as (event id, value); invalid ones are left to the runtime. */
export function aggregatableRecords<T extends TopicDefinition>(group: string, topic: T, event: RawKafkaEvent): AggregateItem<EventOf<T>>[] {
  const items: AggregateItem<EventOf<T>>[] = [];
  for (const batch of partitionsOf(event)) {
    if (batch.topic !== topic.name) return []; // the runtime fails such a batch as a wiring error
    for (const raw of batch.records) {
      const record = decodeRecord(batch, raw);
      const redriveGroup = record.headers[HEADER.redriveGroup];
      if (record.problem || (redriveGroup !== undefined && redriveGroup !== group)) continue;
      try {
        items.push({ eventId: record.eventId, value: parseValue(topic, record) as EventOf<T> });
      } catch {
        // Dead-lettered by the runtime.
      }
    }
  }
  return items;
}

/**
 * A consumer whose effect is a Redis aggregate: `commandsFor(values)` turns any set of events into
 * the commands to apply (e.g. one ZINCRBY per path). Applied once per batch for the batch's new
 * events, exactly once per event under redelivery.
 */
export function kafkaAggregatingConsumer<T extends TopicDefinition>(
  options: KafkaConsumerOptions<T>,
  commandsFor: (values: EventOf<T>[]) => RedisCommand[],
): KafkaHandler {
  const { group, topic } = options;
  const perRecord = kafkaConsumer(options, async (value, record) => {
    await applyOnce(record.group, record.eventId, commandsFor([value]));
  });
  return async (event, context) => {
    try {
      const items = aggregatableRecords(group, topic, event as unknown as RawKafkaEvent);
      const result = await applyAggregateOnce(group, items, commandsFor);
      log.debug('batch aggregate applied', { group, ...result });
    } catch (error) {
      // Nothing was written (the script is atomic): the runtime now applies the records one by one.
      log.warn('batch aggregate not applied; records are applied one by one', { group, error: (error as Error).message });
    }
    return perRecord(event, context);
  };
}
