/**
 * Poison records produced straight to the topics with a plain Kafka client, bypassing the HTTP
 * validation: bytes that are not JSON, JSON that breaks the schema, and oversized values.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from 'kafkajs';
import { parse } from 'yaml';
import { CONSUMER_GROUP, deadLetterTopicFor, orderPlaced, userEvents } from '../../events/catalog';
import { DEAD_LETTER_HEADER } from '../../lib/kafka/dead-letter-headers';
import { type KafkaRecordFilter, kafkaRecordFilter } from '../../lib/local/filter/kafka-record';
import { readRecords } from '../support/kafka';
import type { Snapshot } from './reconcile';
import type { LocalSystem } from './system';

function poisonFor(topic: string, round: number): Message[] {
  const headers = () => ({ ce_id: randomUUID(), ce_type: 'poison', ce_source: 'faults', ce_specversion: '1.0', 'content-type': 'application/json' });
  return [
    { key: `poison-${round}-a`, value: Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]), headers: headers() },
    { key: `poison-${round}-b`, value: '{"order_id": "not-a-uuid", "items": "nope"}', headers: headers() },
    { key: `poison-${round}-c`, value: JSON.stringify({ type: 'page_view', session_id: 42, topic }), headers: headers() },
    // A search that breaks the schema: the one search-terms' filter lets through.
    { key: `poison-${round}-e`, value: JSON.stringify({ type: 'search', session_id: 7, payload: 'nope' }), headers: headers() },
    // Oversized: 700 KB of id, far past any field's limit.
    { key: `poison-${round}-d`, value: JSON.stringify({ customer_id: 'x'.repeat(700_000), session_id: 'y' }), headers: headers() },
    { key: null, value: '[]' },
  ];
}

/**
 * Each group's FilterCriteria as serverless.yml gives its mapping: a poison record its filter leaves
 * out never reaches the function (committed without an invocation, as on Lambda), so it is not that
 * group's to dead-letter.
 */
function groupFilters(): Map<string, KafkaRecordFilter> {
  const service = parse(readFileSync(join(__dirname, '../../serverless.yml'), 'utf8'), { merge: true }) as {
    functions: Record<string, { events?: { msk?: { consumerGroupId?: string; filterPatterns?: unknown[] } }[] }>;
  };
  // `${self:custom.consumerGroup.<function>}`, resolved as serverless does: from the catalog.
  const groupOf = (id: string) => {
    const key = /^\$\{self:custom\.consumerGroup\.(\w+)\}$/.exec(id)?.[1];
    return key && Object.hasOwn(CONSUMER_GROUP, key) ? CONSUMER_GROUP[key as keyof typeof CONSUMER_GROUP] : id;
  };
  const filters = new Map<string, KafkaRecordFilter>();
  for (const fn of Object.values(service.functions)) {
    for (const { msk } of fn.events ?? []) {
      if (msk?.consumerGroupId && msk.filterPatterns?.length)
        filters.set(groupOf(msk.consumerGroupId), kafkaRecordFilter(msk.filterPatterns.map((p) => JSON.stringify(p))));
    }
  }
  return filters;
}

const valueBytes = (message: Message): Uint8Array | null =>
  message.value === null || message.value === undefined ? null : Buffer.isBuffer(message.value) ? message.value : Buffer.from(message.value);

export async function poisonRecords(system: LocalSystem) {
  const filters = groupFilters();
  const producer = system.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const produced: Record<string, number> = { [orderPlaced.name]: 0, [userEvents.name]: 0 };
  /** Per group: the poison records of its topic that its filter lets through (all of them without a filter). */
  const reaching: Record<string, number> = {};
  let round = 0;
  const produceRound = async () => {
    round++;
    for (const topic of [orderPlaced.name, userEvents.name]) {
      const messages = poisonFor(topic, round);
      await producer.send({ topic, acks: -1, messages });
      produced[topic] = (produced[topic] ?? 0) + messages.length;
      for (const group of topic === orderPlaced.name ? orderPlaced.consumerGroups : userEvents.consumerGroups) {
        const filter = filters.get(group);
        reaching[group] = (reaching[group] ?? 0) + messages.filter((m) => !filter || filter.matches(valueBytes(m))).length;
      }
    }
  };
  await produceRound();
  return {
    produced,
    reaching,
    async produceMore() {
      await produceRound();
      await producer.disconnect();
    },
    /** Dead letters per group written since `before`, waiting (bounded) until each group has them all. */
    async deadLettersPerGroup(before: Snapshot, timeoutMs = 120_000) {
      const kafka = system.kafka();
      const counts: Record<string, number> = {};
      let withoutReason = 0;
      const expected = (group: string) => reaching[group] ?? 0;
      for (const group of [...orderPlaced.consumerGroups, ...userEvents.consumerGroups]) {
        const topic = deadLetterTopicFor(group);
        const deadline = Date.now() + timeoutMs;
        let records = await readRecords(topic, before.offsets.get(topic) ?? new Map(), kafka);
        while (records.length < expected(group) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1000));
          records = await readRecords(topic, before.offsets.get(topic) ?? new Map(), kafka);
        }
        counts[group] = records.length;
        withoutReason += records.filter((r) => !r.message.headers?.[DEAD_LETTER_HEADER.error] || !r.message.headers?.[DEAD_LETTER_HEADER.offset]).length;
      }
      return { counts, withoutReason };
    },
  };
}
