/**
 * Counting after the fact: for the requests a scenario got accepted, what is in Kafka (once per
 * event?) and what each consumer group applied (once per event?), and what was dead-lettered.
 */
import type { Kafka } from 'kafkajs';
import { deadLetterTopicFor, orderPlaced, userEvents } from '../../events/catalog';
import { endOffsets, readRecords } from '../support/kafka';
import type { AcceptedCheckout, AcceptedEvent } from './load';
import { type LocalSystem, SYSTEM_REDIS_PREFIX } from './system';

export interface Counts {
  /** Accepted events found in Kafka. */
  delivered: number;
  /** Effects applied, summed over consumer groups (expected: accepted x groups). */
  effects: number;
  /** Extra copies: in Kafka (same event twice) or applied twice by a group. */
  duplicates: number;
  /** Expected effects missing when the wait ended, plus accepted events missing from Kafka. */
  lost: number;
  /** Records of this scenario on topics nobody accepted them for (e.g. a write answered 503 that still landed). */
  unaccounted: number;
  /** Records added to the consumer groups' dead-letter topics during the scenario. */
  deadLettered: number;
}

export interface Snapshot {
  offsets: Map<string, Map<number, number>>;
}

const watchedTopics = [
  orderPlaced.name,
  userEvents.name,
  ...orderPlaced.consumerGroups.map(deadLetterTopicFor),
  ...userEvents.consumerGroups.map(deadLetterTopicFor),
];

/** End offsets of every topic the reconciliation reads, before a scenario. */
export async function snapshot(kafka: Kafka): Promise<Snapshot> {
  const offsets = new Map<string, Map<number, number>>();
  for (const topic of watchedTopics) offsets.set(topic, await endOffsets(topic, kafka));
  return { offsets };
}

async function deadLettersSince(kafka: Kafka, before: Snapshot, groups: readonly string[]): Promise<number> {
  let count = 0;
  for (const group of groups) {
    const topic = deadLetterTopicFor(group);
    const now = await endOffsets(topic, kafka);
    for (const [partition, high] of now) count += high - (before.offsets.get(topic)?.get(partition) ?? 0);
  }
  return count;
}

/** Waits (bounded) until `pending` reports nothing left, polling. */
async function settle(pending: () => Promise<number>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await pending()) === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function key(name: string): string {
  return `${SYSTEM_REDIS_PREFIX}${name}`;
}

export async function reconcileCheckouts(
  system: LocalSystem,
  tag: string,
  accepted: AcceptedCheckout[],
  before: Snapshot,
  timeoutMs = 180_000,
): Promise<Counts> {
  const kafka = system.kafka();
  const groups = orderPlaced.consumerGroups;
  const ids = new Set(accepted.map((a) => a.orderId));
  const seen = new Map<string, number>();
  let unaccounted = 0;
  for (const record of await readRecords(orderPlaced.name, before.offsets.get(orderPlaced.name) ?? new Map(), kafka)) {
    let value: { order_id?: string; items?: { product_id?: string }[] };
    try {
      value = JSON.parse(String(record.message.value));
    } catch {
      continue;
    }
    const productId = Array.isArray(value?.items) ? value.items[0]?.product_id : undefined;
    if (typeof productId !== 'string' || !productId.startsWith(`${tag}-`)) continue;
    const orderId = String(value.order_id);
    if (ids.has(orderId)) seen.set(orderId, (seen.get(orderId) ?? 0) + 1);
    else unaccounted++;
  }
  const delivered = seen.size;
  let duplicates = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);

  const stepsMissing = async () => {
    const pipeline = system.redis.pipeline();
    for (const a of accepted) pipeline.hlen(key(`order:${a.orderId}`));
    const lengths = (await pipeline.exec()) ?? [];
    // An order hash holds 4 order fields plus one step per group.
    return lengths.filter(([, n]) => Number(n) < 4 + groups.length).length;
  };
  await settle(stepsMissing, timeoutMs);

  const orders = system.redis.pipeline();
  for (const a of accepted) orders.hgetall(key(`order:${a.orderId}`));
  const orderHashes = ((await orders.exec()) ?? []).map(([, h]) => (h ?? {}) as Record<string, string>);
  let effects = 0;
  for (const hash of orderHashes) for (const group of groups) if (hash[`step:${group}`]) effects++;

  // Effects that can show a double application: stock reserved per (unique) product, confirmations sent.
  const reserved = accepted.length > 0 ? await system.redis.hmget(key('inventory:reserved'), ...accepted.map((a) => a.productId)) : [];
  duplicates += reserved.reduce((sum, n) => sum + Math.max(0, Number(n ?? 0) - 1), 0);
  const sent = new Map<string, number>();
  for (const entry of await system.redis.lrange(key('email:sent'), 0, -1)) {
    const orderId = (JSON.parse(entry) as { order_id: string }).order_id;
    if (ids.has(orderId)) sent.set(orderId, (sent.get(orderId) ?? 0) + 1);
  }
  duplicates += [...sent.values()].reduce((sum, n) => sum + n - 1, 0);

  const lost = accepted.length * groups.length - effects + (accepted.length - delivered);
  return { delivered, effects, duplicates, lost, unaccounted, deadLettered: await deadLettersSince(kafka, before, groups) };
}

export async function reconcileEvents(system: LocalSystem, tag: string, accepted: AcceptedEvent[], before: Snapshot, timeoutMs = 180_000): Promise<Counts> {
  const kafka = system.kafka();
  const groups = userEvents.consumerGroups;
  const members = new Set(accepted.map((a) => a.member));
  const seen = new Map<string, number>();
  let unaccounted = 0;
  for (const record of await readRecords(userEvents.name, before.offsets.get(userEvents.name) ?? new Map(), kafka)) {
    let value: { session_id?: string; payload?: Record<string, string> };
    try {
      value = JSON.parse(String(record.message.value));
    } catch {
      continue;
    }
    if (typeof value?.session_id !== 'string' || !value.session_id.startsWith(`${tag}-`)) continue;
    const member = value.payload?.path ?? value.payload?.query ?? '';
    if (members.has(member)) seen.set(member, (seen.get(member) ?? 0) + 1);
    else unaccounted++;
  }
  const delivered = seen.size;
  let duplicates = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);

  const scores = async () => {
    const pipeline = system.redis.pipeline();
    for (const a of accepted) {
      if (a.type === 'page_view') pipeline.zscore(key('analytics:page-views'), a.member);
      else pipeline.zscore(key('analytics:search-terms'), a.member.toLowerCase());
    }
    return ((await pipeline.exec()) ?? []).map(([, score]) => Number(score ?? 0));
  };
  await settle(async () => (await scores()).filter((s) => s === 0).length, timeoutMs);
  const final = await scores();
  const effects = final.filter((s) => s >= 1).length;
  duplicates += final.reduce((sum, s) => sum + Math.max(0, s - 1), 0);
  // Each event has one effect: a page view in page-views, a search in search-terms.
  const lost = accepted.length - effects + (accepted.length - delivered);
  return { delivered, effects, duplicates, lost, unaccounted, deadLettered: await deadLettersSince(kafka, before, groups) };
}
